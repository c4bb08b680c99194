// Small parsing helpers shared by the configuration readers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace camgate {

// "250ms", "2s", "1.5s", "1m" or a bare integer (milliseconds).
std::optional<uint64_t> parse_duration_ms (const std::string & text);

// "500M", "10G", "1.5T", "4096" (bytes; K/M/G/T are powers of 1024).
std::optional<uint64_t> parse_size_bytes (const std::string & text);

// The candidate closest to `word` by edit distance, if it is a plausible typo.
std::optional<std::string> closest_match (const std::string & word,
    const std::vector<std::string> & candidates);

}  // namespace camgate
