// SRT callers at the gateway's listener (the outputs they feed are in
// test_published_outputs.cpp): with a passphrase set (the gateway's, or a
// stream's own), a caller without it or with another one gets nothing on
// the stream and never holds it; the streamid's user is checked against
// camgate's users (refused with SRT's reject reason, the password never
// logged); a second publisher is refused while the first goes on. And a
// stream that pulls from an encoder listening for SRT (caller mode).
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
      + "\"\n    permissions: { field: [publish, read], own: [publish, read] }\n");
  pipes.write ("field.yaml", "source: srt\n");
  pipes.write ("own.yaml", "source: { publish: srt, passphrase: "
      "own-stream-secret }\n");
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

  // The right user with another passphrase, or none: no publisher, and
  // the stream is never held by them: a right caller publishes at once.
  auto has_publisher = [&](const std::string & stream) {
    return http_request (gateway.http_port (), "GET", "/api/v1/streams/"
        + stream).body.find ("\"publisher\"") != std::string::npos;
  };
  ChildProcess wrong (srt_publish (port, "publish:field:enc:enc-pw",
          "wrong-horse-42", 6));
  ChildProcess none (srt_publish (port, "publish:field:enc:enc-pw", "", 6));
  bool held = false;
  wait_until ([&] { held = held || has_publisher ("field"); return held; },
      3s);
  EXPECT_FALSE (held) << gateway.log ();
  ChildProcess first (srt_publish (port, "publish:field:enc:enc-pw",
          "correct-horse-42", 40));
  ASSERT_TRUE (gateway.wait_running ("field")) << gateway.log ();
  EXPECT_EQ (gateway.log ().find ("already has a publisher"),
      std::string::npos) << gateway.log ();

  // A stream's own passphrase replaces the gateway's for its callers.
  {
    ChildProcess gateways (srt_publish (port, "publish:own:enc:enc-pw",
            "correct-horse-42", 5));
    bool taken = false;
    wait_until ([&] { taken = taken || has_publisher ("own"); return taken; },
        4s);
    EXPECT_FALSE (taken) << gateway.log ();
  }
  ChildProcess own (srt_publish (port, "publish:own:enc:enc-pw",
          "own-stream-secret", 30));
  EXPECT_TRUE (gateway.wait_running ("own")) << gateway.log ();

  // A second caller is refused while the first publishes.
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

TEST (Srt, PullsFromAnEncoderThatListens)
{
  if (!have_program ("gst-launch-1.0"))
    GTEST_SKIP () << "gst-launch-1.0 is not installed";
  // An encoder in listener mode (H.264 with B-frames + AAC in MPEG-TS,
  // encrypted); the gateway calls it with a streamid.
  const int port = free_port (G_SOCKET_TYPE_DATAGRAM);
  auto encoder = [&](int seconds) {
    return std::make_unique<ChildProcess> (std::vector<std::string> {
          "gst-launch-1.0", "-q", "videotestsrc", "is-live=true",
          "num-buffers=" + std::to_string (seconds * 25), "!",
          "video/x-raw,width=320,height=240,framerate=25/1", "!", "x264enc",
          "bframes=2", "key-int-max=25", "!", "h264parse", "!", "mpegtsmux",
          "name=mux", "alignment=7", "!", "srtsink", "uri=srt://127.0.0.1:"
          + std::to_string (port) + "?mode=listener",
          "passphrase=pull-secret-1234", "audiotestsrc", "is-live=true", "!",
          "audioconvert", "!", "avenc_aac", "!", "aacparse", "!", "mux." });
  };
  auto running = encoder (40);
  TempDir pipes;
  auto gateway = GatewayProcess::with_pipelines (pipes, { { "enc.yaml",
          "source:\n  uri: srt://127.0.0.1:" + std::to_string (port)
          + "?streamid=studio-a&passphrase=pull-secret-1234\n" } });
  ASSERT_TRUE (gateway->ready ()) << gateway->log ();
  ASSERT_TRUE (gateway->wait_running ("enc")) << gateway->log ();
  {
    Viewer viewer (gateway->url ("enc"), "tcp");
    EXPECT_TRUE (viewer.wait_frames (25, 20s)) << viewer.error ()
        << gateway->log ();
  }
  RtspControl control (gateway->rtsp_port ());
  const auto sdp = control.request (GST_RTSP_DESCRIBE, gateway->url ("enc"));
  EXPECT_EQ (sdp.status, 200);
  EXPECT_NE (sdp.body.find ("H264/90000"), std::string::npos) << sdp.body;
  EXPECT_NE (sdp.body.find ("MPEG4-GENERIC"), std::string::npos) << sdp.body;
  // The API names the source without its secrets; neither does the log.
  const auto api = http_request (gateway->http_port (), "GET",
      "/api/v1/streams/enc");
  EXPECT_NE (api.body.find ("\"kind\" : \"srt\""), std::string::npos)
      << api.body;
  EXPECT_NE (api.body.find ("passphrase=***"), std::string::npos) << api.body;
  EXPECT_EQ (api.body.find ("pull-secret"), std::string::npos) << api.body;

  // The encoder goes away and comes back: the stream calls it again.
  running.reset ();
  EXPECT_TRUE (wait_until ([&] {
        return http_request (gateway->http_port (), "GET",
            "/api/v1/streams/enc").body.find ("\"state\" : \"running\"")
            == std::string::npos;
      }, 20s)) << gateway->log ();
  running = encoder (30);
  ASSERT_TRUE (wait_until ([&] {
        return http_request (gateway->http_port (), "GET",
            "/api/v1/streams/enc").body.find ("\"state\" : \"running\"")
            != std::string::npos;
      }, 30s)) << gateway->log ();
  Viewer again (gateway->url ("enc"), "tcp");
  EXPECT_TRUE (again.wait_frames (25, 20s)) << again.error ()
      << gateway->log ();
  EXPECT_EQ (gateway->log ().find ("pull-secret"), std::string::npos)
      << gateway->log ();
}
