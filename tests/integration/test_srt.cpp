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

#include <filesystem>

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

TEST (Srt, H265AndOpusPublisherIsServedRecordedAndRendered)
{
  if (!have_program ("gst-launch-1.0") || !have_program ("ffprobe"))
    GTEST_SKIP () << "gst-launch-1.0 or ffprobe is not installed";
  // What an SRT publisher feeds gets every output a camera does: RTSP as
  // it came (H.265 + Opus), a transcoded rendition and a recording.
  TempDir pipes, recordings;
  auto gateway = GatewayProcess::with_pipelines (pipes, { { "field.yaml",
            "source: srt\nrecord: { path: '%H-%M-%S.mp4' }\ntranscode:\n"
            "  renditions:\n    - { name: 180p, height: 180, bitrate: 150k }\n"
          } }, { "--recordings", recordings.path () });
  ASSERT_TRUE (gateway->ready ()) << gateway->log ();
  ChildProcess publisher ({ "gst-launch-1.0", "-q", "videotestsrc",
        "is-live=true", "num-buffers=600", "!",
        "video/x-raw,width=320,height=240,framerate=15/1", "!", "x265enc",
        "tune=zerolatency", "speed-preset=ultrafast", "key-int-max=15", "!",
        "h265parse", "config-interval=-1", "!", "mpegtsmux", "name=mux",
        "alignment=7", "!", "srtsink", "uri=srt://127.0.0.1:"
        + std::to_string (gateway->srt_port ()), "streamid=publish:field",
        "audiotestsrc", "is-live=true", "!", "audioconvert", "!",
        "audioresample", "!", "opusenc", "!", "mux." });
  ASSERT_TRUE (gateway->wait_running ("field")) << gateway->log ();

  RtspControl control (gateway->rtsp_port ());
  const auto sdp = control.request (GST_RTSP_DESCRIBE, gateway->url ("field"));
  EXPECT_NE (sdp.body.find ("H265/90000"), std::string::npos) << sdp.body;
  EXPECT_NE (sdp.body.find ("OPUS/48000"), std::string::npos) << sdp.body;
  {
    Viewer viewer (gateway->url ("field"), "tcp", Viewer::kH265);
    EXPECT_TRUE (viewer.wait_frames (15, 20s)) << viewer.error ()
        << gateway->log ();
  }
  {
    Viewer rendition (gateway->url ("field") + "/180p", "tcp");
    EXPECT_TRUE (rendition.wait_frames (15, 30s)) << rendition.error ()
        << gateway->log ();
  }
  // The recording so far: its fragments hold H.265 and Opus.
  std::string codecs;
  EXPECT_TRUE (wait_until ([&] {
        std::error_code ec;
        for (const auto & e : std::filesystem::recursive_directory_iterator
            (recordings.path () + "/field", ec))
          if (e.path ().extension () == ".mp4")
            codecs = run_command ("timeout -s KILL 20 ffprobe -v error "
                "-show_entries stream=codec_name -of csv=p=0 '"
                + e.path ().string () + "'");
        return codecs.find ("hevc") != std::string::npos
            && codecs.find ("opus") != std::string::npos;
      }, 20s)) << codecs << gateway->log ();
}

TEST (Srt, GarbageNeverCrashesTheGatewayOrBlocksOtherStreams)
{
  if (!have_program ("gst-launch-1.0"))
    GTEST_SKIP () << "gst-launch-1.0 is not installed";
  TempDir pipes, junk;
  auto gateway = GatewayProcess::with_pipelines (pipes, {
        { "cam.yaml", "source: test\n" }, { "field.yaml", "source: srt\n" } });
  ASSERT_TRUE (gateway->wait_running ("cam")) << gateway->log ();
  const int port = gateway->srt_port ();
  Viewer viewer (gateway->url ("cam"), "tcp");
  ASSERT_TRUE (viewer.wait_frames (5, 20s)) << viewer.error ();

  // Random datagrams at the SRT port (bounded: 3000 of up to 1500 bytes).
  GSocket *udp = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
      G_SOCKET_PROTOCOL_UDP, nullptr);
  GInetAddress *loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  GSocketAddress *to = g_inet_socket_address_new (loopback, port);
  GRand *rand = g_rand_new_with_seed (19);
  std::vector<guint8> datagram (1500);
  for (int i = 0; i < 3000; i++) {
    const size_t size = g_rand_int_range (rand, 1, 1501);
    for (size_t b = 0; b < size; b++)
      datagram[b] = g_rand_int_range (rand, 0, 256);
    // Some look like SRT control packets (first bit set), a handshake even.
    if (i % 3 == 0 && size > 16)
      datagram[0] |= 0x80;
    g_socket_send_to (udp, to, reinterpret_cast<gchar *> (datagram.data ()),
        size, nullptr, nullptr);
  }
  g_object_unref (to);
  g_object_unref (loopback);
  g_object_unref (udp);

  // A caller with a well-formed streamid sending random bytes as its
  // transport stream, and one with a junk streamid.
  std::vector<guint8> noise (2 << 20);
  for (auto & byte : noise)
    byte = g_rand_int_range (rand, 0, 256);
  g_rand_free (rand);
  junk.write ("noise.ts", std::string (noise.begin (), noise.end ()));
  ChildProcess noisy ({ "gst-launch-1.0", "-q", "filesrc",
        "location=" + junk.path () + "/noise.ts", "blocksize=1316", "!",
        "srtsink", "uri=srt://127.0.0.1:" + std::to_string (port),
        "streamid=publish:field" });
  ChildProcess odd ({ "gst-launch-1.0", "-q", "filesrc",
        "location=" + junk.path () + "/noise.ts", "blocksize=1316",
        "num-buffers=50", "!", "srtsink", "uri=srt://127.0.0.1:"
        + std::to_string (port), "streamid=#!::r=\x01\x7f%%,m=publish,"
        + std::string (400, 'x') });
  ASSERT_TRUE (g_subprocess_wait (noisy.get (), nullptr, nullptr));

  // The gateway is there, the other stream never stopped, and the stream
  // the noise went to takes a real publisher afterwards.
  const int before = viewer.frames ();
  EXPECT_TRUE (wait_until ([&] { return viewer.frames () > before + 10; },
        10s)) << viewer.error () << gateway->log ();
  EXPECT_EQ (http_request (gateway->http_port (), "GET", "/api/v1/streams")
      .status, 200);
  ChildProcess real (srt_publish (port, "publish:field", "", 30));
  EXPECT_TRUE (gateway->wait_running ("field")) << gateway->log ();
  Viewer field (gateway->url ("field"), "tcp");
  EXPECT_TRUE (field.wait_frames (10, 20s)) << field.error ()
      << gateway->log ();
}
