#include "config/text_helpers.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace camgate {

std::optional<uint64_t>
parse_duration_ms (const std::string & text)
{
  if (text.empty ())
    return std::nullopt;
  const char *start = text.c_str ();
  char *end = nullptr;
  double value = std::strtod (start, &end);
  if (end == start || !std::isfinite (value) || value < 0)
    return std::nullopt;
  std::string unit (end);
  double factor;
  if (unit.empty () || unit == "ms")
    factor = 1;
  else if (unit == "s")
    factor = 1000;
  else if (unit == "m" || unit == "min")
    factor = 60 * 1000;
  else if (unit == "h")
    factor = 3600 * 1000;
  else if (unit == "d")
    factor = 24 * 3600 * 1000;
  else
    return std::nullopt;
  // A bare number must be a whole number of milliseconds.
  if (unit.empty () && value != std::floor (value))
    return std::nullopt;
  double ms = value * factor;
  if (ms > 400.0 * 24 * 3600 * 1000)
    return std::nullopt;
  return static_cast<uint64_t> (std::llround (ms));
}

std::optional<uint64_t>
parse_size_bytes (const std::string & text)
{
  const char *start = text.c_str ();
  char *end = nullptr;
  double value = std::strtod (start, &end);
  if (text.empty () || end == start || !std::isfinite (value) || value < 0)
    return std::nullopt;
  const std::string unit (end);
  double factor;
  if (unit.empty () || unit == "B")
    factor = 1;
  else if (unit == "K" || unit == "KB" || unit == "KiB")
    factor = 1024.0;
  else if (unit == "M" || unit == "MB" || unit == "MiB")
    factor = 1024.0 * 1024;
  else if (unit == "G" || unit == "GB" || unit == "GiB")
    factor = 1024.0 * 1024 * 1024;
  else if (unit == "T" || unit == "TB" || unit == "TiB")
    factor = 1024.0 * 1024 * 1024 * 1024;
  else
    return std::nullopt;
  return static_cast<uint64_t> (std::llround (value * factor));
}

std::optional<uint64_t>
parse_bitrate (const std::string & text)
{
  const char *start = text.c_str ();
  char *end = nullptr;
  double value = std::strtod (start, &end);
  if (text.empty () || end == start || !std::isfinite (value) || value < 0)
    return std::nullopt;
  const std::string unit (end);
  double factor;
  if (unit.empty ())
    factor = 1;
  else if (unit == "k" || unit == "K")
    factor = 1000.0;
  else if (unit == "M")
    factor = 1000.0 * 1000;
  else
    return std::nullopt;
  return static_cast<uint64_t> (std::llround (value * factor));
}

// Optimal-string-alignment distance: a swap of two neighbours counts as one
// edit, the most common typo in keys ("tset", "latnecy").
static size_t
edit_distance (const std::string & a, const std::string & b)
{
  std::vector<std::vector<size_t>> d (a.size () + 1,
      std::vector<size_t> (b.size () + 1));
  for (size_t i = 0; i <= a.size (); i++)
    d[i][0] = i;
  for (size_t j = 0; j <= b.size (); j++)
    d[0][j] = j;
  for (size_t i = 1; i <= a.size (); i++) {
    for (size_t j = 1; j <= b.size (); j++) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min ({ d[i - 1][j] + 1, d[i][j - 1] + 1,
              d[i - 1][j - 1] + cost });
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min (d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size ()][b.size ()];
}

std::optional<std::string>
closest_match (const std::string & word,
    const std::vector<std::string> & candidates)
{
  std::optional<std::string> best;
  size_t best_distance = 0;
  for (const auto & candidate : candidates) {
    size_t distance = edit_distance (word, candidate);
    if (!best || distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  // Up to a third of the word may differ before a suggestion stops helping.
  if (best && best_distance <= std::max<size_t> (1, word.size () / 3))
    return best;
  return std::nullopt;
}

unsigned
json_nesting_depth (const std::string & text)
{
  unsigned depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      deepest = std::max (deepest, ++depth);
    } else if ((c == '}' || c == ']') && depth > 0) {
      depth--;
    }
  }
  return deepest;
}

std::optional<char>
control_character (const std::string & text)
{
  for (char c : text)
    if (static_cast<unsigned char> (c) < 0x20 || c == 0x7f)
      return c;
  return std::nullopt;
}

}  // namespace camgate
