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

// "2500k", "4M", "1.5M", "600000" (bits per second; k and M are powers of
// 1000, as encoders count).
std::optional<uint64_t> parse_bitrate (const std::string & text);

// The candidate closest to `word` by edit distance, if it is a plausible typo.
std::optional<std::string> closest_match (const std::string & word,
    const std::vector<std::string> & candidates);

// How deeply `text` nests JSON arrays and objects (brackets inside strings
// do not count). Checked before parsing untrusted JSON: parsers and the code
// that walks their trees recurse once per level.
unsigned json_nesting_depth (const std::string & text);
constexpr unsigned kMaxJsonDepth = 32;

// The first control character (below 0x20, or DEL) in `text`, if any: never
// allowed in names and URIs, where CR/LF would split a request or a log line.
std::optional<char> control_character (const std::string & text);

}  // namespace camgate
