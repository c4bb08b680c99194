// LL-HLS and DASH through camgate: fake camera (H.264 + G.711) -> camgate ->
// HTTP, checked against the LL-HLS server rules.
#include "commands.h"
#include "fake_camera.h"
#include "helpers.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <optional>
#include <regex>
#include <set>
#include <thread>

using namespace camgate::testing;
using namespace std::chrono_literals;

namespace {

// The part the preload hint names, and where it will sit: part `part` of
// segment `msn` (the open one; a part past its end is the next segment's
// first, as _HLS_part allows).
struct Hint
{
  std::string uri;
  uint64_t msn = 0;
  unsigned part = 0;
};

size_t
count (const std::string & text, const std::string & what, size_t from = 0)
{
  size_t n = 0;
  for (size_t at = text.find (what, from); at != std::string::npos;
      at = text.find (what, at + 1))
    n++;
  return n;
}

std::optional<Hint>
preload_hint (const std::string & playlist)
{
  std::smatch m;
  static const std::regex hint_re ("PRELOAD-HINT:TYPE=PART,URI=\"(part[0-9]+\\.m4s)\"");
  static const std::regex sequence_re ("#EXT-X-MEDIA-SEQUENCE:([0-9]+)\n");
  if (!std::regex_search (playlist, m, hint_re))
    return std::nullopt;
  Hint hint { m[1].str () };
  if (!std::regex_search (playlist, m, sequence_re))
    return std::nullopt;
  hint.msn = std::stoull (m[1]) + count (playlist, "#EXTINF:");
  size_t last_segment = playlist.rfind ("#EXTINF:");
  hint.part = count (playlist, "#EXT-X-PART:",
      last_segment == std::string::npos ? 0 : last_segment);
  return hint;
}

class Hls : public ::testing::Test
{
protected:
  void SetUp () override
  {
    ASSERT_TRUE (camera_.start ());
    gateway_ = GatewayProcess::with_pipelines (dir_, { { "cam.yaml",
              "source:\n  uri: " + camera_.uri () + "\n  transport: tcp\n"
              "outputs:\n  hls: { part: 200ms, segment: 1s, window: 10 }\n" } });
    ASSERT_TRUE (gateway_->wait_running ("cam")) << gateway_->log ();
    ASSERT_TRUE (wait_until ([&]() { return get ("stream.m3u8").status == 200; },
            10s)) << gateway_->log ();
  }

  HttpReply get (const std::string & file)
  {
    return http_request (gateway_->http_port (), "GET", "/cam/" + file);
  }

  FakeCamera camera_ { { .fps = 15, .gop_frames = 15 } };
  TempDir dir_;
  std::unique_ptr<GatewayProcess> gateway_;
};

}  // namespace

TEST_F (Hls, PlaylistsFollowTheLowLatencyRules)
{
  std::this_thread::sleep_for (3s);
  auto multivariant = get ("index.m3u8");
  ASSERT_EQ (multivariant.status, 200);
  EXPECT_NE (multivariant.headers.find ("application/vnd.apple.mpegurl"),
      std::string::npos);
  EXPECT_NE (multivariant.headers.find ("Access-Control-Allow-Origin: *"),
      std::string::npos);
  // The camera's G.711 is served as AAC.
  EXPECT_NE (multivariant.body.find ("CODECS=\"avc1."), std::string::npos)
      << multivariant.body;
  EXPECT_NE (multivariant.body.find (",mp4a.40.2\""), std::string::npos)
      << multivariant.body;
  EXPECT_NE (multivariant.body.find ("RESOLUTION=320x240"), std::string::npos);

  std::string media = get ("stream.m3u8").body;
  EXPECT_NE (media.find ("#EXT-X-TARGETDURATION:1\n"), std::string::npos)
      << media;
  EXPECT_NE (media.find ("#EXT-X-PART-INF:PART-TARGET=0.20000\n"),
      std::string::npos);
  EXPECT_NE (media.find ("CAN-BLOCK-RELOAD=YES"), std::string::npos);
  EXPECT_NE (media.find ("PART-HOLD-BACK=0.60000"), std::string::npos);
  EXPECT_NE (media.find ("#EXT-X-MAP:URI=\"init.mp4\""), std::string::npos);

  std::regex part_re ("#EXT-X-PART:DURATION=([0-9.]+),URI=\"part([0-9]+)\\.m4s\"");
  long last_number = -1;
  int parts = 0;
  for (auto it = std::sregex_iterator (media.begin (), media.end (), part_re);
      it != std::sregex_iterator (); ++it, parts++) {
    EXPECT_LE (std::stod ((*it)[1]), 0.2 + 1e-9) << (*it)[0];
    // Parts are numbered one after another, across segments.
    long number = std::stol ((*it)[2]);
    if (last_number >= 0) {
      EXPECT_EQ (number, last_number + 1) << (*it)[0];
    }
    last_number = number;
  }
  EXPECT_GT (parts, 5);
  std::regex extinf_re ("#EXTINF:([0-9.]+),");
  for (auto it = std::sregex_iterator (media.begin (), media.end (), extinf_re);
      it != std::sregex_iterator (); ++it)
    EXPECT_LE (std::lround (std::stod ((*it)[1])), 1) << (*it)[0];
  size_t segments = 0, pdts = 0;
  for (size_t at = media.find ("#EXTINF"); at != std::string::npos;
      at = media.find ("#EXTINF", at + 1))
    segments++;
  for (size_t at = media.find ("PROGRAM-DATE-TIME"); at != std::string::npos;
      at = media.find ("PROGRAM-DATE-TIME", at + 1))
    pdts++;
  EXPECT_GE (pdts, segments);                 // every segment has a PDT

  // The hinted part resolves: the request waits until it is complete.
  auto hint = preload_hint (media);
  ASSERT_TRUE (hint);
  auto start = std::chrono::steady_clock::now ();
  auto part = get (hint->uri);
  EXPECT_EQ (part.status, 200);
  EXPECT_NE (part.headers.find ("video/mp4"), std::string::npos);
  EXPECT_LT (std::chrono::steady_clock::now () - start, 1s);
}

// A low-latency camera at 30 fps with a 2 s GOP and the default part and
// segment settings: no part is longer than PART-TARGET, and within a
// segment every part but the last is a whole target long (frame timing, not
// arrival, decides where a part ends).
TEST (HlsParts, FollowThePartTargetAt30FpsWithATwoSecondGop)
{
  FakeCamera camera ({ .fps = 30, .gop_frames = 60 });
  ASSERT_TRUE (camera.start ());
  TempDir dir;
  auto gateway = GatewayProcess::with_pipelines (dir, { { "cam.yaml",
            "source: { uri: " + camera.uri () + " }\noutputs: { hls: true }\n" } });
  ASSERT_TRUE (gateway->wait_running ("cam")) << gateway->log ();
  std::string media;
  ASSERT_TRUE (wait_until ([&] {
        media = http_request (gateway->http_port (), "GET",
            "/cam/stream.m3u8").body;
        return count (media, "#EXTINF:") >= 3;
      }, 20s)) << media << gateway->log ();

  std::smatch m;
  ASSERT_TRUE (std::regex_search (media, m,
          std::regex ("PART-TARGET=([0-9.]+)"))) << media;
  const double target = std::stod (m[1]);
  static const std::regex part_re ("#EXT-X-PART:DURATION=([0-9.]+)");
  // Segments whose parts the playlist lists in full (it may begin mid-way).
  size_t complete = 0;
  size_t segment_start = media.find ("#EXT-X-PART:");
  for (size_t end = media.find ("#EXTINF:", segment_start);
      end != std::string::npos; end = media.find ("#EXTINF:", end + 1)) {
    std::vector<double> parts;
    std::string segment = media.substr (segment_start, end - segment_start);
    for (auto it = std::sregex_iterator (segment.begin (), segment.end (),
            part_re); it != std::sregex_iterator (); ++it)
      parts.push_back (std::stod ((*it)[1]));
    segment_start = end + 1;
    if (parts.empty ())
      continue;
    complete++;
    for (size_t i = 0; i < parts.size (); i++) {
      EXPECT_LE (parts[i], target + 1e-9) << "part " << i << "\n" << segment;
      if (i + 1 < parts.size ()) {
        EXPECT_GE (parts[i], target - 0.034) << "part " << i << "\n"
            << segment;
      }
    }
  }
  EXPECT_GE (complete, 2u) << media;
}

TEST (HlsParts, TheTargetDurationNeverChanges)
{
  // Keyframes every 3 s, segments asked for 2 s: the target duration is
  // the camera's from the first playlist served, and stays so.
  FakeCamera camera ({ .fps = 30, .gop_frames = 90 });
  ASSERT_TRUE (camera.start ());
  TempDir dir;
  auto gateway = GatewayProcess::with_pipelines (dir, { { "cam.yaml",
            "source: { uri: " + camera.uri () + " }\n"
            "outputs: { hls: { segment: 2s } }\n" } });
  ASSERT_TRUE (gateway->wait_running ("cam")) << gateway->log ();
  std::set<std::string> targets;
  std::string media;
  static const std::regex target_re ("#EXT-X-TARGETDURATION:([0-9]+)\n");
  static const std::regex extinf_re ("#EXTINF:([0-9.]+),");
  EXPECT_TRUE (wait_until ([&] {
        auto reply = http_request (gateway->http_port (), "GET",
            "/cam/stream.m3u8");
        std::smatch m;
        if (reply.status != 200 || !std::regex_search (reply.body, m,
                target_re))
          return false;
        media = reply.body;
        targets.insert (m[1]);
        for (auto it = std::sregex_iterator (media.begin (), media.end (),
                extinf_re); it != std::sregex_iterator (); ++it)
          EXPECT_LE (std::lround (std::stod ((*it)[1])), std::stol (m[1]))
              << media;
        return count (media, "#EXTINF:") >= 3;
      }, 25s)) << media << gateway->log ();
  EXPECT_EQ (targets.size (), 1u) << "seen: " << *targets.begin () << " .. "
      << *targets.rbegin ();
  EXPECT_EQ (*targets.begin (), "3");
}

TEST_F (Hls, TheSegmentBeingBuiltIsSentAsItsPartsArrive)
{
  // DASH's availabilityTimeOffset tells players to fetch a segment before
  // it is complete: its parts must flow as they are written, not all at
  // the end (dash.js rebuffered a third of the time). The same holds for
  // each track's view of it (DASH's AdaptationSets).
  std::string media;
  ASSERT_TRUE (wait_until ([&] {
        media = get ("stream.m3u8").body;
        return count (media, "#EXTINF:") >= 1; }, 10s)) << media;
  auto hint = preload_hint (media);
  ASSERT_TRUE (hint);
  // Each request reads its segment to the end, by when the next is open.
  const std::vector<std::string> files = {
    "seg" + std::to_string (hint->msn) + ".m4s",
    "seg" + std::to_string (hint->msn + 1) + "-1.m4s",
    "seg" + std::to_string (hint->msn + 2) + "-2.m4s" };
  for (const std::string & open : files) {
    SCOPED_TRACE (open);
    GSocketClient *client = g_socket_client_new ();
    GSocketConnection *conn = g_socket_client_connect_to_host (client,
        "127.0.0.1", gateway_->http_port (), nullptr, nullptr);
    ASSERT_NE (conn, nullptr);
    const std::string request = "GET /cam/" + open + " HTTP/1.1\r\nHost: "
        "127.0.0.1\r\nConnection: close\r\n\r\n";
    g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM
            (conn)), request.data (), request.size (), nullptr, nullptr,
        nullptr);
    GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
    const auto asked = std::chrono::steady_clock::now ();
    std::vector<std::chrono::milliseconds> arrivals;
    std::string raw;
    char buffer[4096];
    gssize n;
    while ((n = g_input_stream_read (in, buffer, sizeof buffer, nullptr,
                nullptr)) > 0) {
      raw.append (buffer, n);
      arrivals.push_back (std::chrono::duration_cast<
          std::chrono::milliseconds> (std::chrono::steady_clock::now ()
              - asked));
    }
    g_object_unref (conn);
    g_object_unref (client);
    ASSERT_EQ (raw.rfind ("HTTP/1.1 200", 0), 0u) << raw.substr (0, 200);
    EXPECT_NE (raw.find ("Transfer-Encoding: chunked"), std::string::npos);
    // Bytes came in several reads spread over the segment's second, the
    // first well before the last.
    ASSERT_GE (arrivals.size (), 2u);
    EXPECT_GE ((arrivals.back () - arrivals.front ()).count (), 300)
        << "first " << arrivals.front ().count () << " ms, last "
        << arrivals.back ().count () << " ms";
    // De-chunked, it is the segment as stored once complete.
    std::string body;
    for (size_t at = raw.find ("\r\n\r\n") + 4; at < raw.size ();) {
      size_t line = raw.find ("\r\n", at);
      ASSERT_NE (line, std::string::npos);
      const size_t size = std::stoul (raw.substr (at, line - at), nullptr, 16);
      if (size == 0)
        break;
      body += raw.substr (line + 2, size);
      at = line + 2 + size + 2;
    }
    auto whole = get (open);
    ASSERT_EQ (whole.status, 200);
    EXPECT_TRUE (body == whole.body) << body.size () << " vs "
        << whole.body.size ();
  }
}

TEST_F (Hls, TokenParameterIsPassedOnButNeverInjected)
{
  auto multivariant = get ("index.m3u8?token=abc.DEF_-1");
  ASSERT_EQ (multivariant.status, 200);
  EXPECT_NE (multivariant.body.find ("stream.m3u8?token=abc.DEF_-1"),
      std::string::npos) << multivariant.body;
  // Not a token: left out, never copied into the playlist.
  auto injected = get ("index.m3u8?token=abc%0A%23EXT-X-EVIL");
  ASSERT_EQ (injected.status, 200);
  EXPECT_EQ (injected.body.find ("EVIL"), std::string::npos) << injected.body;
  EXPECT_EQ (injected.body.find ("token="), std::string::npos);
}

TEST_F (Hls, BlockingReloadSkipAndErrors)
{
  std::string media = get ("stream.m3u8").body;
  auto hint = preload_hint (media);
  ASSERT_TRUE (hint);
  // Ask for the part that does not exist yet: answered once it does.
  std::string query = "stream.m3u8?_HLS_msn=" + std::to_string (hint->msn)
      + "&_HLS_part=" + std::to_string (hint->part);
  auto start = std::chrono::steady_clock::now ();
  auto blocked = get (query);
  auto waited = std::chrono::steady_clock::now () - start;
  ASSERT_EQ (blocked.status, 200);
  EXPECT_LT (waited, 1s);
  EXPECT_NE (blocked.body.find ("URI=\"" + hint->uri + "\""),
      std::string::npos) << blocked.body;

  // The segment still being built (as a DASH client asks for it): waits.
  media = get ("stream.m3u8").body;
  auto open = preload_hint (media);
  ASSERT_TRUE (open);
  start = std::chrono::steady_clock::now ();
  EXPECT_EQ (get ("seg" + std::to_string (open->msn) + ".m4s").status, 200);
  EXPECT_LT (std::chrono::steady_clock::now () - start, 2s);

  EXPECT_EQ (get ("stream.m3u8?_HLS_msn=" + std::to_string (hint->msn + 5))
      .status, 400);
  EXPECT_EQ (get ("stream.m3u8?_HLS_part=1").status, 400);
  EXPECT_EQ (get ("stream.m3u8?_HLS_msn=abc").status, 400);
  EXPECT_EQ (get ("seg999999.m4s").status, 404);
  EXPECT_EQ (http_request (gateway_->http_port (), "POST", "/cam/stream.m3u8")
      .status, 405);

  // Delta update once there is more than the skip boundary (6 s) of media.
  ASSERT_TRUE (wait_until ([&]() {
            return get ("stream.m3u8?_HLS_skip=YES").body.find ("#EXT-X-SKIP:")
                != std::string::npos;
          }, 15s)) << get ("stream.m3u8").body;
  auto delta = get ("stream.m3u8?_HLS_skip=YES").body;
  auto full = get ("stream.m3u8").body;
  EXPECT_LT (delta.size (), full.size ());

  // The camera stops: a blocked request gives up after 3 target durations.
  media = get ("stream.m3u8").body;
  hint = preload_hint (media);
  ASSERT_TRUE (hint);
  camera_.set_sending_video (false);
  camera_.stop ();
  std::this_thread::sleep_for (500ms);
  media = get ("stream.m3u8").body;
  hint = preload_hint (media);
  start = std::chrono::steady_clock::now ();
  auto timed_out = get ("stream.m3u8?_HLS_msn=" + std::to_string (hint->msn)
      + "&_HLS_part=" + std::to_string (hint->part + 1));
  EXPECT_EQ (timed_out.status, 503) << timed_out.body;
  EXPECT_GE (std::chrono::steady_clock::now () - start, 2500ms);
  EXPECT_TRUE (gateway_->running ());
}

TEST_F (Hls, SegmentsAndDashDecode)
{
  std::this_thread::sleep_for (2500ms);
  std::string media = get ("stream.m3u8").body;
  std::smatch m;
  ASSERT_TRUE (std::regex_search (media, m, std::regex ("\n(seg[0-9]+\\.m4s)\n")))
      << media;
  auto init = get ("init.mp4");
  auto segment = get (m[1]);
  ASSERT_EQ (init.status, 200);
  ASSERT_EQ (segment.status, 200);

  std::vector<uint8_t> joined (init.body.begin (), init.body.end ());
  joined.insert (joined.end (), segment.body.begin (), segment.body.end ());
  std::string output = ffprobe_frames (joined);
  if (!output.empty ()) {
    EXPECT_NE (output.find ("h264,15"), std::string::npos) << output;
    EXPECT_NE (output.find ("aac,"), std::string::npos) << output;
    EXPECT_EQ (output.find ("rror"), std::string::npos) << output;
  }

  auto mpd = get ("manifest.mpd");
  ASSERT_EQ (mpd.status, 200);
  EXPECT_NE (mpd.headers.find ("application/dash+xml"), std::string::npos);
  ASSERT_TRUE (std::regex_search (mpd.body, m, std::regex ("startNumber=\"([0-9]+)\"")))
      << mpd.body;
  // Audio and video are separate AdaptationSets, each with its own
  // track's files; the MPD's first segment is a file the server has.
  std::smatch video, audio;
  ASSERT_TRUE (std::regex_search (mpd.body, video, std::regex (
          "contentType=\"video\"[\\s\\S]*?initialization=\"(init-[0-9]+\\.mp4)\" "
          "media=\"seg\\$Number\\$(-[0-9]+)\\.m4s\""))) << mpd.body;
  ASSERT_TRUE (std::regex_search (mpd.body, audio, std::regex (
          "contentType=\"audio\"[\\s\\S]*?codecs=\"mp4a[\\s\\S]*?initialization=\""
          "(init-[0-9]+\\.mp4)\" media=\"seg\\$Number\\$(-[0-9]+)\\.m4s\"")))
      << mpd.body;
  for (bool is_video : { true, false }) {
    const std::smatch & track = is_video ? video : audio;
    auto header = get (track[1]);
    auto first = get ("seg" + m[1].str () + track[2].str () + ".m4s");
    ASSERT_EQ (header.status, 200) << track[1];
    ASSERT_EQ (first.status, 200);
    std::vector<uint8_t> file (header.body.begin (), header.body.end ());
    file.insert (file.end (), first.body.begin (), first.body.end ());
    std::string frames = ffprobe_frames (file);
    if (frames.empty ())
      continue;
    // One track per file.
    EXPECT_EQ (frames.find (is_video ? "aac," : "h264,"),
        std::string::npos) << frames;
    EXPECT_NE (frames.find (is_video ? "h264,15" : "aac,"),
        std::string::npos) << frames;
    EXPECT_EQ (frames.find ("rror"), std::string::npos) << frames;
  }

  // A DASH client (ffmpeg's) reads the live MPD: it finds both tracks and
  // decodes them without complaint.
  if (have_program ("ffmpeg")) {
    const std::string url = "http://127.0.0.1:"
        + std::to_string (gateway_->http_port ()) + "/cam/manifest.mpd";
    std::string probe = run_command ("ffprobe -v error -show_entries "
        "stream=codec_name,width -of csv=p=0 " + url + " 2>&1");
    EXPECT_NE (probe.find ("h264,320"), std::string::npos) << probe;
    EXPECT_NE (probe.find ("aac"), std::string::npos) << probe;
    EXPECT_EQ (probe.find ("rror"), std::string::npos) << probe;
    int status = -1;
    std::string decode = run_command ("timeout 20 ffmpeg -nostdin -v error "
        "-i " + url + " -t 2 -f null - 2>&1", &status);
    EXPECT_EQ (status, 0) << decode;
    EXPECT_EQ (decode.find ("rror"), std::string::npos) << decode;
  }
}

TEST_F (Hls, ManyBlockedRequestsAreAnsweredOrForgotten)
{
  auto hint = preload_hint (get ("stream.m3u8").body);
  ASSERT_TRUE (hint);
  // 200 players wait for the next part at once; half of them give up.
  std::string request = "GET /cam/stream.m3u8?_HLS_msn="
      + std::to_string (hint->msn) + "&_HLS_part="
      + std::to_string (hint->part) + " HTTP/1.0\r\n\r\n";
  GSocketClient *client = g_socket_client_new ();
  std::vector<GSocketConnection *> connections;
  for (int i = 0; i < 200; i++) {
    GSocketConnection *c = g_socket_client_connect_to_host (client,
        "127.0.0.1", gateway_->http_port (), nullptr, nullptr);
    ASSERT_NE (c, nullptr);
    g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (c)),
        request.data (), request.size (), nullptr, nullptr, nullptr);
    connections.push_back (c);
  }
  for (int i = 0; i < 200; i += 2) {
    g_io_stream_close (G_IO_STREAM (connections[i]), nullptr, nullptr);
    g_object_unref (connections[i]);
    connections[i] = nullptr;
  }
  int answered = 0;
  for (auto *c : connections) {
    if (!c)
      continue;
    char buffer[512] = { 0 };
    g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (c)),
        buffer, sizeof buffer - 1, nullptr, nullptr);
    std::string reply (buffer);
    answered += reply.rfind ("HTTP/1.", 0) == 0 && reply.find (" 200 ") == 8;
    g_object_unref (c);
  }
  g_object_unref (client);
  EXPECT_EQ (answered, 100);
  EXPECT_TRUE (gateway_->running ());
  EXPECT_EQ (http_request (gateway_->http_port (), "GET", "/api/v1/streams")
      .status, 200);
}

TEST_F (Hls, PlaysInHeadlessChromiumWithHlsJs)
{
  gchar *node = g_find_program_in_path ("node");
  const char *root = g_getenv ("CAMGATE_SOURCE_ROOT");
  if (!node || !root || !g_file_test ("/usr/bin/chromium", G_FILE_TEST_EXISTS))
    GTEST_SKIP () << "node or Debian's chromium is not installed";
  std::string playwright = std::string (root)
      + "/gateway/web/node_modules/playwright-core";
  std::string script = std::string (root) + "/tests/browser/play_hls.cjs";
  std::string url = "http://127.0.0.1:" + std::to_string (gateway_->http_port ())
      + "/cam/";
  // The page itself is served.
  auto page = get ("");
  EXPECT_EQ (page.status, 200);
  EXPECT_NE (page.body.find ("hls.min.js"), std::string::npos);
  EXPECT_EQ (http_request (gateway_->http_port (), "GET",
          "/static/hls.min.js").status, 200);

  int status = -1;
  std::string output = run_command ("PLAYWRIGHT_CORE=" + playwright + " "
      + node + " " + script + " " + url + " 40", &status);
  EXPECT_EQ (status, 0) << output;
  EXPECT_NE (output.find ("\"width\":320"), std::string::npos) << output;
  g_free (node);
}

TEST (HlsRestart, PartsContinueAfterTheCameraReconnects)
{
  // The camera runs a while, drops and comes back: the packager must go on
  // with the new session, not wait for it to catch up with the old one.
  FakeCamera camera ({ .fps = 15, .gop_frames = 15 });
  ASSERT_TRUE (camera.start ());
  TempDir dir;
  auto gateway = GatewayProcess::with_pipelines (dir, { { "cam.yaml",
            "source:\n  uri: " + camera.uri () + "\n  transport: tcp\n"
            "  timeout: 2s\n"
            "outputs:\n  hls: { part: 200ms, segment: 1s, window: 10 }\n" } });
  ASSERT_TRUE (gateway->wait_running ("cam")) << gateway->log ();
  auto get = [&](const std::string & file) {
    return http_request (gateway->http_port (), "GET", "/cam/" + file);
  };
  ASSERT_TRUE (wait_until ([&]() { return get ("stream.m3u8").status == 200; },
          10s)) << gateway->log ();
  std::this_thread::sleep_for (8s);
  camera.stop ();
  ASSERT_TRUE (gateway->wait_for_log ("retrying in", 10s)) << gateway->log ();
  const auto before = preload_hint (get ("stream.m3u8").body);
  ASSERT_TRUE (before);
  std::this_thread::sleep_for (1s);
  ASSERT_TRUE (camera.start ());
  ASSERT_TRUE (wait_until ([&]() {
            auto log = gateway->log ();
            return log.rfind ("stream cam: running") > log.rfind ("retrying in");
          }, 30s)) << gateway->log ();
  // Within a few seconds of the reconnect, five new parts are listed.
  std::optional<Hint> now;
  EXPECT_TRUE (wait_until ([&]() {
        now = preload_hint (get ("stream.m3u8").body);
        return now && std::stoul (now->uri.substr (4))
            >= std::stoul (before->uri.substr (4)) + 5; }, 8s))
      << "hint before " << before->uri << ", now " << (now ? now->uri : "none")
      << "\n" << gateway->log ();
  // The health speaks for the HLS output too: "hls-stalled" while its
  // parts stop, gone once they flow.
  auto stream = http_request (gateway->http_port (), "GET",
      "/api/v1/streams/cam");
  EXPECT_EQ (stream.body.find ("hls-stalled"), std::string::npos)
      << stream.body;
  EXPECT_EQ (gateway->log ().find ("hls-stalled"), std::string::npos)
      << gateway->log ();
}

TEST (DashJs, PlaysPictureAndAudioWithoutRebuffering)
{
  // dash.js with its default settings, as a site embeds it, on a camera
  // with audio: audio and video each their own AdaptationSet, segments
  // streamed as they are built (before, dash.js rebuffered a third of the
  // time). What the viewer sees is checked: the SMPTE bars, decoded audio.
  const std::string command = browser_command ("play_dash.cjs");
  const char *root = g_getenv ("CAMGATE_SOURCE_ROOT");
  if (command.empty () || !root)
    GTEST_SKIP () << "node or Debian's chromium is not installed";
  FakeCamera camera ({ .width = 640, .height = 360, .fps = 25,
        .gop_frames = 25, .pattern = "smpte" });
  ASSERT_TRUE (camera.start ());
  TempDir dir;
  auto gateway = GatewayProcess::with_pipelines (dir, { { "cam.yaml",
            "source:\n  uri: " + camera.uri () + "\n  transport: tcp\n"
            "outputs:\n  hls: { part: 200ms, segment: 1s }\n" } });
  ASSERT_TRUE (gateway->wait_running ("cam")) << gateway->log ();
  const std::string mpd = "http://127.0.0.1:"
      + std::to_string (gateway->http_port ()) + "/cam/manifest.mpd";
  ASSERT_TRUE (wait_until ([&]() { return http_request (gateway->http_port (),
                "GET", "/cam/manifest.mpd").status == 200; }, 15s))
      << gateway->log ();
  int status = -1;
  const std::string output = run_command ("DASHJS=" + std::string (root)
      + "/gateway/web/node_modules/dashjs " + command + " " + mpd + " 16 2>&1",
      &status);
  // What the viewer got, for the log (rebuffering and latency vary).
  std::cout << output.substr (output.rfind ("\n{") + 1);
  EXPECT_EQ (status, 0) << output;
  EXPECT_NE (output.find ("\"width\":640"), std::string::npos) << output;
}

TEST (DashGStreamer, Dashdemux2StartsAtTheLiveEdge)
{
  // GStreamer 1.22's own DASH demuxer, as playbin3 uses it. Once the
  // timeline's window has slid (its first segment no longer at 0) it placed
  // itself that far ahead of the live edge and waited for a segment that did
  // not exist yet; it must start at the live edge and decode pictures at
  // the camera's rate.
  GstElementFactory *factory = gst_element_factory_find ("dashdemux2");
  if (!factory)
    GTEST_SKIP () << "dashdemux2 (gst-plugins-good) is not installed";
  gst_object_unref (factory);
  FakeCamera camera ({ .fps = 15, .gop_frames = 15 });
  ASSERT_TRUE (camera.start ());
  TempDir dir;
  auto gateway = GatewayProcess::with_pipelines (dir, { { "cam.yaml",
            "source:\n  uri: " + camera.uri () + "\n  transport: tcp\n"
            "outputs:\n  hls: { part: 200ms, segment: 1s, window: 3 }\n" } });
  ASSERT_TRUE (gateway->wait_running ("cam")) << gateway->log ();
  // Wait until the MPD's first listed segment starts 8 s in: a demuxer that
  // adds that start to its position would wait about that long.
  const std::regex first_re ("<S t=\"([0-9]+)\"");
  ASSERT_TRUE (wait_until ([&]() {
        std::smatch m;
        const std::string mpd = http_request (gateway->http_port (), "GET",
            "/cam/manifest.mpd").body;
        return std::regex_search (mpd, m, first_re)
            && std::stoll (m[1]) >= 8000; }, 30s)) << gateway->log ();

  const std::string uri = "http://127.0.0.1:"
      + std::to_string (gateway->http_port ()) + "/cam/manifest.mpd";
  // dashdemux2 runs only in a streams-aware bin: uridecodebin3, what
  // playbin3 decodes with. What a viewer would see is counted in decoded
  // video frames.
  GstElement *pipeline = gst_pipeline_new (nullptr);
  GstElement *decode = gst_element_factory_make ("uridecodebin3", nullptr);
  ASSERT_NE (decode, nullptr);
  g_object_set (decode, "uri", uri.c_str (), nullptr);
  gst_bin_add (GST_BIN (pipeline), decode);
  struct Arrivals
  {
    std::atomic<gint64> first_us { 0 };
    std::atomic<int> frames { 0 };
  } arrivals;
  g_signal_connect (decode, "pad-added", G_CALLBACK (+[](GstElement * element,
              GstPad * raw, gpointer data) {
        link_to_new_fakesink (element, raw);
        gst_pad_add_probe (raw, GST_PAD_PROBE_TYPE_BUFFER,
            [](GstPad * pad, GstPadProbeInfo *, gpointer data) {
              auto *a = static_cast<Arrivals *> (data);
              gint64 none = 0;
              a->first_us.compare_exchange_strong (none,
                  g_get_monotonic_time ());
              GstCaps *caps = gst_pad_get_current_caps (pad);
              if (caps && g_str_has_prefix (gst_structure_get_name
                      (gst_caps_get_structure (caps, 0)), "video/x-raw"))
                a->frames++;
              if (caps)
                gst_caps_unref (caps);
              return GST_PAD_PROBE_OK;
            }, data, nullptr);
      }), &arrivals);
  const gint64 started_us = g_get_monotonic_time ();
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  // At the live edge: media within a few seconds, and pictures keep coming
  // at the camera's rate (15 fps).
  const bool came = wait_until ([&]() { return arrivals.first_us != 0; }, 15s);
  std::this_thread::sleep_for (2s);
  const int after_two_seconds = arrivals.frames;
  std::this_thread::sleep_for (3s);
  const int in_three_seconds = arrivals.frames - after_two_seconds;
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  ASSERT_TRUE (came) << "nothing decoded in 15 s";
  EXPECT_LT (arrivals.first_us - started_us, 4 * G_USEC_PER_SEC)
      << "first media after "
      << (arrivals.first_us - started_us) / 1e6 << " s";
  EXPECT_GE (in_three_seconds, 30) << "decoded " << arrivals.frames
      << " frames in all";
}
