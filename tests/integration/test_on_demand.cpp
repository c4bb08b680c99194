// On-demand sources (`source.on-demand: true`): the camera is connected only
// while something watches the stream, and for `source.linger` after. The
// fake camera counts its open connections: none while nobody watches; an
// RTSP viewer (whose DESCRIBE waits for the camera), a WHEP offer (told to
// come back while the camera connects) and an LL-HLS playlist request each
// bring it up; it goes away after the linger; the API says idle or running.
#include "commands.h"
#include "fake_camera.h"
#include "helpers.h"
#include "webrtc_client.h"

#include <gtest/gtest.h>

#include <regex>

using namespace camgate::testing;
using namespace std::chrono_literals;

namespace {

std::string
stream_state (const GatewayProcess & gateway)
{
  const auto body = http_request (gateway.http_port (), "GET",
      "/api/v1/streams/cam").body;
  std::smatch state;
  // The stream's own state is its first one (health's come later).
  return std::regex_search (body, state, std::regex ("\"state\" : \"([a-z]+)"))
      ? state[1].str () : "";
}

}  // namespace

TEST (OnDemand, TheCameraIsConnectedOnlyWhileWatched)
{
  FakeCamera camera;
  ASSERT_TRUE (camera.start ());
  TempDir dir;
  auto gateway = GatewayProcess::with_pipelines (dir, { { "cam.yaml",
            "source:\n  uri: " + camera.uri () + "\n  on-demand: true\n"
            "  linger: 2s\noutputs:\n  hls: { part: 200ms, segment: 1s }\n" } });
  ASSERT_TRUE (gateway->ready ()) << gateway->log ();
  auto idle_again = [&] {
    return wait_until ([&] {
          return camera.clients_open () == 0 && stream_state (*gateway)
              == "idle"; }, 15s);
  };

  // Nobody watches: the camera hears nothing, a snapshot request included
  // (answered at once: no picture yet).
  std::this_thread::sleep_for (3s);
  EXPECT_EQ (http_request (gateway->http_port (), "GET",
          "/api/v1/streams/cam/snapshot.jpg").status, 503);
  std::this_thread::sleep_for (1s);
  EXPECT_EQ (camera.clients_connected (), 0);
  EXPECT_EQ (stream_state (*gateway), "idle");

  // An RTSP viewer's DESCRIBE waits for the camera, then plays.
  {
    Viewer viewer (gateway->url ("cam"), "tcp");
    EXPECT_TRUE (viewer.wait_frames (10, 20s)) << viewer.error ()
        << gateway->log ();
    EXPECT_EQ (camera.clients_open (), 1);
    EXPECT_EQ (stream_state (*gateway), "running");
  }
  EXPECT_TRUE (idle_again ()) << camera.clients_open () << " "
      << gateway->log ();
  EXPECT_TRUE (gateway->wait_for_log ("stream cam: no reader for 2 s, "
          "disconnecting the source", 1s));
  // The panel's tile of an idle stream: the last run's picture, at once.
  const auto snapshot = http_request (gateway->http_port (), "GET",
      "/api/v1/streams/cam/snapshot.jpg");
  EXPECT_EQ (snapshot.status, 200);
  EXPECT_EQ (snapshot.body.compare (0, 2, "\xff\xd8"), 0);
  EXPECT_EQ (camera.clients_open (), 0);
  // The panel shows the idle stream by that picture, and wakes nothing.
  const std::string panel = browser_command ("panel_tile.cjs");
  if (!panel.empty ()) {
    int status = -1;
    const std::string said = run_command (panel + " http://127.0.0.1:"
        + std::to_string (gateway->http_port ()) + "/ - - cam idle "
        + dir.path () + " snapshot", &status);
    EXPECT_EQ (status, 0) << said;
    EXPECT_EQ (camera.clients_open (), 0);
    EXPECT_EQ (stream_state (*gateway), "idle");
  }

  // A WHEP viewer is told to come back (503, Retry-After) while the camera
  // connects, and then plays.
  {
    WebRtcTestPeer whep ({});
    int status = 0;
    EXPECT_TRUE (wait_until ([&] {
          status = whep.connect (gateway->http_port (), "cam").status;
          if (status == 503)
            std::this_thread::sleep_for (1s);
          return status == 201;
        }, 20s)) << status << gateway->log ();
    EXPECT_TRUE (whep.wait_video_frames (10, 15s)) << gateway->log ();
    EXPECT_EQ (camera.clients_open (), 1);
    whep.disconnect ();
  }
  EXPECT_TRUE (idle_again ()) << gateway->log ();

  // An LL-HLS player's first playlist request waits for the camera.
  const auto playlist = http_request (gateway->http_port (), "GET",
      "/cam/stream.m3u8");
  EXPECT_EQ (playlist.status, 200) << playlist.body << gateway->log ();
  EXPECT_NE (playlist.body.find ("#EXTINF"), std::string::npos)
      << playlist.body;
  EXPECT_EQ (camera.clients_open (), 1);
  EXPECT_EQ (camera.clients_connected (), 3);   // one connection per wake
}
