// Transcoded renditions (`transcode:`): each is served over RTSP and WHEP
// at its own size, bitrate and frame rate, with the camera's keyframe times,
// and is encoded only while someone watches it.
#include "commands.h"
#include "fake_camera.h"
#include "fragment_reader.h"
#include "helpers.h"
#include "webrtc_client.h"

#include <json-glib/json-glib.h>
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

using namespace camgate::testing;
using namespace std::chrono_literals;

namespace {

// "running" of rendition `name` in the stream's API entry, and its
// `reason_member` in `reason`; nullopt when the stream or rendition is
// missing.
std::optional<bool>
rendition_running (const GatewayProcess & gateway, const std::string & name,
    std::string * reason = nullptr,
    const char *reason_member = "encoder_reason")
{
  auto reply = http_request (gateway.http_port (), "GET",
      "/api/v1/streams/cam");
  JsonParser *parser = json_parser_new ();
  std::optional<bool> running;
  if (reply.status == 200 && json_parser_load_from_data (parser,
          reply.body.c_str (), -1, nullptr)) {
    JsonObject *stream = json_node_get_object (json_parser_get_root (parser));
    JsonArray *list = json_object_has_member (stream, "renditions")
        ? json_object_get_array_member (stream, "renditions") : nullptr;
    for (guint i = 0; list && i < json_array_get_length (list); i++) {
      JsonObject *r = json_array_get_object_element (list, i);
      if (json_object_get_string_member (r, "name") != name)
        continue;
      running = json_object_get_boolean_member (r, "running");
      if (reason)
        *reason = json_object_get_string_member (r, reason_member);
    }
  }
  g_object_unref (parser);
  return running;
}

bool
wait_rendition_running (const GatewayProcess & gateway,
    const std::string & name, bool running, std::chrono::seconds timeout)
{
  auto deadline = std::chrono::steady_clock::now () + timeout;
  while (std::chrono::steady_clock::now () < deadline) {
    if (rendition_running (gateway, name) == running)
      return true;
    std::this_thread::sleep_for (200ms);
  }
  return false;
}

// The encoder's reason once it is chosen (the gateway tries the candidates
// on a thread of its own after the stream starts).
std::string
chosen_encoder_reason (const GatewayProcess & gateway, const std::string & name)
{
  std::string reason;
  auto deadline = std::chrono::steady_clock::now () + 15s;
  while (std::chrono::steady_clock::now () < deadline) {
    rendition_running (gateway, name, &reason);
    if (!reason.empty () && reason != "being chosen")
      break;
    std::this_thread::sleep_for (100ms);
  }
  return reason;
}

// camgate on `pipeline_file` (cam.yaml in `dir`) with the test-only
// plugins of CAMGATE_TEST_PLUGINS/<folder> on its plugin path; null when
// not run under meson test.
std::unique_ptr<GatewayProcess>
gateway_with_test_plugin (const std::string & folder, const TempDir & dir,
    const std::string & pipeline_file)
{
  const char *plugins = g_getenv ("CAMGATE_TEST_PLUGINS");
  if (!plugins)
    return nullptr;
  const char *before = g_getenv ("GST_PLUGIN_PATH_1_0");
  const std::string saved = before ? before : "";
  g_setenv ("GST_PLUGIN_PATH_1_0", (saved + ":" + plugins + "/"
          + folder).c_str (), TRUE);
  auto gateway = GatewayProcess::with_pipelines (dir, { { "cam.yaml",
            pipeline_file } });
  if (before)
    g_setenv ("GST_PLUGIN_PATH_1_0", saved.c_str (), TRUE);
  else
    g_unsetenv ("GST_PLUGIN_PATH_1_0");
  return gateway;
}

struct Probed
{
  int width = 0, height = 0, frames = 0;
  double duration = 0, bitrate = 0;
  std::vector<double> keyframes;   // presentation times
};

Probed
probe (const std::string & file)
{
  Probed p;
  std::istringstream streams (run_command ("timeout -s KILL 30 ffprobe -v "
          "error -select_streams v -show_entries stream=width,"
          "height:format=duration,bit_rate -of "
          "default=noprint_wrappers=1 " + file));
  std::string line;
  while (std::getline (streams, line)) {
    auto eq = line.find ('=');
    if (eq == std::string::npos)
      continue;
    const std::string key = line.substr (0, eq), value = line.substr (eq + 1);
    if (key == "width")
      p.width = std::atoi (value.c_str ());
    else if (key == "height")
      p.height = std::atoi (value.c_str ());
    else if (key == "duration")
      p.duration = std::atof (value.c_str ());
    else if (key == "bit_rate")
      p.bitrate = std::atof (value.c_str ());
  }
  std::istringstream frames (run_command ("timeout -s KILL 30 ffprobe -v "
          "error -select_streams v -show_entries frame=key_frame,pts_time -of "
          "csv=p=0 " + file));
  std::vector<double> pictures;
  while (std::getline (frames, line)) {
    const double time = std::atof (line.c_str () + 2);
    pictures.push_back (time);
    // (A keyframe whose parameter sets went out with an RTP timestamp of
    // their own shows up twice here, 11 us apart, and fails the test.)
    if (line.rfind ("1,", 0) == 0)
      p.keyframes.push_back (time);
  }
  p.frames = static_cast<int> (pictures.size ());
  return p;
}

}  // namespace

TEST (Renditions, EachPlaysOverRtspAtItsSizeAndRateOnlyWhileWatched)
{
  // Noise: hard enough to encode that each rendition reaches its bitrate.
  FakeCameraOptions options;
  options.width = 640;
  options.height = 360;
  options.fps = 25;
  options.gop_frames = 50;
  options.pattern = "snow";
  FakeCamera camera (options);
  ASSERT_TRUE (camera.start ());
  TempDir dir;
  auto gateway = GatewayProcess::with_pipelines (dir, { { "cam.yaml",
            "source:\n  uri: " + camera.uri () + "\ntranscode:\n"
            "  renditions:\n"
            "    - { name: 240p, height: 240, bitrate: 400k }\n"
            "    - { name: 180p, height: 180, bitrate: 150k, fps: 10 }\n" } });
  ASSERT_TRUE (gateway->wait_running ("cam")) << gateway->log ();

  // Nothing is encoded while nobody watches.
  const std::string reason = chosen_encoder_reason (*gateway, "240p");
  EXPECT_EQ (rendition_running (*gateway, "240p"), false);
  EXPECT_EQ (rendition_running (*gateway, "180p"), false);
  EXPECT_NE (reason.find ("software"), std::string::npos) << reason;

  // A viewer of one rendition starts it, and only it.
  {
    Viewer viewer (gateway->url ("cam") + "/180p", "tcp");
    ASSERT_TRUE (viewer.wait_frames (10, 20s)) << viewer.error () << "\n"
        << gateway->log ();
    EXPECT_EQ (rendition_running (*gateway, "180p"), true);
    EXPECT_EQ (rendition_running (*gateway, "240p"), false);
    // The same in /metrics, which promtool accepts.
    auto metrics = http_request (gateway->http_port (), "GET", "/metrics");
    EXPECT_NE (metrics.body.find ("camgate_rendition_running{stream=\"cam\","
            "rendition=\"180p\",encoder=\"x264enc\"} 1\n"), std::string::npos)
        << metrics.body;
    // Its encoder's latency, measured (x264enc zerolatency at 320x180: a
    // few ms; more than 0, far less than a second).
    const std::string latency = "camgate_rendition_encode_latency_seconds{"
        "stream=\"cam\",rendition=\"180p\"} ";
    const auto at = metrics.body.find (latency);
    ASSERT_NE (at, std::string::npos) << metrics.body;
    const double seconds = g_ascii_strtod (metrics.body.c_str () + at
        + latency.size (), nullptr);
    EXPECT_GT (seconds, 0.0);
    EXPECT_LT (seconds, 0.5);
    EXPECT_NE (metrics.body.find ("camgate_rendition_running{stream=\"cam\","
            "rendition=\"240p\",encoder=\"x264enc\"} 0\n"), std::string::npos);
    EXPECT_EQ (metrics.body.find ("camgate_rendition_frames_total{stream="
            "\"cam\",rendition=\"180p\"} 0\n"), std::string::npos);
    TempDir out;
    const std::string file = out.write ("metrics.txt", metrics.body);
    int status = -1;
    std::string output = run_command ("promtool check metrics < " + file,
        &status);
    EXPECT_EQ (status, 0) << output;
  }
  // ... until it has been gone for the linger time (5 s).
  EXPECT_TRUE (wait_rendition_running (*gateway, "180p", false, 15s))
      << gateway->log ();

  const std::string url = gateway->url ("cam");
  for (const auto & [name, height, bitrate, fps] : {
          std::tuple { "240p", 240, 400000.0, 25.0 },
          std::tuple { "180p", 180, 150000.0, 10.0 } }) {
    SCOPED_TRACE (name);
    const std::string file = dir.path () + "/" + name + ".ts";
    run_command ("timeout -s KILL 40 ffmpeg -nostdin -v error -rtsp_transport "
        "tcp -i " + url + "/" + name + " -t 8 -an -c copy -f mpegts " + file);
    Probed p = probe (file);
    EXPECT_EQ (p.height, height);
    // The picture keeps its shape (16:9).
    EXPECT_NEAR (p.width, height * 16 / 9, 2);
    ASSERT_GT (p.duration, 5);
    EXPECT_NEAR (p.frames / p.duration, fps, fps * 0.2);
    // Within 25 %, counting the MPEG-TS overhead (~5 %) in.
    EXPECT_NEAR (p.bitrate, bitrate * 1.05, bitrate * 0.25);
    // Keyframes where the camera has them (every 2 s), and nowhere else,
    // once the rendition has begun: its encoder starts on whichever frame
    // came first, so that the first viewer need not wait for the camera's
    // next keyframe, and that one may be among what ffmpeg kept.
    ASSERT_GE (p.keyframes.size (), 3u);
    for (size_t i = 2; i < p.keyframes.size (); i++)
      EXPECT_NEAR (p.keyframes[i] - p.keyframes[i - 1], 2.0, 0.05);
  }
}

TEST (Renditions, AHardwareEncoderThatCannotOpenFallsBackToSoftware)
{
  // The test plugin's camgatebrokenh264enc ranks above every real encoder,
  // says it is hardware, and fails to open its device.
  FakeCamera camera;
  ASSERT_TRUE (camera.start ());
  TempDir dir;
  auto gateway = gateway_with_test_plugin ("broken-encoder", dir,
      "source:\n  uri: " + camera.uri () + "\ntranscode:\n"
      "  encoder: auto\n  renditions:\n"
      "    - { name: small, height: 120, bitrate: 100k }\n");
  ASSERT_NE (gateway, nullptr) << "run under meson test";
  ASSERT_TRUE (gateway->wait_running ("cam")) << gateway->log ();

  const std::string reason = chosen_encoder_reason (*gateway, "small");
  EXPECT_EQ (rendition_running (*gateway, "small"), false);
  EXPECT_NE (reason.find ("camgatebrokenh264enc failed: no encoder device "
          "found"), std::string::npos) << reason;
  EXPECT_EQ (reason.rfind ("software", 0), 0u) << reason;
  EXPECT_NE (gateway->log ().find ("encoder camgatebrokenh264enc does not "
          "work here"), std::string::npos) << gateway->log ();
  Viewer viewer (gateway->url ("cam") + "/small", "tcp");
  EXPECT_TRUE (viewer.wait_frames (5, 20s)) << viewer.error () << "\n"
      << gateway->log ();
}

TEST (Renditions, AHardwareDecoderThatNeverAnswersHoldsUpNothing)
{
  // camgatestuckh264dec ranks above every real decoder, says it is
  // hardware, and never decodes: trying it takes the gateway 10 s.
  FakeCamera camera;
  ASSERT_TRUE (camera.start ());
  TempDir dir;
  auto gateway = gateway_with_test_plugin ("stuck-decoder", dir,
      "source:\n  uri: " + camera.uri () + "\ntranscode:\n"
      "  renditions:\n"
      "    - { name: small, height: 120, bitrate: 100k }\n");
  ASSERT_NE (gateway, nullptr) << "run under meson test";
  ASSERT_TRUE (gateway->wait_running ("cam")) << gateway->log ();
  chosen_encoder_reason (*gateway, "small");

  // The first viewer has the decoders tried; meanwhile the gateway answers
  // as fast as ever (the try used to block its main loop for the 10 s).
  auto first = std::make_unique<Viewer> (gateway->url ("cam") + "/small",
      "tcp");
  auto slowest = 0ms;
  for (int i = 0; i < 20; i++) {
    const auto start = std::chrono::steady_clock::now ();
    auto reply = http_request (gateway->http_port (), "GET",
        "/api/v1/streams/cam");
    EXPECT_EQ (reply.status, 200);
    slowest = std::max (slowest, std::chrono::duration_cast<
        std::chrono::milliseconds> (std::chrono::steady_clock::now () - start));
    std::this_thread::sleep_for (200ms);
  }
  EXPECT_LT (slowest, 2000ms);
  first.reset ();

  // Once the try is over: the software decoder, and why.
  std::string reason;
  EXPECT_TRUE (wait_until ([&]() {
        rendition_running (*gateway, "small", &reason, "decoder_reason");
        return reason.find ("camgatestuckh264dec failed") != std::string::npos;
      }, 30s)) << reason << "\n" << gateway->log ();
  EXPECT_NE (reason.find ("no output within 10 s"), std::string::npos)
      << reason;
  Viewer viewer (gateway->url ("cam") + "/small", "tcp");
  EXPECT_TRUE (viewer.wait_frames (5, 20s)) << viewer.error () << "\n"
      << gateway->log ();
}

TEST (Renditions, ACameraIn444IsEncodedIn420)
{
  // Some encoders (x264 by default) send 4:4:4, which a browser-safe
  // profile cannot carry. With a frame-rate cap (whose capssetter hides the
  // encoder's formats from the converter) the encoder was handed 4:4:4.
  TempDir dir;
  auto gateway = GatewayProcess::with_pipelines (dir, { { "cam.yaml",
            "source:\n  pipeline: >-\n"
            "    videotestsrc is-live=true ! video/x-raw,format=Y444,width=320,"
            "height=240,framerate=15/1 ! x264enc tune=zerolatency "
            "speed-preset=ultrafast key-int-max=15 ! h264parse\n"
            "transcode:\n  renditions:\n"
            "    - { name: small, height: 120, bitrate: 100k, fps: 10 }\n" } });
  ASSERT_TRUE (gateway->wait_running ("cam")) << gateway->log ();
  const std::string file = dir.path () + "/small.ts";
  run_command ("timeout -s KILL 30 ffmpeg -nostdin -v error -rtsp_transport "
      "tcp -i " + gateway->url ("cam") + "/small -t 2 -an -c copy -f mpegts "
      + file);
  const std::string format = run_command ("timeout -s KILL 30 ffprobe -v "
      "error -select_streams v -show_entries stream=pix_fmt,profile,height -of "
      "default=noprint_wrappers=1 " + file);
  EXPECT_NE (format.find ("pix_fmt=yuv420p"), std::string::npos) << format
      << gateway->log ();
  EXPECT_NE (format.find ("height=120"), std::string::npos) << format;
}

TEST (Renditions, AWhepViewerWatchesTheRenditionItAsksFor)
{
  FakeCameraOptions options;
  options.width = 640;
  options.height = 360;
  options.fps = 25;
  options.gop_frames = 50;
  FakeCamera camera (options);
  ASSERT_TRUE (camera.start ());
  TempDir dir;
  auto gateway = GatewayProcess::with_pipelines (dir, { { "cam.yaml",
            "source:\n  uri: " + camera.uri () + "\ntranscode:\n"
            "  renditions:\n"
            "    - { name: 240p, height: 240, bitrate: 400k }\n"
            "    - { name: 180p, height: 180, bitrate: 150k, fps: 10 }\n" } });
  ASSERT_TRUE (gateway->wait_running ("cam")) << gateway->log ();
  chosen_encoder_reason (*gateway, "180p");

  // Not a rendition of the stream: a clear 404.
  {
    WebRtcTestPeer stray (WebRtcTestPeer::Options {});
    auto reply = stray.connect (gateway->http_port (), "cam", "rendition=90p");
    EXPECT_EQ (reply.status, 404) << reply.body;
    EXPECT_NE (reply.body.find ("no WebRTC rendition '90p'"),
        std::string::npos) << reply.body;
  }

  WebRtcTestPeer viewer (WebRtcTestPeer::Options {});
  auto reply = viewer.connect (gateway->http_port (), "cam", "rendition=180p");
  ASSERT_EQ (reply.status, 201) << reply.body << gateway->log ();
  // The session is the stream's, whatever rendition it watches.
  EXPECT_EQ (viewer.location ().rfind ("/cam/whep/", 0), 0u);
  EXPECT_NE (reply.body.find ("H264/90000"), std::string::npos);
  // The rendition's picture, decoded, at its size; the camera's G.711 as Opus.
  EXPECT_TRUE (viewer.wait_video_frames (20, 20s)) << gateway->log ();
  EXPECT_EQ (viewer.video_height (), 180);
  EXPECT_EQ (viewer.video_width (), 320);
  EXPECT_TRUE (wait_until ([&]() { return viewer.audio_buffers () > 10; }, 5s));
  EXPECT_EQ (rendition_running (*gateway, "180p"), true);
  EXPECT_EQ (rendition_running (*gateway, "240p"), false);

  // The camera's own stream, by name, beside it.
  WebRtcTestPeer source (WebRtcTestPeer::Options {});
  reply = source.connect (gateway->http_port (), "cam", "rendition=source");
  ASSERT_EQ (reply.status, 201) << reply.body;
  EXPECT_TRUE (source.wait_video_frames (10, 20s)) << gateway->log ();
  EXPECT_EQ (source.video_height (), 360);

  // The viewer's session ends with DELETE on its own location, and the
  // rendition stops once its linger time is over.
  EXPECT_EQ (viewer.disconnect (), 200);
  EXPECT_TRUE (wait_rendition_running (*gateway, "180p", false, 15s))
      << gateway->log ();
}

TEST (Renditions, AWhepViewerOnASlowLinkMovesToALowerRenditionAndBack)
{
  FakeCameraOptions options;
  options.width = 640;
  options.height = 360;
  options.fps = 25;
  options.gop_frames = 25;
  options.pattern = "snow";        // ~300 kbit/s: what the ladder measures
  FakeCamera camera (options);
  ASSERT_TRUE (camera.start ());
  TempDir dir;
  auto gateway = GatewayProcess::with_pipelines (dir, { { "cam.yaml",
            "source:\n  uri: " + camera.uri () + "\ntranscode:\n"
            "  renditions:\n"
            "    - { name: 240p, height: 240, bitrate: 400k }\n"
            "    - { name: 180p, height: 180, bitrate: 150k }\n" } });
  ASSERT_TRUE (gateway->wait_running ("cam")) << gateway->log ();
  chosen_encoder_reason (*gateway, "180p");

  // No rendition named: the viewer starts on the camera's stream, and its
  // REMB of 250 kbit/s (which 240p's 400k does not fit) moves it to 180p.
  // Offered as browsers do, with both kinds of feedback: the answer asks
  // for REMB, not transport-wide feedback (camgate estimates nothing
  // itself).
  WebRtcTestPeer viewer ({ .video_caps = "application/x-rtp,media=video,"
          "encoding-name=H264,payload=102,clock-rate=90000,"
          "packetization-mode=(string)1,profile-level-id=(string)42e01f,"
          "rtcp-fb-goog-remb=(boolean)true,"
          "rtcp-fb-transport-cc=(boolean)true", .remb_bps = 250000 });
  auto reply = viewer.connect (gateway->http_port (), "cam");
  ASSERT_EQ (reply.status, 201) << reply.body << gateway->log ();
  EXPECT_NE (viewer.offer_sdp ().find ("transport-cc"), std::string::npos)
      << viewer.offer_sdp ();
  EXPECT_NE (reply.body.find ("a=rtcp-fb:102 goog-remb"), std::string::npos)
      << reply.body;
  EXPECT_EQ (reply.body.find ("transport-cc"), std::string::npos)
      << reply.body;
  EXPECT_TRUE (wait_until ([&]() { return viewer.video_height () == 360; },
      15s)) << viewer.video_height ();
  EXPECT_TRUE (wait_until ([&]() { return viewer.video_height () == 180; },
      20s)) << viewer.video_height () << "\n" << gateway->log ();
  // And it keeps decoding there.
  const int frames = viewer.video_frames ();
  EXPECT_TRUE (viewer.wait_video_frames (frames + 25, 10s)) << gateway->log ();
  EXPECT_EQ (rendition_running (*gateway, "180p"), true);
  // At the rendition's keyframe, not by replaying its last GOP.
  EXPECT_NE (gateway->log ().find ("moved from the camera's stream to 180p "
          "at its keyframe"), std::string::npos) << gateway->log ();

  // The link recovers: after the estimate has allowed it for 4 s, the
  // viewer is back on the camera's stream, still decoding.
  viewer.set_remb_bps (5000000);
  EXPECT_TRUE (wait_until ([&]() { return viewer.video_height () == 360; },
      20s)) << viewer.video_height () << "\n" << gateway->log ();
  const int later = viewer.video_frames ();
  EXPECT_TRUE (viewer.wait_video_frames (later + 25, 10s)) << gateway->log ();
  EXPECT_NE (gateway->log ().find ("moved from 180p to the camera's stream"),
      std::string::npos) << gateway->log ();
}

namespace {

// The segments (seg<N>.m4s) a media playlist lists as complete, with the
// wall-clock time of their first picture (PROGRAM-DATE-TIME, in ms).
std::map<uint64_t, int64_t>
listed_segments (const std::string & playlist)
{
  std::map<uint64_t, int64_t> segments;
  std::istringstream lines (playlist);
  std::string line;
  int64_t date_ms = 0;
  const std::string date_tag = "#EXT-X-PROGRAM-DATE-TIME:";
  while (std::getline (lines, line)) {
    if (line.rfind (date_tag, 0) == 0) {
      GDateTime *date = g_date_time_new_from_iso8601 (line.c_str ()
          + date_tag.size (), nullptr);
      date_ms = date ? g_date_time_to_unix (date) * 1000
          + g_date_time_get_microsecond (date) / 1000 : 0;
      if (date)
        g_date_time_unref (date);
    } else if (line.rfind ("seg", 0) == 0) {
      segments[g_ascii_strtoull (line.c_str () + 3, nullptr, 10)] = date_ms;
    }
  }
  return segments;
}

// The video decode time (tfdt of track 1) a CMAF segment starts at.
std::optional<uint64_t>
first_decode_time (const std::string & segment)
{
  namespace isobmff = camgate::isobmff;
  auto data = reinterpret_cast<const uint8_t *> (segment.data ());
  auto moof = isobmff::find_box (data, 0, segment.size (),
      isobmff::fourcc ("moof"));
  isobmff::MovieFragment fragment;
  if (!moof || !isobmff::read_movie_fragment (data, *moof, fragment))
    return std::nullopt;
  for (const auto & traf : fragment.trafs)
    if (traf.track_id == 1 && traf.has_decode_time)
      return traf.decode_time;
  return std::nullopt;
}

// The camera of the LL-HLS/DASH tests: pictures whose bars show a whole
// picture, 1 s GOPs (a rendition's keyframes are matched to the camera's by
// their frames' arrival time: a rendition started late on a loaded machine
// would be a GOP off if timed by when its encoder got going).
const FakeCameraOptions kBarsCamera { .width = 640, .height = 360, .fps = 25,
  .gop_frames = 25, .pattern = "smpte" };

// camgate packaging `camera` for LL-HLS/DASH in 1 s segments, with the
// renditions listed (YAML list items, one per line).
std::unique_ptr<GatewayProcess>
hls_ladder_gateway (const FakeCamera & camera, const TempDir & dir,
    const std::string & renditions)
{
  return GatewayProcess::with_pipelines (dir, { { "cam.yaml",
            "source:\n  uri: " + camera.uri () + "\n  transport: tcp\n"
            "outputs:\n  hls: { part: 200ms, segment: 1s }\n"
            "transcode:\n  renditions:\n" + renditions } });
}

}  // namespace

TEST (Renditions, HlsJsSwitchesBetweenTheCamerasStreamAndItsRenditions)
{
  FakeCamera camera (kBarsCamera);
  ASSERT_TRUE (camera.start ());
  TempDir dir;
  auto gateway = hls_ladder_gateway (camera, dir,
      "    - { name: 240p, height: 240, bitrate: 500k }\n"
      "    - { name: 180p, height: 180, bitrate: 200k, fps: 12 }\n");
  ASSERT_TRUE (gateway->wait_running ("cam")) << gateway->log ();
  // Nothing is encoded for HLS before a player asks.
  chosen_encoder_reason (*gateway, "240p");
  EXPECT_EQ (rendition_running (*gateway, "240p"), false);
  ASSERT_TRUE (wait_until ([&]() { return http_request (gateway->http_port (),
                "GET", "/cam/stream.m3u8").status == 200; }, 15s))
      << gateway->log ();
  // ... nor for a player of the camera's stream alone.
  std::this_thread::sleep_for (1500ms);
  EXPECT_EQ (rendition_running (*gateway, "240p"), false);

  // The multivariant playlist: the camera's own stream and each rendition
  // (started by this request), with what players choose by.
  // (The playlist waits up to 8 s for them, players up to 10 s; this
  // client gives up after 5 s and asks again.)
  HttpReply index;
  ASSERT_TRUE (wait_until ([&]() {
        index = http_request (gateway->http_port (), "GET", "/cam/index.m3u8");
        return index.status == 200
            && index.body.find ("180p/") != std::string::npos;
      }, 30s)) << index.status << " " << index.body << "\n" << gateway->log ();
  EXPECT_NE (index.body.find ("RESOLUTION=640x360"), std::string::npos)
      << index.body;
  EXPECT_NE (index.body.find ("RESOLUTION=426x240"), std::string::npos)
      << index.body;
  EXPECT_NE (index.body.find ("RESOLUTION=320x180"), std::string::npos)
      << index.body;
  EXPECT_NE (index.body.find ("\n240p/stream.m3u8\n"), std::string::npos);
  EXPECT_NE (index.body.find ("\n180p/stream.m3u8\n"), std::string::npos);
  for (const char *key : { "AVERAGE-BANDWIDTH=", "FRAME-RATE=",
          "CODECS=\"avc1.", "mp4a.40.2" })
    EXPECT_NE (index.body.find (key), std::string::npos) << key << "\n"
        << index.body;
  EXPECT_EQ (rendition_running (*gateway, "240p"), true);

  // Segments line up: each rendition's segment N holds the same moment as
  // the camera's (the renditions started seconds later: numbered on their
  // own, they would not) and starts at the same decode time, which is what
  // lets players switch cleanly.
  std::map<uint64_t, int64_t> own_segments;
  std::map<std::string, std::map<uint64_t, int64_t>> their_segments;
  std::set<uint64_t> common;
  ASSERT_TRUE (wait_until ([&]() {
        own_segments = listed_segments (http_request (gateway->http_port (),
                "GET", "/cam/stream.m3u8").body);
        common.clear ();
        for (const auto & [msn, date] : own_segments)
          common.insert (msn);
        for (const char *name : { "240p", "180p" }) {
          auto & theirs = their_segments[name];
          theirs = listed_segments (http_request (gateway->http_port (),
                  "GET", std::string ("/cam/") + name + "/stream.m3u8").body);
          std::set<uint64_t> both;
          for (uint64_t msn : common)
            if (theirs.count (msn))
              both.insert (msn);
          common = both;
        }
        return common.size () >= 2;
      }, 20s)) << gateway->log ();
  for (uint64_t msn : common) {
    for (const char *name : { "240p", "180p" })
      EXPECT_NEAR (their_segments[name][msn], own_segments[msn], 300)
          << name << " segment " << msn;
    const std::string file = "seg" + std::to_string (msn) + ".m4s";
    auto own = first_decode_time (http_request (gateway->http_port (), "GET",
            "/cam/" + file).body);
    ASSERT_TRUE (own) << file;
    for (const char *name : { "240p", "180p" }) {
      auto theirs = first_decode_time (http_request (gateway->http_port (),
              "GET", std::string ("/cam/") + name + "/" + file).body);
      EXPECT_EQ (theirs, own) << name << " " << file;
    }
  }

  // hls.js plays the multivariant playlist and moves down to the lowest
  // level and back up without a stall or an error.
  const std::string command = browser_command ("switch_hls_levels.cjs");
  if (command.empty ())
    GTEST_SKIP () << "node or Debian's chromium is not installed";
  int status = -1;
  const std::string output = run_command (command + " http://127.0.0.1:"
      + std::to_string (gateway->http_port ()) + "/cam/ 60 2>&1", &status);
  EXPECT_EQ (status, 0) << output << "\n" << gateway->log ();
  // (It may start on any level; it ends on the top one, from the lowest.)
  EXPECT_NE (output.find ("360,180,360],"), std::string::npos) << output;
}

TEST (Renditions, DashJsPlaysThemAsRepresentationsOfOneAdaptationSet)
{
  FakeCamera camera (kBarsCamera);
  ASSERT_TRUE (camera.start ());
  TempDir dir;
  auto gateway = hls_ladder_gateway (camera, dir,
      "    - { name: 240p, height: 240, bitrate: 500k }\n");
  ASSERT_TRUE (gateway->wait_running ("cam")) << gateway->log ();
  HttpReply mpd;
  ASSERT_TRUE (wait_until ([&]() {
        mpd = http_request (gateway->http_port (), "GET", "/cam/manifest.mpd");
        return mpd.status == 200
            && mpd.body.find ("id=\"240p\"") != std::string::npos;
      }, 20s)) << mpd.status << " " << mpd.body << "\n" << gateway->log ();
  // The rendition is a Representation beside the camera's video, in its
  // AdaptationSet (the one before the audio's), with its own files.
  const auto video = mpd.body.find ("contentType=\"video\"");
  const auto audio = mpd.body.find ("contentType=\"audio\"");
  const auto rendition = mpd.body.find ("<Representation id=\"240p\"");
  ASSERT_NE (video, std::string::npos) << mpd.body;
  ASSERT_NE (audio, std::string::npos) << mpd.body;
  EXPECT_LT (video, rendition);
  EXPECT_LT (rendition, audio);
  EXPECT_NE (mpd.body.find ("width=\"426\" height=\"240\""), std::string::npos);
  EXPECT_NE (mpd.body.find ("media=\"240p/seg$Number$-1.m4s\""),
      std::string::npos) << mpd.body;
  auto init = http_request (gateway->http_port (), "GET", "/cam/240p/init-1.mp4");
  EXPECT_EQ (init.status, 200);
  // The MPD and the multivariant playlist are the stream's alone; unknown
  // renditions and deeper paths are not found.
  for (const char *path : { "/cam/240p/manifest.mpd", "/cam/240p/index.m3u8",
          "/cam/360p/stream.m3u8", "/cam/240p/x/stream.m3u8", "/cam/240p/" })
    EXPECT_EQ (http_request (gateway->http_port (), "GET", path).status, 404)
        << path;

  const std::string command = browser_command ("play_dash.cjs");
  const char *root = g_getenv ("CAMGATE_SOURCE_ROOT");
  if (command.empty () || !root)
    GTEST_SKIP () << "node or Debian's chromium is not installed";
  int status = -1;
  const std::string output = run_command ("DASHJS=" + std::string (root)
      + "/gateway/web/node_modules/dashjs " + command + " http://127.0.0.1:"
      + std::to_string (gateway->http_port ()) + "/cam/manifest.mpd 16 2>&1",
      &status);
  EXPECT_EQ (status, 0) << output << "\n" << gateway->log ();
}
