// The web panel in headless Chromium (tests/browser/panel.cjs): sign in,
// the demo stream's preview plays, a stream added through the form appears
// and plays. Screenshots land in $CAMGATE_TEST_OUTPUT/panel.
#include "auth/password_hash.h"
#include "commands.h"
#include "fake_camera.h"
#include "fake_onvif.h"
#include "helpers.h"

#include <glib.h>
#include <gtest/gtest.h>
#include <json-glib/json-glib.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <thread>

using namespace camgate;
using namespace camgate::testing;

namespace {

std::string
screenshot_folder (const std::string & fallback)
{
  const char *out = g_getenv ("CAMGATE_TEST_OUTPUT");
  std::string shots = (out ? std::string (out) : fallback) + "/panel";
  std::filesystem::create_directories (shots);
  return shots;
}

}  // namespace

TEST (Panel, ServesItsFilesFromTheBinary)
{
  TempDir dir;
  GatewayProcess gateway ({ "--pipelines", dir.path () });
  ASSERT_TRUE (gateway.ready ()) << gateway.log ();
  auto page = http_request (gateway.http_port (), "GET", "/");
  EXPECT_EQ (page.status, 200);
  EXPECT_NE (page.body.find ("/panel/panel.js"), std::string::npos);
  // No CDN: every script and style comes from the gateway itself.
  EXPECT_EQ (page.body.find ("http://"), std::string::npos);
  EXPECT_EQ (page.body.find ("https://"), std::string::npos);
  for (const char *file : { "/panel/panel.js", "/panel/panel.css",
          "/static/hls.min.js" })
    EXPECT_EQ (http_request (gateway.http_port (), "GET", file).status, 200)
        << file;
}

TEST (Panel, ChromiumSignsInWatchesAndAddsAStream)
{
  std::string command = browser_command ("panel.cjs");
  if (command.empty ())
    GTEST_SKIP () << "node or Debian's chromium is not installed";
  TempDir config, pipes;
  config.write ("camgate.yaml", "pipelines: " + pipes.path () + "\n"
      "users:\n  - name: ops\n    password-hash: \"" + hash_password ("panel-pw")
      + "\"\n    permissions: { \"*\": [admin] }\n");
  GatewayProcess gateway ({ "--config", config.path () + "/camgate.yaml" });
  ASSERT_TRUE (gateway.ready ()) << gateway.log ();
  ASSERT_TRUE (gateway.wait_running ("demo")) << gateway.log ();

  std::string shots = screenshot_folder (config.path ());
  int status = -1;
  std::string output = run_command (command + " http://127.0.0.1:"
      + std::to_string (gateway.http_port ()) + "/ ops panel-pw " + shots,
      &status);
  EXPECT_EQ (status, 0) << output << gateway.log ();
  EXPECT_NE (output.find ("added stream plays"), std::string::npos) << output;
  EXPECT_NE (output.find ("unsupported scheme"), std::string::npos) << output;
  EXPECT_NE (output.find ("deleted"), std::string::npos) << output;
  // The form wrote the stream's pipeline file, the edit changed it, the
  // delete removed the other one.
  EXPECT_TRUE (std::filesystem::exists (pipes.path () + "/added.yaml"));
  std::ifstream added (pipes.path () + "/added.yaml");
  std::string text ((std::istreambuf_iterator<char> (added)),
      std::istreambuf_iterator<char> ());
  EXPECT_NE (text.find ("hls"), std::string::npos) << text;
  EXPECT_FALSE (std::filesystem::exists (pipes.path () + "/gone.yaml"));
  for (const char *shot : { "1-login.png", "2-grid.png", "4-added.png",
          "6-phone.png" })
    EXPECT_TRUE (std::filesystem::exists (shots + "/" + shot)) << shot;
}

TEST (Panel, ChromiumPlaysARecordingAndAddsADiscoveredCamera)
{
  std::string command = browser_command ("panel_tools.cjs");
  if (command.empty ())
    GTEST_SKIP () << "node or Debian's chromium is not installed";
  FakeCamera camera ({ .fps = 15, .gop_frames = 15, .audio = false });
  ASSERT_TRUE (camera.start ());
  FakeOnvifDevice device ({ .rtsp_uri = camera.uri (), .ptz = true,
        .events = true });
  ASSERT_TRUE (device.start ());
  TempDir config, pipes, recordings;
  config.write ("camgate.yaml", "pipelines: " + pipes.path () + "\n"
      "recordings: " + recordings.path () + "\n"
      "onvif:\n  targets: [" + device.target () + "]\n");
  pipes.write ("yard.yaml", "source: test\n"
      "outputs: { webrtc: false, hls: { segment: 1s } }\n"
      "record:\n  segment: 2s\n  path: '%H-%M-%S.mp4'\n");
  GatewayProcess gateway ({ "--config", config.path () + "/camgate.yaml" });
  ASSERT_TRUE (gateway.ready ()) << gateway.log ();
  ASSERT_TRUE (gateway.wait_running ("yard")) << gateway.log ();
  // A few seconds of recording to play back.
  std::this_thread::sleep_for (std::chrono::seconds (5));

  // The camera is still connecting when the panel adds it (down until 4 s
  // after): the new tile's first WHEP offers are answered 503 "no media
  // yet", and it must keep asking rather than settle for snapshots.
  camera.stop ();
  std::thread camera_comes_up ([&] {
    gateway.wait_for_log ("added camera", std::chrono::seconds (90));
    std::this_thread::sleep_for (std::chrono::seconds (4));
    camera.start ();
  });
  // Motion on the added camera, once the gateway follows its events: the
  // tile says so (the panel hears it through /api/v1/events).
  std::thread motion ([&] {
    if (gateway.wait_for_log ("stream porch: following the camera's events",
            std::chrono::seconds (90)))
      device.set_motion (true);
  });
  std::string shots = screenshot_folder (config.path ());
  int status = -1;
  std::string output = run_command (command + " http://127.0.0.1:"
      + std::to_string (gateway.http_port ()) + "/ yard " + shots, &status);
  camera_comes_up.join ();
  motion.join ();
  EXPECT_EQ (status, 0) << output << gateway.log ();
  EXPECT_NE (output.find ("hls preview plays"), std::string::npos) << output;
  EXPECT_NE (output.find ("recording plays"), std::string::npos) << output;
  EXPECT_NE (output.find ("discovered camera plays"), std::string::npos)
      << output;
  EXPECT_NE (output.find ("FakeCam"), std::string::npos) << output;
  EXPECT_TRUE (std::filesystem::exists (pipes.path () + "/porch.yaml"));
  // What the pad sent the camera: the held move renewed while held, the
  // release's stop, the preset it went to, the one it saved.
  EXPECT_NE (output.find ("ptz pad steers"), std::string::npos) << output;
  EXPECT_NE (output.find ("motion shows on the tile"), std::string::npos)
      << output;
  auto calls = device.ptz_calls ();
  std::string said;
  for (const auto & c : calls)
    said += c + "; ";
  const std::string move = "ContinuousMove pan=0.5 tilt=0 zoom=- timeout=PT1S";
  EXPECT_GE (std::count (calls.begin (), calls.end (), move), 2) << said;
  auto stop = std::find (calls.begin (), calls.end (),
      "Stop pan-tilt=true zoom=true");
  ASSERT_NE (stop, calls.end ()) << said;
  EXPECT_EQ (std::count (stop, calls.end (), move), 0) << said;
  EXPECT_NE (std::find (stop, calls.end (), "GotoPreset 1"), calls.end ())
      << said;
  EXPECT_NE (std::find (stop, calls.end (), "SetPreset porch gate"),
      calls.end ()) << said;
}

// GET /api/v1/system: the machine's figures (one CPU reading per core, the
// memory, the recordings disk, every stream); the log tail for admins only.
// The panel's System page shows them in Chromium.
TEST (Panel, SystemPageShowsTheMachine)
{
  TempDir config, pipes, recordings;
  pipes.write ("yard.yaml", "source: test\n");
  config.write ("camgate.yaml", "pipelines: " + pipes.path () + "\n"
      "recordings: " + recordings.path () + "\nusers:\n"
      "  - name: ops\n    password-hash: \"" + hash_password ("ops-pw")
      + "\"\n    permissions: { \"*\": [admin] }\n"
      "  - name: watcher\n    password-hash: \"" + hash_password ("watch-pw")
      + "\"\n    permissions: { \"*\": [api] }\n");
  GatewayProcess gateway ({ "--config", config.path () + "/camgate.yaml" });
  ASSERT_TRUE (gateway.ready ()) << gateway.log ();
  ASSERT_TRUE (gateway.wait_running ("yard")) << gateway.log ();
  const std::vector<std::pair<std::string, std::string>> ops {
    { "Authorization", basic_auth ("ops", "ops-pw") } };
  const std::vector<std::pair<std::string, std::string>> watcher {
    { "Authorization", basic_auth ("watcher", "watch-pw") } };
  std::this_thread::sleep_for (std::chrono::milliseconds (1500));
  auto system = http_request (gateway.http_port (), "GET", "/api/v1/system",
      "", watcher);
  ASSERT_EQ (system.status, 200) << system.body;
  JsonParser *parser = json_parser_new ();
  ASSERT_TRUE (json_parser_load_from_data (parser, system.body.c_str (), -1,
          nullptr));
  JsonObject *root = json_node_get_object (json_parser_get_root (parser));
  EXPECT_EQ (json_array_get_length (json_object_get_array_member (
              json_object_get_object_member (root, "cpu"), "cores")),
      static_cast<guint> (sysconf (_SC_NPROCESSORS_ONLN)));
  EXPECT_GT (json_object_get_double_member (json_object_get_object_member (
              root, "memory"), "total"), 0);
  EXPECT_GT (json_object_get_double_member (json_object_get_object_member (
              root, "memory"), "camgate"), 0);
  EXPECT_GT (json_object_get_double_member (json_object_get_object_member (
              root, "disk"), "size"), 0);
  EXPECT_NE (system.body.find ("\"name\" : \"yard\""), std::string::npos)
      << system.body;
  g_object_unref (parser);
  EXPECT_EQ (http_request (gateway.http_port (), "GET", "/api/v1/system").status,
      401);
  // The log tail: admins only.
  EXPECT_EQ (http_request (gateway.http_port (), "GET", "/api/v1/system/log",
          "", watcher).status, 403);
  auto log = http_request (gateway.http_port (), "GET", "/api/v1/system/log",
      "", ops);
  EXPECT_EQ (log.status, 200);
  EXPECT_NE (log.body.find ("stream yard: running"), std::string::npos)
      << log.body;
}

TEST (Panel, ChromiumShowsTheSystemPage)
{
  std::string command = browser_command ("panel_system.cjs");
  if (command.empty ())
    GTEST_SKIP () << "node or Debian's chromium is not installed";
  TempDir pipes, recordings;
  pipes.write ("yard.yaml", "source: test\n");
  GatewayProcess gateway ({ "--pipelines", pipes.path (), "--recordings",
        recordings.path () });
  ASSERT_TRUE (gateway.ready ()) << gateway.log ();
  ASSERT_TRUE (gateway.wait_running ("yard")) << gateway.log ();
  const std::string shots = screenshot_folder (recordings.path ());
  int status = -1;
  const std::string seen = run_command (command + " http://127.0.0.1:"
      + std::to_string (gateway.http_port ()) + "/ yard " + shots
      + "/16-system.png", &status);
  EXPECT_EQ (status, 0) << seen;
  EXPECT_TRUE (std::filesystem::exists (shots + "/16-system.png"));
}
