// Issue 3 end to end: streamhealth in the gateway, the streams API and the
// Prometheus metrics, against the real camgate binary.
#include "commands.h"
#include "fake_camera.h"
#include "helpers.h"

#include <gtest/gtest.h>
#include <json-glib/json-glib.h>

#include <yaml-cpp/yaml.h>

#include <random>
#include <regex>
#include <set>

using namespace camgate::testing;
using namespace std::chrono_literals;

namespace {

// The stream's JSON from the API, parsed (nullptr when not 200).
JsonObject *
stream_json (const GatewayProcess & gateway, const std::string & name,
    JsonParser ** parser)
{
  auto reply = http_request (gateway.http_port (), "GET",
      "/api/v1/streams/" + name);
  if (reply.status != 200)
    return nullptr;
  *parser = json_parser_new ();
  if (!json_parser_load_from_data (*parser, reply.body.c_str (), -1, nullptr)) {
    g_clear_object (parser);
    return nullptr;
  }
  return json_node_get_object (json_parser_get_root (*parser));
}

// A field of the stream's JSON, as text ("health.state" goes one level in).
std::string
field (const GatewayProcess & gateway, const std::string & name,
    const std::string & path)
{
  JsonParser *parser = nullptr;
  JsonObject *object = stream_json (gateway, name, &parser);
  if (!object)
    return "";
  std::string result;
  auto dot = path.find ('.');
  if (dot != std::string::npos) {
    object = json_object_get_object_member (object, path.substr (0, dot).c_str ());
    result = json_object_get_string_member (object, path.substr (dot + 1).c_str ());
  } else {
    result = json_object_get_string_member (object, path.c_str ());
  }
  g_object_unref (parser);
  return result;
}

bool
reasons_contain (const GatewayProcess & gateway, const std::string & name,
    const std::string & reason)
{
  JsonParser *parser = nullptr;
  JsonObject *object = stream_json (gateway, name, &parser);
  if (!object)
    return false;
  JsonArray *reasons = json_object_get_array_member (
      json_object_get_object_member (object, "health"), "reasons");
  bool found = false;
  for (guint i = 0; i < json_array_get_length (reasons); i++)
    found |= reason == json_array_get_string_element (reasons, i);
  g_object_unref (parser);
  return found;
}

// viewers.<kind> of the stream in the API, or -1.
gint64
viewers (const GatewayProcess & gateway, const std::string & name,
    const char *kind)
{
  JsonParser *parser = nullptr;
  JsonObject *object = stream_json (gateway, name, &parser);
  if (!object)
    return -1;
  JsonObject *counts = json_object_get_object_member (object, "viewers");
  gint64 n = counts && json_object_has_member (counts, kind)
      ? json_object_get_int_member (counts, kind) : -1;
  g_object_unref (parser);
  return n;
}

}  // namespace

TEST (HealthApi, EachKindOfReaderIsCountedWhileItReads)
{
  FakeCamera camera;
  ASSERT_TRUE (camera.start ());
  TempDir dir;
  dir.write ("cam.yaml", "source:\n  uri: " + camera.uri () + "\n"
      "outputs:\n  hls: { part: 200ms, segment: 1s }\n");
  GatewayProcess gateway ({ "--pipelines", dir.path () });
  ASSERT_TRUE (gateway.wait_for_log ("stream cam: running", 15s))
      << gateway.log ();
  for (const char *kind : { "rtsp", "webrtc", "hls", "snapshot" })
    EXPECT_EQ (viewers (gateway, "cam", kind), 0) << kind;

  // An RTSP player's session holds its lease from PLAY to TEARDOWN.
  {
    Viewer viewer (gateway.url ("cam"), "tcp");
    ASSERT_TRUE (viewer.wait_frames (5, 20s)) << viewer.error ();
    EXPECT_EQ (viewers (gateway, "cam", "rtsp"), 1);
  }
  EXPECT_TRUE (wait_until ([&]() {
        return viewers (gateway, "cam", "rtsp") == 0; }, 10s))
      << gateway.log ();

  // An HLS player is one reader however many requests it makes on its
  // connection (until it stays away for 20 s: unit test RecentReaders).
  GSocketClient *client = g_socket_client_new ();
  g_socket_client_set_timeout (client, 10);   // a silent gateway fails, not hangs
  std::vector<GSocketConnection *> players;
  auto ask = [&](GSocketConnection * conn) {
    const std::string request = "GET /cam/index.m3u8 HTTP/1.1\r\n"
        "Host: 127.0.0.1\r\n\r\n";
    g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM
            (conn)), request.data (), request.size (), nullptr, nullptr,
        nullptr);
    char reply[4096];
    return g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM
            (conn)), reply, sizeof reply, nullptr, nullptr) > 0;
  };
  for (int i = 0; i < 2; i++) {
    players.push_back (g_socket_client_connect_to_host (client,
            ("127.0.0.1:" + std::to_string (gateway.http_port ())).c_str (),
            0, nullptr, nullptr));
    ASSERT_TRUE (players.back ());
  }
  EXPECT_TRUE (ask (players[0]));
  EXPECT_TRUE (ask (players[0]));
  EXPECT_EQ (viewers (gateway, "cam", "hls"), 1);
  EXPECT_TRUE (ask (players[1]));
  EXPECT_EQ (viewers (gateway, "cam", "hls"), 2);
  auto metrics = http_request (gateway.http_port (), "GET", "/metrics");
  EXPECT_NE (metrics.body.find ("camgate_stream_viewers{stream=\"cam\","
          "protocol=\"hls\"} 2"), std::string::npos) << metrics.body;
  for (auto *conn : players) {
    g_io_stream_close (G_IO_STREAM (conn), nullptr, nullptr);
    g_object_unref (conn);
  }
  g_object_unref (client);
}

// The last RTSP viewer over TCP leaving stops the media while gst-rtsp-server's
// TCP sending thread may be about to take the next packet. A packet dropped
// for a newer one inside its sink once left that thread waiting, under the
// stream's lock, for a packet that never came: the TEARDOWN then waited for
// good and the stream counted its viewer forever. A busy stream (many
// packets a second) and viewers that come and go make that moment common.
TEST (HealthApi, TcpViewersThatComeAndGoAreAllCountedOut)
{
  TempDir dir;
  auto gateway = GatewayProcess::with_pipelines (dir, { { "cam.yaml",
            "source:\n  pipeline: >-\n    videotestsrc is-live=true "
            "pattern=snow ! video/x-raw,width=640,height=360,framerate=30/1 "
            "! x264enc tune=zerolatency speed-preset=ultrafast bitrate=6000 "
            "key-int-max=30 ! h264parse\n" } });
  ASSERT_TRUE (gateway->wait_running ("cam")) << gateway->log ();
  for (int round = 0; round < 16; round++) {
    {
      Viewer viewer (gateway->url ("cam"), "tcp");
      ASSERT_TRUE (viewer.wait_frames (3, 20s)) << viewer.error ();
    }
    ASSERT_TRUE (wait_until ([&]() {
          return viewers (*gateway, "cam", "rtsp") == 0; }, 10s))
        << "round " << round << "\n" << gateway->log ();
  }
}

TEST (HealthApi, FrozenCameraIsStalledThenRestartedAndRecovers)
{
  FakeCamera camera;
  ASSERT_TRUE (camera.start ());
  TempDir dir;
  auto process = GatewayProcess::with_pipelines (dir, { { "cam.yaml",
            "source:\n  uri: " + camera.uri ()
            + "\n  transport: tcp\nhealth:\n  stall-timeout: 2s\n" } });
  GatewayProcess & gateway = *process;
  ASSERT_TRUE (gateway.wait_running ("cam")) << gateway.log ();

  // The encoder freezes: the RTSP session stays open, no video comes.
  ASSERT_TRUE (camera.set_sending_video (false));
  auto frozen = std::chrono::steady_clock::now ();
  ASSERT_TRUE (wait_until ([&]() {
            return field (gateway, "cam", "state") == "stalled"
                || field (gateway, "cam", "health.state") == "stalled";
          }, 4s)) << gateway.log ();
  double seconds = std::chrono::duration<double> (
      std::chrono::steady_clock::now () - frozen).count ();
  EXPECT_LE (seconds, 2.0 + 1.0);
  EXPECT_TRUE (gateway.wait_for_log ("stream cam: health stalled", 2s))
      << gateway.log ();

  // The gateway reconnects; the camera's new session sends again.
  ASSERT_TRUE (wait_until ([&]() {
            auto log = gateway.log ();
            return log.rfind ("stream cam: running") > log.rfind ("stalled");
          }, 20s)) << gateway.log ();
  EXPECT_EQ (field (gateway, "cam", "state"), "running");
  EXPECT_GE (camera.play_requests (), 2);
  Viewer viewer (gateway.url ("cam"), "tcp");
  EXPECT_TRUE (viewer.wait_frames (10, 20s)) << viewer.error ();
}

TEST (HealthApi, TenSecondGopIsDegraded)
{
  FakeCamera camera ({ .fps = 15, .gop_frames = 150 });
  ASSERT_TRUE (camera.start ());
  TempDir dir;
  dir.write ("slow.yaml", "source:\n  uri: " + camera.uri () + "\n");
  GatewayProcess gateway ({ "--pipelines", dir.path () });
  ASSERT_TRUE (gateway.wait_for_log ("stream slow: running", 15s));
  EXPECT_TRUE (wait_until ([&]() {
            return reasons_contain (gateway, "slow", "gop-too-long");
          }, 12s)) << gateway.log ();
  EXPECT_EQ (field (gateway, "slow", "health.state"), "degraded");
  EXPECT_TRUE (gateway.wait_for_log ("stream slow: health degraded: "
          "gop-too-long", 2s)) << gateway.log ();
  // Degraded, not broken: it keeps running and is never restarted for it.
  EXPECT_EQ (field (gateway, "slow", "state"), "running");
}

TEST (HealthApi, CameraBackWithoutVideoIsDegradedAndSetUpAgain)
{
  FakeCamera camera;
  ASSERT_TRUE (camera.start ());
  const std::string full = camera.launch_line ();
  TempDir dir;
  auto process = GatewayProcess::with_pipelines (dir, { { "cam.yaml",
            "source:\n  uri: " + camera.uri () + "\n  transport: tcp\n" } });
  GatewayProcess & gateway = *process;
  ASSERT_TRUE (gateway.wait_running ("cam")) << gateway.log ();

  camera.stop ();
  camera.set_launch ("( audiotestsrc is-live=true ! audio/x-raw,rate=8000,"
      "channels=1 ! alawenc ! rtppcmapay name=pay0 pt=8 )");
  ASSERT_TRUE (camera.start ());
  EXPECT_TRUE (gateway.wait_for_log ("the source came back without its video "
          "track", 20s)) << gateway.log ();

  camera.stop ();
  camera.set_launch (full);
  ASSERT_TRUE (camera.start ());
  ASSERT_TRUE (wait_until ([&]() {
            auto log = gateway.log ();
            return log.rfind ("stream cam: running") > log.rfind ("video track");
          }, 40s)) << gateway.log ();
  Viewer viewer (gateway.url ("cam"), "tcp");
  EXPECT_TRUE (viewer.wait_frames (10, 20s)) << viewer.error ();
}

TEST (HealthApi, StreamsJsonMatchesTheLiveState)
{
  FakeCamera camera;
  ASSERT_TRUE (camera.start ());
  TempDir dir;
  std::string uri = camera.uri ();
  uri.insert (7, "admin:hunter2@");        // credentials are never shown
  dir.write ("cam.yaml", "source:\n  uri: " + uri + "\n");
  dir.write ("live.yaml", "source: publish\n");
  GatewayProcess gateway ({ "--pipelines", dir.path () });
  ASSERT_TRUE (gateway.wait_for_log ("stream cam: running", 15s));
  Viewer a (gateway.url ("cam"), "tcp"), b (gateway.url ("cam"), "udp");
  ASSERT_TRUE (a.wait_frames (5, 20s));
  ASSERT_TRUE (b.wait_frames (5, 20s));

  auto list = http_request (gateway.http_port (), "GET", "/api/v1/streams");
  ASSERT_EQ (list.status, 200);
  EXPECT_NE (list.headers.find ("application/json"), std::string::npos);
  EXPECT_EQ (list.body.find ("hunter2"), std::string::npos);
  JsonParser *parser = json_parser_new ();
  ASSERT_TRUE (json_parser_load_from_data (parser, list.body.c_str (), -1,
          nullptr));
  JsonArray *streams = json_object_get_array_member (json_node_get_object (
          json_parser_get_root (parser)), "streams");
  ASSERT_EQ (json_array_get_length (streams), 2u);
  g_object_unref (parser);

  JsonObject *cam = stream_json (gateway, "cam", &parser);
  ASSERT_NE (cam, nullptr);
  EXPECT_STREQ (json_object_get_string_member (cam, "name"), "cam");
  EXPECT_STREQ (json_object_get_string_member (cam, "state"), "running");
  JsonObject *source = json_object_get_object_member (cam, "source");
  EXPECT_STREQ (json_object_get_string_member (source, "kind"), "rtsp");
  EXPECT_NE (std::string (json_object_get_string_member (source, "uri"))
      .find ("admin:***@"), std::string::npos);
  EXPECT_EQ (json_object_get_int_member (json_object_get_object_member (cam,
              "viewers"), "rtsp"), 2);
  EXPECT_GT (json_object_get_int_member (cam, "bytes_in"), 10000);
  EXPECT_GT (json_object_get_int_member (cam, "bytes_out"), 1000);
  EXPECT_GT (json_object_get_double_member (cam, "uptime_seconds"), 0.0);
  JsonObject *health = json_object_get_object_member (cam, "health");
  EXPECT_STREQ (json_object_get_string_member (health, "state"), "healthy");
  JsonArray *tracks = json_object_get_array_member (health, "tracks");
  ASSERT_EQ (json_array_get_length (tracks), 2u);
  JsonObject *video = json_array_get_object_element (tracks, 0);
  EXPECT_STREQ (json_object_get_string_member (video, "codec"), "H264");
  EXPECT_GT (json_object_get_double_member (video, "fps"), 10.0);
  EXPECT_GT (json_object_get_int_member (video, "bitrate"), 50000);
  g_object_unref (parser);

  JsonObject *live = stream_json (gateway, "live", &parser);
  ASSERT_NE (live, nullptr);
  EXPECT_STREQ (json_object_get_string_member (live, "state"), "waiting");
  g_object_unref (parser);

  auto missing = http_request (gateway.http_port (), "GET",
      "/api/v1/streams/nope");
  EXPECT_EQ (missing.status, 404);
  EXPECT_NE (missing.body.find ("\"error\""), std::string::npos);
  EXPECT_EQ (http_request (gateway.http_port (), "POST",
          "/api/v1/streams/cam").status, 405);
  EXPECT_EQ (http_request (gateway.http_port (), "GET", "/nothing").status, 404);
  EXPECT_EQ (gateway.log ().find ("hunter2"), std::string::npos);
}

TEST (HealthApi, MetricsPassPromtoolAndMatchTheApi)
{
  FakeCamera camera;
  ASSERT_TRUE (camera.start ());
  TempDir dir;
  dir.write ("cam.yaml", "source:\n  uri: " + camera.uri () + "\n");
  GatewayProcess gateway ({ "--pipelines", dir.path () });
  ASSERT_TRUE (gateway.wait_for_log ("stream cam: running", 15s));
  Viewer viewer (gateway.url ("cam"), "tcp");
  ASSERT_TRUE (viewer.wait_frames (5, 20s)) << viewer.error () << "\n"
      << gateway.log ();

  auto metrics = http_request (gateway.http_port (), "GET", "/metrics");
  ASSERT_EQ (metrics.status, 200);
  EXPECT_NE (metrics.headers.find ("text/plain; version=0.0.4"),
      std::string::npos);
  for (const char *line : { "camgate_stream_up{stream=\"cam\"} 1",
          "camgate_stream_state{stream=\"cam\",state=\"running\"} 1",
          "camgate_stream_health{stream=\"cam\",health=\"healthy\"} 1",
          "camgate_stream_viewers{stream=\"cam\",protocol=\"rtsp\"} 1",
          "# TYPE camgate_stream_received_bytes_total counter",
          "camgate_track_frames_per_second{stream=\"cam\",track=\"video\","
          "codec=\"H264\"}", "process_resident_memory_bytes " })
    EXPECT_NE (metrics.body.find (line), std::string::npos) << line << "\n"
        << metrics.body;

  if (!have_program ("promtool"))
    GTEST_SKIP () << "promtool (Debian package prometheus) is not installed";
  TempDir out;
  std::string file = out.write ("metrics.txt", metrics.body);
  int status = -1;
  std::string output = run_command ("promtool check metrics < " + file,
      &status);
  EXPECT_EQ (status, 0) << output;
}

// docs/monitoring: the Grafana dashboard's queries and the alert rules name
// only metrics a running camgate exports (a recording stream: stream, track,
// recording, disk and process figures), and the rules pass promtool's check
// and their own tests (alerts firing on made-up series, and only then).
TEST (Monitoring, DashboardAndAlertsUseOnlyExportedMetrics)
{
  const char *root = g_getenv ("CAMGATE_SOURCE_ROOT");
  if (!root)
    GTEST_SKIP () << "CAMGATE_SOURCE_ROOT is not set";
  TempDir dir;
  auto gateway = GatewayProcess::with_pipelines (dir, { { "cam.yaml",
            "source: test\nrecord: { segment: 2s, path: '%H-%M-%S.mp4' }\n" } },
      { "--recordings", dir.path () + "/rec" });
  ASSERT_TRUE (gateway->wait_running ("cam")) << gateway->log ();
  std::set<std::string> exported;
  const std::regex type_line ("# TYPE ([a-z_]+) ");
  ASSERT_TRUE (wait_until ([&] {
        const std::string metrics = http_request (gateway->http_port (), "GET",
            "/metrics").body;
        for (std::sregex_iterator it (metrics.begin (), metrics.end (),
                type_line), end; it != end; ++it)
          exported.insert ((*it)[1]);
        return exported.count ("camgate_track_bytes_per_second")
            && exported.count ("camgate_recordings_filesystem_free_bytes")
            && exported.count ("camgate_stream_recording");
      }, 10s));

  const std::regex metric_name ("\\b((camgate|process)_[a-z_]+)\\b");
  std::set<std::string> used;
  auto check = [&](const std::string & where, const std::string & expr) {
    for (std::sregex_iterator it (expr.begin (), expr.end (), metric_name), end;
        it != end; ++it) {
      used.insert ((*it)[1]);
      EXPECT_TRUE (exported.count ((*it)[1])) << where << ": " << (*it)[1]
          << " is not a metric camgate exports";
    }
  };
  const std::string docs = std::string (root) + "/docs/monitoring/";
  JsonParser *parser = json_parser_new ();
  ASSERT_TRUE (json_parser_load_from_file (parser, (docs
              + "camgate-dashboard.json").c_str (), nullptr));
  JsonArray *panels = json_object_get_array_member (json_node_get_object (
          json_parser_get_root (parser)), "panels");
  for (guint i = 0; i < json_array_get_length (panels); i++) {
    JsonObject *panel = json_array_get_object_element (panels, i);
    JsonArray *targets = json_object_get_array_member (panel, "targets");
    for (guint t = 0; t < json_array_get_length (targets); t++)
      check (json_object_get_string_member (panel, "title"),
          json_object_get_string_member (json_array_get_object_element (
                  targets, t), "expr"));
  }
  g_object_unref (parser);
  const YAML::Node rules = YAML::LoadFile (docs + "camgate-alerts.yml");
  for (const auto & group : rules["groups"])
    for (const auto & rule : group["rules"])
      check (rule["alert"].as<std::string> (), rule["expr"].as<std::string> ());
  EXPECT_GE (used.size (), 8u) << "the dashboard and rules name few metrics";

  if (!have_program ("promtool"))
    GTEST_SKIP () << "promtool (Debian package prometheus) is not installed";
  int status = -1;
  std::string said = run_command ("promtool check rules " + docs
      + "camgate-alerts.yml 2>&1", &status);
  EXPECT_EQ (status, 0) << said;
  said = run_command ("promtool test rules " + std::string (root)
      + "/tests/monitoring/camgate-alerts.test.yml 2>&1", &status);
  EXPECT_EQ (status, 0) << said;
}

TEST (HealthApi, MalformedRequestsNeverCrashTheServer)
{
  GatewayProcess gateway ({});
  ASSERT_TRUE (gateway.ready ());
  std::mt19937 random (1234);
  const std::vector<std::string> methods = { "GET", "POST", "PUT", "DELETE",
    "PATCH", "HEAD", "OPTIONS", "BREW", "G\x01T" };
  const std::string alphabet = "abcz09/._-~%?&=#;:@!$'()*+,[]{}\"\\ \t";
  auto random_text = [&](size_t max) {
    std::string s;
    size_t length = random () % max;
    for (size_t i = 0; i < length; i++)
      s += random () % 4 ? alphabet[random () % alphabet.size ()]
          : static_cast<char> (random () % 256);
    return s;
  };
  const std::vector<std::string> prefixes = { "/", "/api/v1/streams/",
    "/api/v1/streams/demo", "/metrics", "/api/v1/", "//", "/%2e%2e/" };
  for (int i = 0; i < 300; i++) {
    std::string target = prefixes[random () % prefixes.size ()]
        + random_text (64);
    if (random () % 3 == 0)
      target += "?" + random_text (40) + "=" + random_text (40);
    if (random () % 10 == 0)
      raw_exchange (gateway.http_port (), methods[random () % methods.size ()]
          + " " + target + " HTTP/1.1\r\n" + random_text (200) + "\r\n\r\n");
    else
      http_request (gateway.http_port (), methods[random () % methods.size ()],
          target, random_text (100));
  }
  ASSERT_TRUE (gateway.running ()) << gateway.log ();
  auto reply = http_request (gateway.http_port (), "GET", "/api/v1/streams");
  EXPECT_EQ (reply.status, 200);
  auto odd = http_request (gateway.http_port (), "GET",
      "/api/v1/streams/%22%3Cscript%3E");
  EXPECT_EQ (odd.status, 404);
  JsonParser *parser = json_parser_new ();
  EXPECT_TRUE (json_parser_load_from_data (parser, odd.body.c_str (), -1,
          nullptr)) << odd.body;
  g_object_unref (parser);
}
