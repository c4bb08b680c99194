#include "utc_time.h"

#include <glib.h>

#include <algorithm>
#include <cstdio>

namespace camgate {

std::string
format_utc_time (int64_t unix_us, int decimals)
{
  // Floor division, so times before 1970 keep a positive fraction.
  int64_t seconds = unix_us / G_USEC_PER_SEC;
  int64_t micros = unix_us % G_USEC_PER_SEC;
  if (micros < 0) {
    micros += G_USEC_PER_SEC;
    seconds--;
  }
  GDateTime *t = g_date_time_new_from_unix_utc (seconds);
  if (!t)
    return "";
  gchar *text = g_date_time_format (t, "%Y-%m-%dT%H:%M:%S");
  g_date_time_unref (t);
  std::string out = text ? text : "";
  g_free (text);
  decimals = std::clamp (decimals, 0, 6);
  if (decimals > 0) {
    char fraction[8];
    snprintf (fraction, sizeof fraction, "%06d", static_cast<int> (micros));
    out += "." + std::string (fraction, decimals);
  }
  return out + "Z";
}

std::optional<int64_t>
parse_utc_time (const char *text)
{
  GDateTime *t = text ? g_date_time_new_from_iso8601 (text, nullptr) : nullptr;
  if (!t)
    return std::nullopt;
  const int64_t us = g_date_time_to_unix (t) * G_USEC_PER_SEC
      + g_date_time_get_microsecond (t);
  g_date_time_unref (t);
  return us;
}

}  // namespace camgate
