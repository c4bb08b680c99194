// outputs.push: the stream pushed as it is to an RTMP receiver (ffmpeg
// listening, -f flv) and an SRT one (srtsrc as listener), each file the
// receivers wrote decodes; the camera's G.711 goes to AAC for FLV; the RTMP
// receiver going away and coming back is reconnected to; the API shows
// each target's state and bytes, and neither it nor the log shows the
// stream key.
#include "commands.h"
#include "fake_camera.h"
#include "helpers.h"
#include "tls/self_signed.h"

#include <gio/gio.h>
#include <gtest/gtest.h>

#include <regex>
#include <thread>

using namespace camgate::testing;
using namespace std::chrono_literals;

namespace {

// ffmpeg as an RTMP server: writes `seconds` of what it receives to `file`.
std::vector<std::string>
rtmp_receiver (int port, const std::string & file, int seconds)
{
  return { "ffmpeg", "-nostdin", "-loglevel", "error", "-listen", "1",
    "-timeout", "30", "-f", "flv", "-i", "rtmp://127.0.0.1:"
        + std::to_string (port) + "/live/secret-key-9", "-c", "copy", "-t",
    std::to_string (seconds), "-y", file };
}

// What ffprobe decodes of `file`: "<codec>,<frames>" per stream.
std::string
decoded (const std::string & file)
{
  return run_command ("timeout -s KILL 30 ffprobe -v error -count_frames "
      "-show_entries stream=codec_name,nb_read_frames -of csv=p=0 '" + file
      + "' 2>&1");
}

}  // namespace

TEST (Push, RtmpAndSrtTargetsReceiveTheStreamAndAreReconnected)
{
  if (!have_program ("ffmpeg") || !have_program ("ffprobe"))
    GTEST_SKIP () << "ffmpeg is not installed";
  FakeCamera camera ({ .fps = 15, .gop_frames = 15 });   // H.264 + G.711
  ASSERT_TRUE (camera.start ());
  TempDir dir, out;
  const int rtmp_port = free_port (G_SOCKET_TYPE_STREAM);
  const int srt_port = free_port (G_SOCKET_TYPE_DATAGRAM);
  const std::string flv1 = out.path () + "/first.flv";
  const std::string flv2 = out.path () + "/second.flv";
  const std::string ts = out.path () + "/pushed.ts";
  auto receiver = std::make_unique<ChildProcess> (rtmp_receiver (rtmp_port,
          flv1, 4));
  ChildProcess srt_receiver ({ "gst-launch-1.0", "-q", "-e", "srtsrc",
        "uri=srt://127.0.0.1:" + std::to_string (srt_port)
            + "?mode=listener", "num-buffers=400", "!", "filesink",
        "location=" + ts });
  auto gateway = GatewayProcess::with_pipelines (dir, { { "cam.yaml",
            "source: { uri: " + camera.uri () + ", transport: tcp }\n"
            "outputs:\n  push:\n"
            "    - rtmp://127.0.0.1:" + std::to_string (rtmp_port)
            + "/live/secret-key-9\n"
            "    - srt://127.0.0.1:" + std::to_string (srt_port)
            + "?streamid=publish:cam-secret\n" } });
  ASSERT_TRUE (gateway->wait_running ("cam")) << gateway->log ();

  HttpReply api;
  EXPECT_TRUE (wait_until ([&] {
        api = http_request (gateway->http_port (), "GET",
            "/api/v1/streams/cam");
        std::smatch connected;
        return std::regex_search (api.body, connected, std::regex
            ("srt://[^\"]*\",\\s*\"state\" : \"connected\""));
      }, 20s)) << api.body << gateway->log ();
  EXPECT_NE (api.body.find ("rtmp://127.0.0.1:" + std::to_string (rtmp_port)
          + "/live/***"), std::string::npos) << api.body;
  EXPECT_NE (api.body.find ("?streamid=***"), std::string::npos) << api.body;

  // The first receiver stops after 4 s; the push is retried until a second
  // one listens.
  ASSERT_TRUE (g_subprocess_wait (receiver->get (), nullptr, nullptr));
  EXPECT_TRUE (gateway->wait_for_log ("output failed", 15s))
      << gateway->log ();
  receiver = std::make_unique<ChildProcess> (rtmp_receiver (rtmp_port, flv2,
          3));
  EXPECT_TRUE (g_subprocess_wait (receiver->get (), nullptr, nullptr));
  ASSERT_TRUE (g_subprocess_wait (srt_receiver.get (), nullptr, nullptr));

  for (const auto & file : { flv1, flv2 }) {
    const std::string got = decoded (file);
    std::smatch video, audio;
    EXPECT_TRUE (std::regex_search (got, video, std::regex ("h264,([0-9]+)"))
        && std::stoi (video[1]) >= 15) << file << ": " << got;
    // G.711 is not FLV's: it arrives as AAC.
    EXPECT_TRUE (std::regex_search (got, audio, std::regex ("aac,([0-9]+)"))
        && std::stoi (audio[1]) > 0) << file << ": " << got;
  }
  const std::string got = decoded (ts);
  std::smatch video;
  EXPECT_TRUE (std::regex_search (got, video, std::regex ("h264,([0-9]+)"))
      && std::stoi (video[1]) >= 15) << got;
  EXPECT_EQ (gateway->log ().find ("secret-key-9"), std::string::npos);
  EXPECT_EQ (gateway->log ().find ("cam-secret"), std::string::npos);
  EXPECT_EQ (api.body.find ("secret"), std::string::npos) << api.body;
}

TEST (Push, RtmpsTargetsAreCheckedAndReachAnotherGateway)
{
  // The receiver is a second camgate taking RTMPS with a self-signed
  // certificate: a target that checks certificates (the default) is
  // refused, one marked tls-verify: false delivers the stream; the API and
  // the panel's tile say which is which.
  FakeCamera camera ({ .fps = 15, .gop_frames = 15 });   // H.264 + G.711
  ASSERT_TRUE (camera.start ());
  TempDir receiving, receiving_pipes, sending;
  std::string certificate, key, error;
  ASSERT_TRUE (camgate::ensure_self_signed (receiving.path () + "/tls", certificate,
          key, error)) << error;
  receiving.write ("camgate.yaml", "pipelines: " + receiving_pipes.path ()
      + "\ntls:\n  certificate: " + certificate + "\n  key: " + key
      + "\n  https-port: 0\n  rtsps-port: 0\n");
  receiving_pipes.write ("trusted.yaml", "source: rtmp\n");
  receiving_pipes.write ("checked.yaml", "source: rtmp\n");
  GatewayProcess receiver ({ "--config", receiving.path ()
        + "/camgate.yaml" });
  ASSERT_GT (receiver.rtmps_port (), 0) << receiver.log ();
  const std::string base = "rtmps://127.0.0.1:" + std::to_string
      (receiver.rtmps_port ()) + "/live/";
  auto gateway = GatewayProcess::with_pipelines (sending, { { "cam.yaml",
            "source: { uri: " + camera.uri () + ", transport: tcp }\n"
            "outputs:\n  push:\n"
            "    - { url: \"" + base + "trusted\", tls-verify: false }\n"
            "    - " + base + "checked\n" } });
  ASSERT_TRUE (gateway->wait_running ("cam")) << gateway->log ();

  ASSERT_TRUE (receiver.wait_running ("trusted")) << receiver.log ()
      << gateway->log ();
  Viewer viewer (receiver.url ("trusted"), "tcp");
  EXPECT_TRUE (viewer.wait_frames (15, 20s)) << viewer.error ()
      << receiver.log ();
  HttpReply api;
  EXPECT_TRUE (wait_until ([&] {
        api = http_request (gateway->http_port (), "GET",
            "/api/v1/streams/cam");
        // (The API shows the URLs without their stream keys.)
        return std::regex_search (api.body, std::regex ("\"state\" : "
                "\"retrying\",\\s*\"bytes\" : [0-9]+,\\s*\"last_error\" : "
                "\"[^\"]*TLS "
                "certificate")) && api.body.find ("\"state\" : "
            "\"connected\"") != std::string::npos;
      }, 20s)) << api.body;
  EXPECT_EQ (receiver.log ().find ("stream checked: running"),
      std::string::npos) << receiver.log ();
  // The refused target never counts as connected, nor counts bytes, at any
  // moment of its retries (its state once flapped to connected as each
  // attempt began: bytes were counted as they reached its sink).
  const std::regex refused ("\"state\" : \"(\\w+)\",\\s*\"bytes\" : "
      "([0-9]+),\\s*\"last_error\" : \"[^\"]*TLS certificate");
  const std::regex trusted ("\"state\" : \"connected\",\\s*\"bytes\" : "
      "([1-9][0-9]*)");
  for (int sample = 0; sample < 40; sample++) {
    api = http_request (gateway->http_port (), "GET", "/api/v1/streams/cam");
    std::smatch got;
    if (std::regex_search (api.body, got, refused)) {
      EXPECT_NE (got[1].str (), "connected") << api.body;
      EXPECT_EQ (got[2].str (), "0") << api.body;
    }
    EXPECT_TRUE (std::regex_search (api.body, got, trusted)) << api.body;
    std::this_thread::sleep_for (100ms);
  }

  // The panel's tile shows both targets, the refused one with why.
  const std::string panel = browser_command ("panel_tile.cjs");
  if (!panel.empty ()) {
    int status = -1;
    const std::string said = run_command (panel + " http://127.0.0.1:"
        + std::to_string (gateway->http_port ()) + "/ - - cam "
        "'retrying (Failed to connect: Unacceptable TLS certificate)' "
        + sending.path (), &status);
    EXPECT_EQ (status, 0) << said;
    EXPECT_NE (said.find ("live/*** connected"), std::string::npos) << said;
  }
}
