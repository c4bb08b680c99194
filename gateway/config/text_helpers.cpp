#include "config/text_helpers.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <initializer_list>

namespace camgate {

namespace {

struct Unit
{
  const char *name;                // "" stands for a bare number
  double factor;
};

struct Scaled
{
  double value;                    // as written
  double factor;                   // of its unit
  bool bare;                       // no unit was written
};

// `text` as a non-negative number followed by one of `units`.
std::optional<Scaled>
number_with_unit (const std::string & text, std::initializer_list<Unit> units)
{
  const char *start = text.c_str ();
  char *end = nullptr;
  double value = std::strtod (start, &end);
  if (text.empty () || end == start || !std::isfinite (value) || value < 0)
    return std::nullopt;
  const std::string unit (end);
  for (const Unit & u : units)
    if (unit == u.name)
      return Scaled { value, u.factor, unit.empty () };
  return std::nullopt;
}

}  // namespace

std::optional<uint64_t>
parse_duration_ms (const std::string & text)
{
  auto n = number_with_unit (text, { { "", 1 }, { "ms", 1 }, { "s", 1000 },
        { "m", 60 * 1000 }, { "min", 60 * 1000 }, { "h", 3600 * 1000 },
        { "d", 24 * 3600 * 1000 } });
  // A bare number must be a whole number of milliseconds.
  if (!n || (n->bare && n->value != std::floor (n->value)))
    return std::nullopt;
  double ms = n->value * n->factor;
  if (ms > 400.0 * 24 * 3600 * 1000)
    return std::nullopt;
  return static_cast<uint64_t> (std::llround (ms));
}

std::optional<uint64_t>
parse_size_bytes (const std::string & text)
{
  constexpr double k = 1024.0;
  auto n = number_with_unit (text, { { "", 1 }, { "B", 1 }, { "K", k },
        { "KB", k }, { "KiB", k }, { "M", k * k }, { "MB", k * k },
        { "MiB", k * k }, { "G", k * k * k }, { "GB", k * k * k },
        { "GiB", k * k * k }, { "T", k * k * k * k }, { "TB", k * k * k * k },
        { "TiB", k * k * k * k } });
  if (!n)
    return std::nullopt;
  return static_cast<uint64_t> (std::llround (n->value * n->factor));
}

std::optional<uint64_t>
parse_bitrate (const std::string & text)
{
  auto n = number_with_unit (text, { { "", 1 }, { "k", 1000.0 },
        { "K", 1000.0 }, { "M", 1000.0 * 1000 } });
  if (!n)
    return std::nullopt;
  return static_cast<uint64_t> (std::llround (n->value * n->factor));
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
