// RFC 3339 times as every part of camgate writes and reads them.
#include "utc_time.h"

#include <gtest/gtest.h>

using camgate::format_utc_time;
using camgate::parse_utc_time;

TEST (UtcTime, FormatsWithTheAskedPrecision)
{
  const int64_t t = 1796347724'123456;   // 2026-12-04T01:28:44.123456Z
  EXPECT_EQ (format_utc_time (t), "2026-12-04T01:28:44.123Z");
  EXPECT_EQ (format_utc_time (t, 6), "2026-12-04T01:28:44.123456Z");
  EXPECT_EQ (format_utc_time (t, 0), "2026-12-04T01:28:44Z");
  EXPECT_EQ (format_utc_time (0), "1970-01-01T00:00:00.000Z");
  // Before 1970 the fraction still counts forward from the second.
  EXPECT_EQ (format_utc_time (-1), "1969-12-31T23:59:59.999Z");
}

TEST (UtcTime, ParsesZonesAndRefusesNonsense)
{
  const int64_t t = 1796347724'123456;
  EXPECT_EQ (parse_utc_time (format_utc_time (t, 6).c_str ()), t);
  EXPECT_EQ (parse_utc_time ("2026-12-04T03:28:44.123456+02:00"), t);
  EXPECT_FALSE (parse_utc_time ("2026-12-04 garbage"));
  EXPECT_FALSE (parse_utc_time (""));
  EXPECT_FALSE (parse_utc_time (nullptr));
}
