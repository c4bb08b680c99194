// The SRT streamids the gateway's listener understands, and what it
// refuses with a reason.
#include "srt/srt_stream_id.h"

#include <gtest/gtest.h>

using namespace camgate;

TEST (SrtStreamId, ReadsBothConventions)
{
  std::string why;
  auto id = parse_srt_stream_id ("publish:cam", why);
  ASSERT_TRUE (id) << why;
  EXPECT_EQ (id->stream, "cam");
  EXPECT_EQ (id->user, "");
  id = parse_srt_stream_id ("publish:cam:enc:p4ss", why);
  ASSERT_TRUE (id) << why;
  EXPECT_EQ (id->user, "enc");
  EXPECT_EQ (id->password, "p4ss");
  id = parse_srt_stream_id ("#!::r=cam,m=publish,u=enc", why);
  ASSERT_TRUE (id) << why;
  EXPECT_EQ (id->stream, "cam");
  EXPECT_EQ (id->user, "enc");
  id = parse_srt_stream_id ("#!::m=publish,r=yard", why);
  ASSERT_TRUE (id) << why;
  EXPECT_EQ (id->stream, "yard");
}

TEST (SrtStreamId, RefusesWhatItDoesNotUnderstand)
{
  for (const auto & [streamid, reason] : std::vector<std::pair<std::string,
          std::string>> {
          { "", "no streamid" },
          { "cam", "expected publish:<stream>" },
          { "read:cam", "expected publish:<stream>" },
          { "publish:", "no stream name" },
          { "publish:cam:enc", "publish:<stream>:<user>:<password>" },
          { "#!::r=cam", "no m=publish" },
          { "#!::r=cam,m=request", "mode 'request'" },
          { "#!::r=cam,m=publish,junk", "is not key=value" },
          { "#!::m=publish", "no stream name" } }) {
    std::string why;
    EXPECT_FALSE (parse_srt_stream_id (streamid, why)) << streamid;
    EXPECT_NE (why.find (reason), std::string::npos) << streamid << ": "
        << why;
  }
}
