// Every kind of published source against every output: RTSP RECORD from
// rtspclientsink and from ffmpeg (-c copy of an H.264 + AAC MP4), WHIP
// from webrtcbin and from Chromium (its fake camera, offering VP8 first),
// RTMP from ffmpeg (the same MP4, -f flv) and from GStreamer's rtmp2sink,
// and SRT from ffmpeg (MPEG-TS, streamid publish:<stream>) and from srtsink
// (streamid #!::r=<stream>,m=publish); each watched over RTSP, LL-HLS (a
// whole segment decodes) and WHEP.
#include "commands.h"
#include "helpers.h"
#include "webrtc_client.h"

#include <gtest/gtest.h>

#include <algorithm>

#include <regex>

using namespace camgate::testing;
using namespace std::chrono_literals;

namespace {

enum class Publishing { Rtspclientsink, FfmpegCopy, Whip, ChromiumWhip,
  FfmpegRtmp, Rtmp2sink, FfmpegSrt, Srtsink };

// ffmpeg publishing an H.264 (with B-frames) + AAC MP4 as it is (-c copy),
// in a loop, over RTSP (an rtsp:// URL) or RTMP (rtmp://).
class FfmpegPublisher
{
public:
  FfmpegPublisher (const TempDir & dir, const std::string & url)
  {
    const bool rtmp = url.rfind ("rtmp://", 0) == 0;
    const bool srt = url.rfind ("srt://", 0) == 0;
    const std::string mp4 = dir.path () + "/clip.mp4";
    int status = -1;
    run_command ("ffmpeg -loglevel error -y -f lavfi -i "
        "testsrc=size=320x240:rate=15 -f lavfi -i sine=frequency=440:"
        "sample_rate=48000 -t 6 -c:v libx264 -preset veryfast -bf 2 -g 15 "
        "-pix_fmt yuv420p -c:a aac -shortest '" + mp4 + "'", &status);
    if (status == 0)
      process_ = std::make_unique<ChildProcess> (rtmp || srt
          ? std::vector<std::string> { "ffmpeg", "-loglevel", "error", "-re",
            "-stream_loop", "-1", "-i", mp4, "-c", "copy", "-f",
            rtmp ? "flv" : "mpegts", url }
          : std::vector<std::string> { "ffmpeg", "-loglevel", "error", "-re",
            "-stream_loop", "-1", "-i", mp4, "-c", "copy", "-f", "rtsp",
            "-rtsp_transport", "tcp", url });
  }
  bool started () const { return process_ && process_->started (); }

private:
  std::unique_ptr<ChildProcess> process_;
};

// Chromium publishing its fake camera and microphone over WHIP
// (tests/browser/publish_whip.cjs) until finish().
class ChromiumPublisher
{
public:
  ChromiumPublisher (int http_port, const std::string & stream)
  {
    const std::string command = browser_command ("publish_whip.cjs");
    if (command.empty ())
      return;
    process_ = std::make_unique<ChildProcess> (std::vector<std::string> {
          "sh", "-c", "exec env " + command + " http://127.0.0.1:"
              + std::to_string (http_port) + " /" + stream + "/whip 120" },
        (GSubprocessFlags) (G_SUBPROCESS_FLAGS_STDIN_PIPE
            | G_SUBPROCESS_FLAGS_STDOUT_PIPE));
  }
  bool started () const { return process_ && process_->started (); }
  // Ends the session; what the browser says it sent (JSON).
  std::string finish ()
  {
    gchar *out = nullptr;
    g_subprocess_communicate_utf8 (process_->get (), nullptr, nullptr, &out,
        nullptr, nullptr);
    std::string result = out ? out : "";
    g_free (out);
    return result;
  }

private:
  std::unique_ptr<ChildProcess> process_;
};

// hls.js in headless Chromium plays the stream's player page: the
// script's output, or "" where node or Debian's chromium is missing.
std::string
chromium_plays_hls (int http_port, const std::string & stream, int & status)
{
  const std::string command = browser_command ("play_hls.cjs");
  if (command.empty ())
    return "";
  return run_command (command + " http://127.0.0.1:"
      + std::to_string (http_port) + "/" + stream + "/ 30", &status);
}

class PublishedOutputs : public ::testing::TestWithParam<Publishing> {};

}  // namespace

TEST_P (PublishedOutputs, ReachRtspLowLatencyHlsAndWhepViewers)
{
  const Publishing kind = GetParam ();
  if ((kind == Publishing::FfmpegCopy || kind == Publishing::FfmpegRtmp
          || kind == Publishing::FfmpegSrt) && !have_program ("ffmpeg"))
    GTEST_SKIP () << "ffmpeg is not installed";
  if (kind == Publishing::ChromiumWhip
      && browser_command ("publish_whip.cjs").empty ())
    GTEST_SKIP () << "node, playwright-core or chromium is missing";
  TempDir dir;
  const bool whip_source = kind == Publishing::Whip
      || kind == Publishing::ChromiumWhip;
  auto gateway = GatewayProcess::with_pipelines (dir, { { "live.yaml",
            std::string ("source: ") + (whip_source ? "whip" : "publish")
            + "\noutputs:\n  hls: { part: 200ms, segment: 1s }\n" } });
  ASSERT_TRUE (gateway->ready ()) << gateway->log ();
  const std::string url = gateway->url ("live");

  std::unique_ptr<Publisher> rtsp_publisher;
  std::unique_ptr<FfmpegPublisher> ffmpeg;
  std::unique_ptr<WebRtcTestPeer> whip;
  std::unique_ptr<ChromiumPublisher> browser;
  std::unique_ptr<ChildProcess> gst_publisher;   // rtmp2sink or srtsink
  const std::string rtmp_url = "rtmp://127.0.0.1:"
      + std::to_string (gateway->rtmp_port ()) + "/live/live";
  const std::string srt_address = "127.0.0.1:"
      + std::to_string (gateway->srt_port ());
  switch (kind) {
    case Publishing::FfmpegSrt:
      ffmpeg = std::make_unique<FfmpegPublisher> (dir, "srt://" + srt_address
          + "?streamid=publish:live&pkt_size=1316");
      ASSERT_TRUE (ffmpeg->started ());
      break;
    case Publishing::Srtsink:
      // (In 7-packet buffers: SRT carries at most 1316 bytes a message.)
      gst_publisher = std::make_unique<ChildProcess> (std::vector<std::string> {
            "gst-launch-1.0", "-q", "videotestsrc", "is-live=true", "!",
            "video/x-raw,width=320,height=240,framerate=15/1", "!",
            "x264enc", "tune=zerolatency", "key-int-max=15", "!", "h264parse",
            "config-interval=-1", "!", "mpegtsmux", "name=mux", "alignment=7",
            "!", "srtsink", "uri=srt://" + srt_address,
            "streamid=#!::r=live,m=publish", "audiotestsrc", "is-live=true",
            "!", "voaacenc", "!", "aacparse", "!", "mux." });
      ASSERT_TRUE (gst_publisher->started ());
      break;
    case Publishing::FfmpegRtmp:
      ffmpeg = std::make_unique<FfmpegPublisher> (dir, rtmp_url);
      ASSERT_TRUE (ffmpeg->started ());
      break;
    case Publishing::Rtmp2sink:
      gst_publisher = std::make_unique<ChildProcess> (std::vector<std::string> {
            "gst-launch-1.0", "-q", "videotestsrc", "is-live=true", "!",
            "video/x-raw,width=320,height=240,framerate=15/1", "!",
            "x264enc", "tune=zerolatency", "key-int-max=15", "!", "h264parse",
            "!", "flvmux", "name=mux", "streamable=true", "!", "rtmp2sink",
            "location=" + rtmp_url, "audiotestsrc", "is-live=true", "!",
            "voaacenc", "!", "aacparse", "!", "mux." });
      ASSERT_TRUE (gst_publisher->started ());
      break;
    case Publishing::Rtspclientsink:
      rtsp_publisher = std::make_unique<Publisher> (url);
      break;
    case Publishing::FfmpegCopy:
      ffmpeg = std::make_unique<FfmpegPublisher> (dir, url);
      ASSERT_TRUE (ffmpeg->started ());
      break;
    case Publishing::Whip:
      // Keyframes only when asked for, as a browser sends them.
      whip = std::make_unique<WebRtcTestPeer> (WebRtcTestPeer::Options {
            .kind = WebRtcTestPeer::Kind::WhipPublisher, .key_int_max = 0 });
      ASSERT_EQ (whip->connect (gateway->http_port (), "live").status, 201)
          << gateway->log ();
      break;
    case Publishing::ChromiumWhip:
      browser = std::make_unique<ChromiumPublisher> (gateway->http_port (),
          "live");
      ASSERT_TRUE (browser->started ());
      break;
  }
  ASSERT_TRUE (gateway->wait_running ("live")) << gateway->log ();

  // The API names the publisher: its protocol and address.
  const char *protocol = kind == Publishing::Rtspclientsink
      || kind == Publishing::FfmpegCopy ? "RTSP" : whip_source ? "WHIP"
      : kind == Publishing::FfmpegSrt || kind == Publishing::Srtsink ? "SRT"
      : "RTMP";
  std::string api = http_request (gateway->http_port (), "GET",
      "/api/v1/streams/live").body;
  api.erase (std::remove_if (api.begin (), api.end (), [](char c) {
        return c == ' ' || c == '\n'; }), api.end ());
  EXPECT_NE (api.find (std::string ("\"publisher\":{\"protocol\":\"")
          + protocol + "\",\"address\":\"127.0.0.1\""),
      std::string::npos) << api;

  // LL-HLS first, before any other viewer could make the source send a
  // keyframe: complete segments, and one decodes (init + segment).
  std::string media;
  std::smatch segment;
  static const std::regex segment_re ("#EXTINF:[0-9.]+,\n(seg[0-9]+\\.m4s)\n");
  EXPECT_TRUE (wait_until ([&] {
        media = http_request (gateway->http_port (), "GET",
            "/live/stream.m3u8").body;
        return std::regex_search (media, segment, segment_re);
      }, 20s)) << media << gateway->log ();
  if (!segment.empty () && have_program ("ffprobe")) {
    auto init = http_request (gateway->http_port (), "GET", "/live/init.mp4");
    auto body = http_request (gateway->http_port (), "GET",
        "/live/" + segment[1].str ());
    std::vector<uint8_t> joined (init.body.begin (), init.body.end ());
    joined.insert (joined.end (), body.body.begin (), body.body.end ());
    std::string probe = ffprobe_frames (joined);
    std::smatch frames;
    EXPECT_TRUE (std::regex_search (probe, frames,
            std::regex ("h264,([0-9]+)")) && std::stoi (frames[1]) > 0)
        << probe;
    EXPECT_EQ (probe.find ("rror"), std::string::npos) << probe;
  }

  int status = -1;
  std::string played = chromium_plays_hls (gateway->http_port (), "live",
      status);
  if (!played.empty ()) {
    EXPECT_EQ (status, 0) << played;
  }

  Viewer rtsp (url, "tcp");
  EXPECT_TRUE (rtsp.wait_frames (10, 20s)) << rtsp.error () << gateway->log ();

  WebRtcTestPeer whep ({});
  ASSERT_EQ (whep.connect (gateway->http_port (), "live").status, 201)
      << gateway->log ();
  EXPECT_TRUE (whep.wait_video_frames (10, 15s)) << gateway->log ();

  if (browser) {
    // The browser was answered H.264 (it offers VP8 first) and sent frames.
    std::string sent = browser->finish ();
    EXPECT_NE (sent.find ("\"state\":\"connected\""), std::string::npos)
        << sent;
    EXPECT_NE (sent.find ("\"codec\":\"video/H264\""), std::string::npos)
        << sent;
    EXPECT_NE (sent.find ("\"deleted\":200"), std::string::npos) << sent;
  }
}

INSTANTIATE_TEST_SUITE_P (Sources, PublishedOutputs,
    ::testing::Values (Publishing::Rtspclientsink, Publishing::FfmpegCopy,
        Publishing::Whip, Publishing::ChromiumWhip, Publishing::FfmpegRtmp,
        Publishing::Rtmp2sink, Publishing::FfmpegSrt, Publishing::Srtsink),
    [](const ::testing::TestParamInfo<Publishing> & info) {
      switch (info.param) {
        case Publishing::Rtspclientsink: return std::string ("Rtspclientsink");
        case Publishing::FfmpegCopy: return std::string ("FfmpegCopy");
        case Publishing::Whip: return std::string ("Whip");
        case Publishing::ChromiumWhip: return std::string ("ChromiumWhip");
        case Publishing::FfmpegRtmp: return std::string ("FfmpegRtmp");
        case Publishing::Rtmp2sink: return std::string ("Rtmp2sink");
        case Publishing::FfmpegSrt: return std::string ("FfmpegSrt");
        case Publishing::Srtsink: return std::string ("Srtsink");
      }
      return std::string ();
    });
