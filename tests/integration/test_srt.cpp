// SRT callers at the gateway's listener (the outputs they feed are in
// test_published_outputs.cpp): with a passphrase set, a caller without it
// or with another one gets nothing on the stream; the streamid's user is
// checked against camgate's users (refused with SRT's reject reason, the
// password never logged); a second publisher is refused while the first
// goes on.
#include "auth/password_hash.h"
#include "commands.h"
#include "helpers.h"

#include <gtest/gtest.h>

using namespace camgate;
using namespace camgate::testing;
using namespace std::chrono_literals;

namespace {

// srtsink publishing a live picture to the gateway with `streamid` (and
// `passphrase` when given), for `seconds`.
std::vector<std::string>
srt_publish (int port, const std::string & streamid,
    const std::string & passphrase, int seconds)
{
  // (Bounded by its frame count: it ends by itself, whatever the test does.)
  std::vector<std::string> argv { "gst-launch-1.0", "-q", "videotestsrc",
    "is-live=true", "num-buffers=" + std::to_string (seconds * 15), "!", "video/x-raw,width=320,height=240,framerate=15/1",
    "!", "x264enc", "tune=zerolatency", "key-int-max=15", "!", "h264parse",
    "config-interval=-1", "!", "mpegtsmux", "alignment=7", "!", "srtsink",
    "uri=srt://127.0.0.1:" + std::to_string (port), "streamid=" + streamid };
  if (!passphrase.empty ())
    argv.push_back ("passphrase=" + passphrase);
  return argv;
}

}  // namespace

TEST (Srt, CallersAreCheckedByPassphraseUserAndSlot)
{
  if (!have_program ("gst-launch-1.0"))
    GTEST_SKIP () << "gst-launch-1.0 is not installed";
  TempDir dir, pipes;
  dir.write ("camgate.yaml", "pipelines: " + pipes.path () + "\n"
      "srt: { port: 0, latency: 120ms, passphrase: correct-horse-42 }\n"
      "users:\n"
      "  - name: enc\n    password-hash: \"" + hash_password ("enc-pw")
      + "\"\n    permissions: { field: [publish, read] }\n");
  pipes.write ("field.yaml", "source: srt\n");
  GatewayProcess gateway ({ "--config", dir.path () + "/camgate.yaml" });
  ASSERT_TRUE (gateway.ready ()) << gateway.log ();
  ASSERT_GT (gateway.srt_port (), 0) << gateway.log ();
  const int port = gateway.srt_port ();

  // Refused at the handshake: each reason logged, never the password.
  for (const auto & [streamid, logged] : std::vector<std::pair<std::string,
          std::string>> {
          { "publish:field:enc:wrong-secret-7", "wrong user or password" },
          { "publish:field", "needs a user with the publish permission" },
          { "publish:nowhere:enc:enc-pw", "no stream 'nowhere'" },
          { "#!::r=field,m=request", "mode 'request' (only publish)" } }) {
    ChildProcess caller (srt_publish (port, streamid, "correct-horse-42", 5));
    EXPECT_TRUE (gateway.wait_for_log (logged, 8s)) << streamid << "\n"
        << gateway.log ();
  }
  EXPECT_EQ (gateway.log ().find ("wrong-secret-7"), std::string::npos);

  // The right user with another passphrase, or none: no publisher.
  {
    ChildProcess wrong (srt_publish (port, "publish:field:enc:enc-pw",
            "wrong-horse-42", 6));
    ChildProcess none (srt_publish (port, "publish:field:enc:enc-pw", "", 6));
    std::this_thread::sleep_for (4s);
    EXPECT_FALSE (gateway.wait_running ("field")) << gateway.log ();
  }
  // (An admitted caller whose handshake then fails gives the stream back.)
  EXPECT_TRUE (wait_until ([&] {
        return http_request (gateway.http_port (), "GET",
            "/api/v1/streams/field").body.find ("\"publisher\"")
            == std::string::npos;
      }, 10s));

  // With both right it publishes; a second caller is refused.
  ChildProcess first (srt_publish (port, "publish:field:enc:enc-pw",
          "correct-horse-42", 40));
  ASSERT_TRUE (gateway.wait_running ("field")) << gateway.log ();
  ChildProcess second (srt_publish (port, "#!::r=field,m=publish",
          "correct-horse-42", 5));
  EXPECT_TRUE (gateway.wait_for_log ("needs a user", 8s)) << gateway.log ();
  ChildProcess third (srt_publish (port, "publish:field:enc:enc-pw",
          "correct-horse-42", 5));
  EXPECT_TRUE (gateway.wait_for_log ("'field' already has a publisher", 8s))
      << gateway.log ();
  Viewer rtsp ("rtsp://enc:enc-pw@127.0.0.1:"
      + std::to_string (gateway.rtsp_port ()) + "/field", "tcp");
  EXPECT_TRUE (rtsp.wait_frames (10, 15s)) << rtsp.error () << gateway.log ();
}
