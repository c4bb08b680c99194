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
  else
    return std::nullopt;
  // A bare number must be a whole number of milliseconds.
  if (unit.empty () && value != std::floor (value))
    return std::nullopt;
  double ms = value * factor;
  if (ms > 24.0 * 3600 * 1000)
    return std::nullopt;
  return static_cast<uint64_t> (std::llround (ms));
}

static size_t
edit_distance (const std::string & a, const std::string & b)
{
  std::vector<size_t> row (b.size () + 1);
  for (size_t j = 0; j <= b.size (); j++)
    row[j] = j;
  for (size_t i = 1; i <= a.size (); i++) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size (); j++) {
      size_t above = row[j];
      size_t substitution = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      row[j] = std::min ({ row[j] + 1, row[j - 1] + 1, substitution });
      diagonal = above;
    }
  }
  return row[b.size ()];
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

}  // namespace camgate
