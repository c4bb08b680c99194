// Cameras that die, files that break or change, and shutdown.
#include "fake_camera.h"
#include "helpers.h"

#include <gtest/gtest.h>

#include <memory>

using namespace camgate::testing;
using namespace std::chrono_literals;

TEST (Resilience, CameraKilledAndRestartedRecovers)
{
  FakeCamera camera;
  ASSERT_TRUE (camera.start ());
  TempDir dir;
  auto process = GatewayProcess::with_pipelines (dir, { { "cam.yaml",
            "source:\n  uri: " + camera.uri ()
            + "\n  transport: tcp\n  timeout: 2s\n" } });
  GatewayProcess & gateway = *process;
  ASSERT_TRUE (gateway.wait_running ("cam")) << gateway.log ();
  {
    Viewer viewer (gateway.url ("cam"), "tcp");
    ASSERT_TRUE (viewer.wait_frames (10, 20s)) << viewer.error ();
  }

  camera.stop ();
  ASSERT_TRUE (gateway.wait_for_log ("retrying in", 10s)) << gateway.log ();
  std::this_thread::sleep_for (1500ms);
  ASSERT_TRUE (camera.start ());
  ASSERT_TRUE (wait_until ([&]() {
            auto log = gateway.log ();
            return log.rfind ("stream cam: running") > log.rfind ("retrying in");
          }, 40s)) << gateway.log ();

  Viewer viewer (gateway.url ("cam"), "udp");
  EXPECT_TRUE (viewer.wait_frames (10, 20s)) << viewer.error () << "\n"
      << gateway.log ();
}

TEST (Resilience, ViewerKeepsPlayingAcrossACameraReconnect)
{
  FakeCamera camera;
  ASSERT_TRUE (camera.start ());
  TempDir dir;
  auto process = GatewayProcess::with_pipelines (dir, { { "cam.yaml",
            "source:\n  uri: " + camera.uri () + "\n  transport: tcp\n" } });
  GatewayProcess & gateway = *process;
  ASSERT_TRUE (gateway.wait_running ("cam")) << gateway.log ();
  Viewer viewer (gateway.url ("cam"), "tcp");
  ASSERT_TRUE (viewer.wait_frames (10, 20s)) << viewer.error () << "\n"
      << gateway.log ();

  camera.stop ();
  ASSERT_TRUE (gateway.wait_for_log ("retrying in", 10s)) << gateway.log ();
  ASSERT_TRUE (camera.start ());
  // Same codec settings: the viewer's session survives and frames resume.
  int before = viewer.frames ();
  EXPECT_TRUE (viewer.wait_frames (before + 20, 30s)) << viewer.error ()
      << "\n" << gateway.log ();
}

TEST (Resilience, BrokenFileAndDeadCameraDoNotAffectOtherStreams)
{
  FakeCamera camera;
  ASSERT_TRUE (camera.start ());
  TempDir dir;
  dir.write ("good.yaml", "source:\n  uri: " + camera.uri () + "\n");
  dir.write ("dead.yaml", "source:\n  uri: rtsp://127.0.0.1:1/nothing\n");
  dir.write ("bad.yaml", "source:\n  uri: rtsp://127.0.0.1/x\n"
      "  latency: forever\n");
  GatewayProcess gateway ({ "--pipelines", dir.path () });
  ASSERT_TRUE (gateway.wait_for_log ("stream good: running", 15s))
      << gateway.log ();

  Viewer viewer (gateway.url ("good"), "tcp");
  EXPECT_TRUE (viewer.wait_frames (10, 20s)) << viewer.error ();
  EXPECT_TRUE (gateway.wait_for_log (dir.path () + "/bad.yaml:3: "
          "source.latency: expected a duration", 5s)) << gateway.log ();
  EXPECT_TRUE (gateway.wait_for_log ("stream dead:", 10s)) << gateway.log ();
  EXPECT_TRUE (gateway.wait_for_log ("retrying in", 10s)) << gateway.log ();

  RtspControl rtsp (gateway.rtsp_port ());
  EXPECT_EQ (rtsp.request (GST_RTSP_DESCRIBE, gateway.url ("bad")).status, 404);
  EXPECT_EQ (rtsp.request (GST_RTSP_DESCRIBE, gateway.url ("dead")).status,
      503);
  // Unreachable from the start: the API says so, never "healthy".
  std::string dead;
  EXPECT_TRUE (wait_until ([&] {
        dead = http_request (gateway.http_port (), "GET",
            "/api/v1/streams/dead").body;
        return dead.find ("\"state\" : \"retrying\",\n    \"reasons\" : [\n"
            "      \"source-unavailable\"") != std::string::npos;
      }, 5s)) << dead;
  EXPECT_EQ (dead.find ("\"healthy\""), std::string::npos) << dead;
}

TEST (Resilience, HotReloadStartsChangesAndStopsOnlyThatStream)
{
  FakeCamera first, second ({ .path = "/other", .audio = false });
  ASSERT_TRUE (first.start ());
  ASSERT_TRUE (second.start ());
  TempDir dir;
  dir.write ("a.yaml", "source:\n  uri: " + first.uri () + "\n");
  dir.write ("keep.yaml", "source: test\n");
  GatewayProcess gateway ({ "--pipelines", dir.path () });
  ASSERT_TRUE (gateway.wait_for_log ("stream a: running", 15s))
      << gateway.log ();
  ASSERT_TRUE (gateway.wait_for_log ("stream keep: running", 15s));
  Viewer keep (gateway.url ("keep"), "tcp");
  ASSERT_TRUE (keep.wait_frames (5, 20s)) << keep.error () << gateway.log ();

  // Changed URI: only stream a restarts, on the other camera.
  dir.write ("a.yaml", "source:\n  uri: " + second.uri () + "\n");
  ASSERT_TRUE (wait_until ([&]() { return second.play_requests () >= 1; }, 15s))
      << gateway.log ();
  ASSERT_TRUE (wait_until ([&]() {
            auto log = gateway.log ();
            return log.rfind ("stream a: running")
                > log.rfind ("stream a: definition changed");
          }, 15s)) << gateway.log ();
  EXPECT_TRUE (wait_until ([&]() { return first.clients_connected () >= 1
              && gateway.log ().find ("stream a: definition changed")
              != std::string::npos; }, 5s));
  {
    Viewer viewer (gateway.url ("a"), "tcp");
    EXPECT_TRUE (viewer.wait_frames (5, 20s)) << viewer.error ()
        << gateway.log ();
  }

  // A new file starts a stream, a deleted one stops it.
  dir.write ("b.yaml", "source: test\n");
  {
    ASSERT_TRUE (gateway.wait_for_log ("stream b: running", 15s));
    Viewer viewer (gateway.url ("b"), "tcp");
    EXPECT_TRUE (viewer.wait_frames (5, 20s)) << viewer.error ()
        << gateway.log ();
  }
  dir.remove ("a.yaml");
  RtspControl rtsp (gateway.rtsp_port ());
  EXPECT_TRUE (wait_until ([&]() {
            return rtsp.request (GST_RTSP_DESCRIBE, gateway.url ("a")).status
                == 404;
          }, 10s)) << gateway.log ();

  // A file that turns invalid keeps its stream on the last good definition.
  dir.write ("b.yaml", "source: [broken\n");
  ASSERT_TRUE (gateway.wait_for_log ("b.yaml:", 10s)) << gateway.log ();
  EXPECT_EQ (rtsp.request (GST_RTSP_DESCRIBE, gateway.url ("b")).status, 200);

  // Through all of it the untouched stream kept playing.
  int before = keep.frames ();
  EXPECT_TRUE (keep.wait_frames (before + 10, 10s)) << keep.error ();
  EXPECT_EQ (gateway.log ().find ("stream keep: stopped"), std::string::npos);
}

TEST (Resilience, DemoStreamWhenThereAreNoPipelines)
{
  GatewayProcess gateway ({});
  ASSERT_TRUE (gateway.wait_for_log ("stream demo: running", 15s))
      << gateway.log ();
  Viewer viewer (gateway.url ("demo"), "tcp");
  EXPECT_TRUE (viewer.wait_frames (10, 20s)) << viewer.error ()
      << gateway.log ();
  // And in a browser: the player page and its playlist are there.
  EXPECT_EQ (http_request (gateway.http_port (), "GET", "/demo/").status, 200);
  EXPECT_TRUE (wait_until ([&]() {
            return http_request (gateway.http_port (), "GET",
                "/demo/stream.m3u8").status == 200;
          }, 10s));
}

TEST (Resilience, SigtermShutsDownQuicklyWithViewers)
{
  FakeCamera camera;
  ASSERT_TRUE (camera.start ());
  TempDir dir;
  dir.write ("cam.yaml", "source:\n  uri: " + camera.uri () + "\n");
  dir.write ("dead.yaml", "source:\n  uri: rtsp://127.0.0.1:1/x\n");
  GatewayProcess gateway ({ "--pipelines", dir.path () });
  ASSERT_TRUE (gateway.wait_for_log ("stream cam: running", 15s));
  Viewer a (gateway.url ("cam"), "tcp"), b (gateway.url ("cam"), "udp");
  ASSERT_TRUE (a.wait_frames (5, 20s));
  ASSERT_TRUE (b.wait_frames (5, 20s));
  double seconds = gateway.terminate (5000ms);
  EXPECT_GE (seconds, 0.0) << "camgate did not exit";
  EXPECT_LT (seconds, 2.0);
}

TEST (Resilience, StartupErrorsAreClear)
{
  GatewayProcess missing ({ "--pipelines", "/nonexistent/folder" });
  EXPECT_FALSE (missing.ready ());
  EXPECT_TRUE (missing.wait_for_log ("pipelines folder '/nonexistent/folder' "
          "does not exist", 5s)) << missing.log ();

  // The port is taken by another gateway.
  GatewayProcess first ({});
  ASSERT_TRUE (first.ready ());
  GatewayProcess second ({ "--rtsp-port", std::to_string (first.rtsp_port ()),
          "--bind", "127.0.0.1" });
  EXPECT_FALSE (second.ready ());
  EXPECT_TRUE (second.wait_for_log ("cannot listen for RTSP", 5s))
      << second.log ();
}
