// RFC 3339 UTC times, the one way camgate writes and reads them: HLS
// PROGRAM-DATE-TIME, the DASH MPD, the start time recordsink stores in each
// file, and the recordings API.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace camgate {

// "2026-12-04T01:31:01.708Z": microseconds since 1970 (UTC), with
// `decimals` (0-6) digits of the second.
std::string format_utc_time (int64_t unix_us, int decimals = 3);

// Any RFC 3339 / ISO 8601 time with a zone, as microseconds since 1970.
std::optional<int64_t> parse_utc_time (const char *text);

}  // namespace camgate
