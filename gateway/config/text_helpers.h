// Small parsing helpers shared by the configuration readers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace camgate {

// "250ms", "2s", "1.5s", "1m" or a bare integer (milliseconds).
std::optional<uint64_t> parse_duration_ms (const std::string & text);

// The candidate closest to `word` by edit distance, if it is a plausible typo.
std::optional<std::string> closest_match (const std::string & word,
    const std::vector<std::string> & candidates);

}  // namespace camgate
