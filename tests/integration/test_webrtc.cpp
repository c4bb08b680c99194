// WebRTC through camgate: fake camera (H.264 + G.711) -> camgate -> WHEP
// viewers built on webrtcbin (and headless Chromium); a webrtcbin WHIP
// publisher -> camgate -> an rtspsrc viewer. Real HTTP signalling throughout.
#include "commands.h"
#include "fake_camera.h"
#include "helpers.h"
#include "webrtc_client.h"

#include <gtest/gtest.h>

#include <json-glib/json-glib.h>

using namespace camgate::testing;
using namespace std::chrono_literals;

namespace {

// viewers.webrtc of a stream in the API, or -1.
int
webrtc_viewers (int http_port, const std::string & stream)
{
  auto reply = http_request (http_port, "GET", "/api/v1/streams/" + stream);
  JsonParser *parser = json_parser_new ();
  int n = -1;
  if (json_parser_load_from_data (parser, reply.body.c_str (), -1, nullptr)) {
    JsonObject *root = json_node_get_object (json_parser_get_root (parser));
    JsonObject *viewers = json_object_get_object_member (root, "viewers");
    if (viewers)
      n = (int) json_object_get_int_member (viewers, "webrtc");
  }
  g_object_unref (parser);
  return n;
}

class WebRtc : public ::testing::Test
{
protected:
  void start (const std::string & extra = "", int gop_frames = 30)
  {
    camera_ = std::make_unique<FakeCamera> (FakeCameraOptions { .fps = 15,
            .gop_frames = gop_frames });
    ASSERT_TRUE (camera_->start ());
    gateway_ = GatewayProcess::with_pipelines (dir_, { { "cam.yaml",
              "source:\n  uri: " + camera_->uri () + "\n  transport: tcp\n"
              + extra } });
    ASSERT_TRUE (gateway_->wait_running ("cam")) << gateway_->log ();
    // A warm feed runs once the source delivered its layout; an on-demand
    // one starts with the first viewer.
    if (extra.find ("warm: true") != std::string::npos) {
      ASSERT_TRUE (wait_until ([&]() {
            return gateway_->log ().find ("WebRTC output started")
                != std::string::npos; }, 10s)) << gateway_->log ();
    }
  }

  TempDir dir_;
  std::unique_ptr<FakeCamera> camera_;
  std::unique_ptr<GatewayProcess> gateway_;
};

const char *kPcma = "application/x-rtp,media=audio,encoding-name=PCMA,"
    "payload=8,clock-rate=8000";

}  // namespace

TEST_F (WebRtc, WhepViewerDecodesTheCameraAndDeleteEndsTheSession)
{
  start ();
  WebRtcTestPeer viewer ({});
  auto reply = viewer.connect (gateway_->http_port (), "cam");
  ASSERT_EQ (reply.status, 201) << reply.body << gateway_->log ();
  EXPECT_EQ (header_value (reply, "Content-Type"), "application/sdp");
  EXPECT_EQ (viewer.location ().rfind ("/cam/whep/", 0), 0u);
  EXPECT_FALSE (header_value (reply, "ETag").empty ());
  EXPECT_NE (header_value (reply, "Access-Control-Expose-Headers")
      .find ("Location"), std::string::npos);
  // The answer is complete: candidates are in it, sendonly, our SSRC.
  EXPECT_NE (reply.body.find ("a=candidate:"), std::string::npos) << reply.body;
  EXPECT_NE (reply.body.find ("a=sendonly"), std::string::npos);
  EXPECT_NE (reply.body.find ("H264/90000"), std::string::npos);
  EXPECT_NE (reply.body.find ("a=ssrc:"), std::string::npos);

  // Video decodes, and the camera's G.711 arrives as Opus.
  EXPECT_TRUE (viewer.wait_video_frames (20, 15s)) << gateway_->log ();
  EXPECT_TRUE (wait_until ([&]() { return viewer.audio_buffers () > 10; }, 5s));
  EXPECT_NE (reply.body.find ("OPUS/48000"), std::string::npos);
  EXPECT_EQ (webrtc_viewers (gateway_->http_port (), "cam"), 1);

  EXPECT_EQ (viewer.disconnect (), 200);
  EXPECT_EQ (webrtc_viewers (gateway_->http_port (), "cam"), 0);
  // The session is gone for good.
  EXPECT_EQ (http_request (gateway_->http_port (), "DELETE",
          viewer.location ()).status, 404);
  EXPECT_TRUE (gateway_->running ());
}

TEST_F (WebRtc, G711PassesThroughWhenTheViewerOffersIt)
{
  start ();
  WebRtcTestPeer viewer ({ .audio_caps = kPcma });
  auto reply = viewer.connect (gateway_->http_port (), "cam");
  ASSERT_EQ (reply.status, 201) << reply.body;
  EXPECT_NE (reply.body.find ("PCMA/8000"), std::string::npos) << reply.body;
  EXPECT_TRUE (wait_until ([&]() { return viewer.audio_buffers () > 10; }, 10s));
}

TEST_F (WebRtc, AnOfferWithIceCredentialsPerMlineInTheBundleIsAccepted)
{
  // aiortc's default offer: bundled m-lines, each with its own ICE
  // credentials (webrtcbin alone refuses that).
  start ();
  WebRtcTestPeer viewer ({ .per_mline_ice_credentials = true });
  auto reply = viewer.connect (gateway_->http_port (), "cam");
  ASSERT_EQ (reply.status, 201) << reply.body;
  EXPECT_NE (viewer.offer_sdp ().find ("a=ice-ufrag:own1"), std::string::npos);
  EXPECT_TRUE (viewer.wait_video_frames (10, 15s)) << gateway_->log ();
  EXPECT_TRUE (wait_until ([&]() { return viewer.audio_buffers () > 10; }, 5s));
}

TEST_F (WebRtc, TenViewersAtOnce)
{
  start ();
  std::vector<std::unique_ptr<WebRtcTestPeer>> viewers;
  for (int i = 0; i < 10; i++) {
    viewers.push_back (std::make_unique<WebRtcTestPeer> (
            WebRtcTestPeer::Options { .audio = false }));
    ASSERT_EQ (viewers.back ()->connect (gateway_->http_port (), "cam").status,
        201) << gateway_->log ();
  }
  for (auto & v : viewers)
    EXPECT_TRUE (v->wait_video_frames (15, 20s)) << gateway_->log ();
  EXPECT_EQ (webrtc_viewers (gateway_->http_port (), "cam"), 10);
  for (auto & v : viewers)
    EXPECT_EQ (v->disconnect (), 200);
  EXPECT_EQ (webrtc_viewers (gateway_->http_port (), "cam"), 0);
}

TEST_F (WebRtc, ANewViewerStartsWithoutWaitingForTheNextKeyframe)
{
  // A 4 s GOP: without the kept GOP a viewer would wait up to 4 s. The feed
  // keeps GOPs from the first keyframe it sees: one whole GOP, then 1.5 s
  // into the next.
  start ("outputs:\n  webrtc: { warm: true }\n", 60);
  std::this_thread::sleep_for (5500ms);
  WebRtcTestPeer viewer ({ .audio = false });
  ASSERT_EQ (viewer.connect (gateway_->http_port (), "cam").status, 201);
  EXPECT_TRUE (viewer.wait_video_frames (1, 1500ms)) << "no frame 1.5 s after "
      "the answer, the camera's next keyframe is up to 4 s away";
}

TEST_F (WebRtc, TheFeedStartsWithTheFirstViewer)
{
  start ();
  std::this_thread::sleep_for (1s);
  // No viewer, no WebRTC work for the stream.
  EXPECT_EQ (gateway_->log ().find ("WebRTC output started"), std::string::npos);
  WebRtcTestPeer viewer ({ .audio = false });
  ASSERT_EQ (viewer.connect (gateway_->http_port (), "cam").status, 201);
  EXPECT_TRUE (gateway_->wait_for_log ("WebRTC output started", 5s));
  // The first viewer starts at the camera's next keyframe (GOP 2 s).
  EXPECT_TRUE (viewer.wait_video_frames (10, 10s)) << gateway_->log ();
  // The next one from the feed's kept GOP.
  std::this_thread::sleep_for (2500ms);
  WebRtcTestPeer second ({ .audio = false });
  ASSERT_EQ (second.connect (gateway_->http_port (), "cam").status, 201);
  EXPECT_TRUE (second.wait_video_frames (1, 1500ms));
}

TEST_F (WebRtc, BadRequestsGetClearErrors)
{
  start ("outputs:\n  webrtc: { max-viewers: 1 }\n");
  const int port = gateway_->http_port ();
  const std::vector<std::pair<std::string, std::string>> sdp_type =
      { { "Content-Type", "application/sdp" } };
  // Wrong content type; not SDP; unknown stream.
  EXPECT_EQ (http_request (port, "POST", "/cam/whep", "v=0",
          { { "Content-Type", "text/plain" } }).status, 415);
  auto garbage = http_request (port, "POST", "/cam/whep", "hello", sdp_type);
  EXPECT_EQ (garbage.status, 400);
  EXPECT_NE (garbage.body.find ("not SDP"), std::string::npos) << garbage.body;
  EXPECT_EQ (http_request (port, "POST", "/nope/whep", "v=0", sdp_type).status,
      404);
  // An offer without the camera's codec: 400 naming what the camera sends.
  WebRtcTestPeer vp8 ({ .video_caps = "application/x-rtp,media=video,"
          "encoding-name=VP8,payload=96,clock-rate=90000", .audio = false });
  auto refused = vp8.connect (port, "cam");
  EXPECT_EQ (refused.status, 400);
  EXPECT_NE (refused.body.find ("H264"), std::string::npos) << refused.body;
  // CORS preflight.
  auto preflight = http_request (port, "OPTIONS", "/cam/whep");
  EXPECT_EQ (preflight.status, 204);
  EXPECT_NE (header_value (preflight, "Access-Control-Allow-Methods")
      .find ("PATCH"), std::string::npos);
  // WHIP into a camera stream.
  WebRtcTestPeer publisher ({ .kind = WebRtcTestPeer::Kind::WhipPublisher });
  EXPECT_EQ (publisher.connect (port, "cam").status, 403);

  // Over max-viewers: 503 with Retry-After, and an event says so.
  EventReader events (port);
  ASSERT_TRUE (events.wait_for ("text/event-stream", 10s)) << events.text ();
  WebRtcTestPeer first ({ .audio = false });
  ASSERT_EQ (first.connect (port, "cam").status, 201);
  WebRtcTestPeer second ({ .audio = false });
  auto full = second.connect (port, "cam");
  EXPECT_EQ (full.status, 503);
  EXPECT_FALSE (header_value (full, "Retry-After").empty ());
  EXPECT_TRUE (events.wait_for ("event: viewers.limit\ndata: \\{[^\n]*"
          "\"stream\":\"cam\",\"protocol\":\"WebRTC\",\"of\":\"stream\","
          "\"limit\":\"1\"", 10s)) << events.text ();
  // Trickle PATCH: wrong type 415, right type 204, unknown session 404.
  EXPECT_EQ (http_request (port, "PATCH", first.location (), "x",
          { { "Content-Type", "text/plain" } }).status, 415);
  EXPECT_EQ (http_request (port, "PATCH", first.location (),
          "a=candidate:1 1 UDP 2015363327 127.0.0.1 9 typ host\r\n",
          { { "Content-Type", "application/trickle-ice-sdpfrag" } }).status,
      204);
  EXPECT_EQ (http_request (port, "PATCH", "/cam/whep/nope", "",
          { { "Content-Type", "application/trickle-ice-sdpfrag" } }).status,
      404);
  EXPECT_TRUE (gateway_->running ());
}

TEST (WebRtcIngest, WhipPublisherIsSeenByRtspViewers)
{
  TempDir dir;
  auto gateway = GatewayProcess::with_pipelines (dir,
      { { "live.yaml", "source: whip\n" }, { "cam.yaml", "source: test\n" } });
  ASSERT_TRUE (gateway->ready ()) << gateway->log ();
  WebRtcTestPeer publisher ({ .kind = WebRtcTestPeer::Kind::WhipPublisher });
  auto reply = publisher.connect (gateway->http_port (), "live");
  ASSERT_EQ (reply.status, 201) << reply.body << gateway->log ();
  EXPECT_EQ (publisher.location ().rfind ("/live/whip/", 0), 0u);
  ASSERT_TRUE (gateway->wait_running ("live")) << gateway->log ();

  Viewer viewer (gateway->url ("live"), "tcp");
  EXPECT_TRUE (viewer.wait_frames (15, 20s)) << viewer.error () << gateway->log ();

  // One publisher at a time; none on a stream with a camera source.
  WebRtcTestPeer second ({ .kind = WebRtcTestPeer::Kind::WhipPublisher });
  EXPECT_EQ (second.connect (gateway->http_port (), "live").status, 409);
  WebRtcTestPeer wrong ({ .kind = WebRtcTestPeer::Kind::WhipPublisher });
  EXPECT_EQ (wrong.connect (gateway->http_port (), "cam").status, 403);

  EXPECT_EQ (publisher.disconnect (), 200);
  EXPECT_TRUE (gateway->wait_for_log ("the WHIP publisher left", 5s));
  // The slot is free again; an aiortc-style offer publishes too.
  WebRtcTestPeer again ({ .kind = WebRtcTestPeer::Kind::WhipPublisher,
        .per_mline_ice_credentials = true });
  auto again_reply = again.connect (gateway->http_port (), "live");
  EXPECT_EQ (again_reply.status, 201) << again_reply.body;
  EXPECT_TRUE (wait_until ([&]() {
        const std::string log = gateway->log ();
        const std::string running = "stream live: running";
        auto first = log.find (running);
        return first != std::string::npos
            && log.find (running, first + 1) != std::string::npos; }, 15s))
      << gateway->log ();
  Viewer second_viewer (gateway->url ("live"), "tcp");
  EXPECT_TRUE (second_viewer.wait_frames (5, 20s)) << second_viewer.error ();
}

TEST (WebRtcIngest, AWhipPublisherThatVanishesWithoutDeleteFreesTheStream)
{
  TempDir dir;
  auto gateway = GatewayProcess::with_pipelines (dir,
      { { "live.yaml", "source: whip\n" } });
  ASSERT_TRUE (gateway->ready ()) << gateway->log ();
  WebRtcTestPeer publisher ({ .kind = WebRtcTestPeer::Kind::WhipPublisher });
  ASSERT_EQ (publisher.connect (gateway->http_port (), "live").status, 201);
  ASSERT_TRUE (gateway->wait_running ("live")) << gateway->log ();
  {
    Viewer viewer (gateway->url ("live"), "tcp");
    ASSERT_TRUE (viewer.wait_frames (5, 20s)) << viewer.error ();
  }
  // Its link drops: no DELETE, no media, no RTCP; ICE still looks alive.
  publisher.go_silent ();
  EXPECT_TRUE (gateway->wait_for_log ("the WHIP publisher left", 30s))
      << gateway->log ();
  WebRtcTestPeer next ({ .kind = WebRtcTestPeer::Kind::WhipPublisher });
  EXPECT_EQ (next.connect (gateway->http_port (), "live").status, 201);
  EXPECT_TRUE (gateway->running ());
}

TEST_F (WebRtc, ChromiumPlaysTheWhepPlayerPage)
{
  gchar *node = g_find_program_in_path ("node");
  const char *root = g_getenv ("CAMGATE_SOURCE_ROOT");
  if (!node || !root || !g_file_test ("/usr/bin/chromium", G_FILE_TEST_EXISTS))
    GTEST_SKIP () << "node or Debian's chromium is not installed";
  start ();
  auto page = http_request (gateway_->http_port (), "GET", "/cam/webrtc");
  ASSERT_EQ (page.status, 200);
  EXPECT_NE (page.body.find ("RTCPeerConnection"), std::string::npos);
  int status = -1;
  std::string output = run_command ("PLAYWRIGHT_CORE=" + std::string (root)
      + "/gateway/web/node_modules/playwright-core " + node + " "
      + std::string (root) + "/tests/browser/play_whep.cjs http://127.0.0.1:"
      + std::to_string (gateway_->http_port ()) + "/cam/webrtc 30", &status);
  g_free (node);
  EXPECT_EQ (status, 0) << output << gateway_->log ();
  EXPECT_NE (output.find ("\"width\":320"), std::string::npos) << output;
}

namespace {

// Cameras whose audio reaches the feed in bursts: one AAC frame decodes into
// three 20 ms Opus packets at once; G.711 in 128 ms packets; Opus sent in
// 100 ms clumps (passed through).
struct AudioCase
{
  const char *name;
  const char *audio;               // audiotestsrc onwards, up to pay1
};

const AudioCase kAudioCases[] = {
  { "Aac16kMono", "audiotestsrc is-live=true ! audio/x-raw,rate=16000,"
        "channels=1 ! voaacenc ! rtpmp4gpay name=pay1 pt=97" },
  { "G711In128msPackets", "audiotestsrc is-live=true samplesperbuffer=1024 "
        "! audio/x-raw,rate=8000,channels=1 ! alawenc ! rtppcmapay name=pay1 "
        "pt=8 min-ptime=128000000 max-ptime=128000000" },
  { "OpusInClumps", "audiotestsrc is-live=true samplesperbuffer=4800 "
        "! audio/x-raw,rate=48000,channels=2 ! opusenc frame-size=20 "
        "! rtpopuspay name=pay1 pt=111" },
};

class WebRtcAudio : public ::testing::TestWithParam<AudioCase> {};

}  // namespace

TEST_P (WebRtcAudio, OpusIsTimestampedBySampleCount)
{
  FakeCamera camera ({ .launch = std::string ("( videotestsrc is-live=true "
        "! video/x-raw,width=320,height=240,framerate=15/1 "
        "! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15 "
        "! rtph264pay name=pay0 pt=96 ") + GetParam ().audio + " )" });
  ASSERT_TRUE (camera.start ());
  TempDir dir;
  auto gateway = GatewayProcess::with_pipelines (dir, { { "cam.yaml",
            "source:\n  uri: " + camera.uri () + "\n  transport: tcp\n" } });
  ASSERT_TRUE (gateway->wait_running ("cam")) << gateway->log ();
  WebRtcTestPeer viewer ({});
  auto reply = viewer.connect (gateway->http_port (), "cam");
  ASSERT_EQ (reply.status, 201) << reply.body << gateway->log ();
  ASSERT_NE (reply.body.find ("OPUS/48000"), std::string::npos) << reply.body;
  ASSERT_TRUE (wait_until ([&]() { return viewer.audio_rtp_times ().size ()
              > 150; }, 15s)) << gateway->log ();
  // A receiver plays each packet 20 ms (960 ticks) after the one before;
  // anything else it conceals or stretches.
  auto times = viewer.audio_rtp_times ();
  int steady = 0;
  std::string seen;
  for (size_t i = 1; i < times.size (); i++) {
    const uint32_t step = times[i] - times[i - 1];
    steady += step == 960;
    if (i < 12)
      seen += std::to_string (step) + " ";
  }
  EXPECT_GE (steady, (int) (times.size () - 1) * 97 / 100) << steady << " of "
      << times.size () - 1 << " steps are 960; the first: " << seen;
}

TEST (WebRtcAudioInChromium, AnAacCamerasAudioPlaysWithoutConcealment)
{
  const std::string browser = browser_command ("play_whep.cjs");
  if (browser.empty ())
    GTEST_SKIP () << "node or Debian's chromium is not installed";
  FakeCamera camera ({ .launch = std::string ("( videotestsrc is-live=true "
        "pattern=ball ! video/x-raw,width=320,height=240,framerate=15/1 "
        "! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15 "
        "! rtph264pay name=pay0 pt=96 ") + kAudioCases[0].audio + " )" });
  ASSERT_TRUE (camera.start ());
  TempDir dir;
  auto gateway = GatewayProcess::with_pipelines (dir, { { "cam.yaml",
            "source:\n  uri: " + camera.uri () + "\n  transport: tcp\n" } });
  ASSERT_TRUE (gateway->wait_running ("cam")) << gateway->log ();
  int status = -1;
  std::string output = run_command (browser + " http://127.0.0.1:"
      + std::to_string (gateway->http_port ()) + "/cam/webrtc 30 audio",
      &status);
  EXPECT_EQ (status, 0) << output;
  EXPECT_NE (output.find ("\"concealed_fraction\""), std::string::npos)
      << output;
}

INSTANTIATE_TEST_SUITE_P (Matrix, WebRtcAudio,
    ::testing::ValuesIn (kAudioCases),
    [](const ::testing::TestParamInfo<AudioCase> & info) {
      return std::string (info.param.name);
    });

TEST (WebRtcCodecs, H265CameraWithAacPlaysToH265ViewersAndAsH264ToOthers)
{
  FakeCamera camera ({ .launch = "( videotestsrc is-live=true "
        "! video/x-raw,width=320,height=240,framerate=15/1 "
        "! x265enc tune=zerolatency speed-preset=ultrafast key-int-max=15 "
        "! h265parse config-interval=-1 ! rtph265pay name=pay0 pt=96 "
        "audiotestsrc is-live=true ! audio/x-raw,rate=16000,channels=1 "
        "! voaacenc ! rtpmp4gpay name=pay1 pt=97 )" });
  ASSERT_TRUE (camera.start ());
  TempDir dir;
  auto gateway = GatewayProcess::with_pipelines (dir, { { "hevc.yaml",
            "source:\n  uri: " + camera.uri () + "\n  transport: tcp\n" } });
  ASSERT_TRUE (gateway->wait_running ("hevc")) << gateway->log ();

  // A browser with neither H.265 nor H.264: a reason, not a black screen.
  WebRtcTestPeer vp8_only ({ .video_caps = "application/x-rtp,media=video,"
          "encoding-name=VP8,payload=96,clock-rate=90000" });
  auto refused = vp8_only.connect (gateway->http_port (), "hevc");
  EXPECT_EQ (refused.status, 400);
  EXPECT_NE (refused.body.find ("the camera sends H265"), std::string::npos)
      << refused.body;

  // A browser without H.265 gets the camera's picture as H.264, encoded
  // only while someone watches it, at the camera's size.
  {
    WebRtcTestPeer h264_only ({});
    auto reply = h264_only.connect (gateway->http_port (), "hevc");
    ASSERT_EQ (reply.status, 201) << reply.body << gateway->log ();
    EXPECT_NE (reply.body.find ("H264/90000"), std::string::npos);
    EXPECT_EQ (h264_only.location ().rfind ("/hevc/whep/", 0), 0u);
    EXPECT_TRUE (h264_only.wait_video_frames (20, 20s)) << gateway->log ();
    EXPECT_EQ (h264_only.video_width (), 320);
    EXPECT_EQ (h264_only.video_height (), 240);
    EXPECT_TRUE (wait_until ([&]() {
          return h264_only.audio_buffers () > 10; }, 5s));
    // The API says it runs, and at what.
    auto api = http_request (gateway->http_port (), "GET",
        "/api/v1/streams/hevc");
    JsonParser *parser = json_parser_new ();
    ASSERT_TRUE (json_parser_load_from_data (parser, api.body.c_str (), -1,
            nullptr)) << api.body;
    JsonArray *renditions = json_object_get_array_member (json_node_get_object
        (json_parser_get_root (parser)), "renditions");
    ASSERT_EQ (json_array_get_length (renditions), 1u) << api.body;
    JsonObject *h264 = json_array_get_object_element (renditions, 0);
    EXPECT_STREQ (json_object_get_string_member (h264, "name"), "h264");
    EXPECT_TRUE (json_object_get_boolean_member (h264, "automatic"));
    EXPECT_TRUE (json_object_get_boolean_member (h264, "running"));
    EXPECT_EQ (json_object_get_int_member (h264, "height"), 240);
    EXPECT_EQ (json_object_get_int_member (h264, "viewers"), 1);
    g_object_unref (parser);
    // The rendition's feed serves it; the camera's own did not start.
    EXPECT_NE (gateway->log ().find ("stream hevc: WebRTC h264 output "
            "started"), std::string::npos) << gateway->log ();
    EXPECT_EQ (gateway->log ().find ("stream hevc: WebRTC output started"),
        std::string::npos) << gateway->log ();
    EXPECT_EQ (h264_only.disconnect (), 200);
  }

  // H.265 offered: passed through; the camera's AAC arrives as Opus.
  WebRtcTestPeer viewer ({ .video_caps = "application/x-rtp,media=video,"
          "encoding-name=H265,payload=100,clock-rate=90000" });
  auto reply = viewer.connect (gateway->http_port (), "hevc");
  ASSERT_EQ (reply.status, 201) << reply.body << gateway->log ();
  EXPECT_NE (reply.body.find ("H265/90000"), std::string::npos);
  EXPECT_NE (reply.body.find ("OPUS/48000"), std::string::npos);
  EXPECT_TRUE (viewer.wait_video_frames (10, 15s)) << gateway->log ();
  EXPECT_TRUE (wait_until ([&]() { return viewer.audio_buffers () > 10; }, 5s));
}

TEST (WebRtcCodecs, BFramesAreReportedInTheHealth)
{
  TempDir dir;
  auto gateway = GatewayProcess::with_pipelines (dir, { { "bframes.yaml",
            "source:\n  pipeline: >-\n"
            "    videotestsrc is-live=true ! video/x-raw,width=320,height=240,"
            "framerate=15/1 ! x264enc speed-preset=ultrafast bframes=2 "
            "key-int-max=15 ! h264parse\n"
            // The WebRTC feed is what parses the slices.
            "outputs:\n  webrtc: { warm: true }\n" } });
  ASSERT_TRUE (gateway->wait_running ("bframes")) << gateway->log ();
  EXPECT_TRUE (wait_until ([&]() {
        return http_request (gateway->http_port (), "GET",
            "/api/v1/streams/bframes").body.find ("\"b-frames\"")
            != std::string::npos; }, 10s)) << gateway->log ();
}

TEST_F (WebRtc, AViewerThatVanishesWithoutDeleteIsFreed)
{
  start ();
  {
    WebRtcTestPeer viewer ({ .audio = false });
    ASSERT_EQ (viewer.connect (gateway_->http_port (), "cam").status, 201);
    ASSERT_TRUE (viewer.wait_video_frames (5, 10s));
    EXPECT_EQ (webrtc_viewers (gateway_->http_port (), "cam"), 1);
  }  // gone: no DELETE, no more RTCP or ICE consent
  EXPECT_TRUE (wait_until ([&]() {
        return webrtc_viewers (gateway_->http_port (), "cam") == 0; }, 30s))
      << gateway_->log ();
  EXPECT_TRUE (gateway_->running ());
}

namespace {

// How a camera's encoder may shape H.264 (the matrix): what the
// browser shows must be the picture the camera drew.
struct EncoderCase
{
  const char *name;
  int width, height, fps;
  const char *encoder;             // x264enc and what follows, up to pay0
};

const EncoderCase kEncoderCases[] = {
  // x264's sliced threads (tune=zerolatency): four slices per picture.
  { "FourSlicesPerPicture", 640, 480, 15, "x264enc tune=zerolatency "
        "speed-preset=ultrafast bitrate=800 key-int-max=30 threads=4 "
        "! h264parse config-interval=-1" },
  { "EightSlicesAt720p", 1280, 720, 15, "x264enc tune=zerolatency "
        "speed-preset=ultrafast bitrate=3000 key-int-max=30 threads=8 "
        "! h264parse config-interval=-1" },
  // Straight from the encoder to the payloader, as in many cameras: the
  // payloader repeats SPS/PPS before every slice of a keyframe.
  { "ParameterSetsBeforeEverySlice", 640, 480, 15, "x264enc "
        "tune=zerolatency speed-preset=ultrafast bitrate=800 key-int-max=30 "
        "threads=4 ! rtph264pay config-interval=-1 name=pay0 pt=96" },
  // Parameter sets only in the SDP (sprop-parameter-sets), never in band.
  { "ParameterSetsOnlyInTheSdp", 320, 240, 15, "x264enc tune=zerolatency "
        "speed-preset=ultrafast bitrate=300 key-int-max=30 "
        "! video/x-h264,stream-format=avc ! h264parse config-interval=0" },
  // 30 fps with a 4 s GOP and two slices.
  { "LongGopAt30Fps", 320, 240, 30, "x264enc tune=zerolatency "
        "speed-preset=ultrafast bitrate=300 key-int-max=120 threads=2 "
        "! h264parse config-interval=-1" },
};

class WebRtcEncoders : public ::testing::TestWithParam<EncoderCase> {};

}  // namespace

TEST_P (WebRtcEncoders, ChromiumShowsTheCamerasPicture)
{
  const std::string browser = browser_command ("play_whep.cjs");
  if (browser.empty ())
    GTEST_SKIP () << "node or Debian's chromium is not installed";
  const EncoderCase & c = GetParam ();
  FakeCamera camera ({ .launch = "( videotestsrc is-live=true pattern=smpte "
          "! video/x-raw,format=I420,width=" + std::to_string (c.width)
          + ",height=" + std::to_string (c.height) + ",framerate="
          + std::to_string (c.fps) + "/1 ! " + c.encoder
          + (std::string (c.encoder).find ("pay0") == std::string::npos
              ? " ! rtph264pay name=pay0 pt=96 )" : " )") });
  ASSERT_TRUE (camera.start ());
  TempDir dir;
  auto gateway = GatewayProcess::with_pipelines (dir, { { "cam.yaml",
            "source:\n  uri: " + camera.uri () + "\n  transport: tcp\n" } });
  ASSERT_TRUE (gateway->wait_running ("cam")) << gateway->log ();
  int status = -1;
  std::string output = run_command (browser + " http://127.0.0.1:"
      + std::to_string (gateway->http_port ()) + "/cam/webrtc 30 smpte",
      &status);
  EXPECT_EQ (status, 0) << output << gateway->log ();
  EXPECT_NE (output.find ("\"width\":" + std::to_string (c.width)),
      std::string::npos) << output;
}

INSTANTIATE_TEST_SUITE_P (Matrix, WebRtcEncoders,
    ::testing::ValuesIn (kEncoderCases),
    [](const ::testing::TestParamInfo<EncoderCase> & info) {
      return std::string (info.param.name);
    });

TEST (WebRtcCodecs, H264CopiesOfH265CamerasEncodeAtMostTheConfiguredNumber)
{
  const std::string hevc = "source:\n  pipeline: >-\n"
      "    videotestsrc is-live=true ! video/x-raw,format=I420,width=160,"
      "height=120,framerate=10/1 ! x265enc tune=zerolatency "
      "speed-preset=ultrafast key-int-max=10 ! h265parse\n";
  TempDir pipelines, settings;
  settings.write ("gateway.yaml", "webrtc:\n  max-h264-transcodes: 1\n");
  auto gateway = GatewayProcess::with_pipelines (pipelines, { { "a.yaml",
            hevc }, { "b.yaml", hevc } }, { "--config", settings.path ()
          + "/gateway.yaml" });
  ASSERT_TRUE (gateway->wait_running ("a")) << gateway->log ();
  ASSERT_TRUE (gateway->wait_running ("b")) << gateway->log ();
  // Not an RTSP mount: RTSP players take the camera's H.265.
  EXPECT_FALSE (Viewer (gateway->url ("a") + "/h264", "tcp").wait_frames (1,
          3s));

  // H.264-only viewers: one of a's runs; b's is answered and waits.
  auto first = std::make_unique<WebRtcTestPeer> (WebRtcTestPeer::Options {
        .audio = false });
  ASSERT_EQ (first->connect (gateway->http_port (), "a").status, 201);
  ASSERT_TRUE (first->wait_video_frames (10, 20s)) << gateway->log ();
  WebRtcTestPeer waiting ({ .audio = false });
  ASSERT_EQ (waiting.connect (gateway->http_port (), "b").status, 201);
  EXPECT_TRUE (gateway->wait_for_log ("stream b: rendition h264 waits", 10s))
      << gateway->log ();
  EXPECT_EQ (waiting.video_frames (), 0);

  // Once a's has stopped (its viewer gone, 5 s later), b's runs and its
  // viewer gets the picture.
  EXPECT_EQ (first->disconnect (), 200);
  first.reset ();
  EXPECT_TRUE (waiting.wait_video_frames (10, 25s)) << gateway->log ();
  EXPECT_EQ (waiting.video_height (), 120);
}
