// RTSP viewers joining a running stream mid-GOP: camgate replays the kept
// GOP, so their first picture does not wait for the camera's next keyframe.
// Cameras with a 6 s GOP; a viewer joins 1 s after a keyframe went by, so
// without the replay its first frame is ~5 s away.
#include "fake_camera.h"
#include "helpers.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>

using namespace camgate::testing;
using namespace std::chrono;
using namespace std::chrono_literals;

namespace {

constexpr int kFps = 15;
constexpr int kGopFrames = 90;   // 6 s

// rtspsrc ! <chain> ! fakesink: counts the keyframes leaving the chain's
// element named "parser" and the buffers reaching the sink (decoded frames
// when the chain decodes), with the time from start to the first of each.
class Reader
{
public:
  Reader (const std::string & uri, const std::string & protocols,
      int latency_ms, const std::string & chain)
  {
    const std::string launch = "rtspsrc location=" + uri + " protocols="
        + protocols + " latency=" + std::to_string (latency_ms) + " ! "
        + chain + " ! fakesink name=sink sync=false";
    pipeline_ = gst_parse_launch (launch.c_str (), nullptr);
    watch ("parser", "src", keyframes_);
    watch ("sink", "sink", frames_);
    started_ = steady_clock::now ();
    gst_element_set_state (pipeline_, GST_STATE_PLAYING);
  }
  ~Reader ()
  {
    gst_element_set_state (pipeline_, GST_STATE_NULL);
    gst_object_unref (pipeline_);
  }

  struct Count
  {
    bool keyframes_only = false;
    std::atomic<int> count { 0 };
    std::atomic<int64_t> first_ms { -1 };  // from start; -1: none yet
    steady_clock::time_point *started;
  };
  const Count & keyframes () const { return keyframes_; }
  const Count & frames () const { return frames_; }
  static bool wait_count (const Count & c, int n, milliseconds timeout)
  {
    return wait_until ([&] { return c.count >= n; }, timeout);
  }

private:
  void watch (const char *element, const char *pad_name, Count & c)
  {
    c.keyframes_only = &c == &keyframes_;
    c.started = &started_;
    GstElement *e = gst_bin_get_by_name (GST_BIN (pipeline_), element);
    GstPad *pad = gst_element_get_static_pad (e, pad_name);
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count, &c, nullptr);
    gst_object_unref (pad);
    gst_object_unref (e);
  }
  static GstPadProbeReturn count (GstPad *, GstPadProbeInfo * info,
      gpointer data)
  {
    auto *c = static_cast<Count *> (data);
    if (c->keyframes_only && GST_BUFFER_FLAG_IS_SET (GST_PAD_PROBE_INFO_BUFFER
            (info), GST_BUFFER_FLAG_DELTA_UNIT))
      return GST_PAD_PROBE_OK;
    if (c->count++ == 0)
      c->first_ms = duration_cast<milliseconds> (steady_clock::now ()
          - *c->started).count ();
    return GST_PAD_PROBE_OK;
  }

  GstElement *pipeline_ = nullptr;
  steady_clock::time_point started_;
  Count keyframes_, frames_;
};

struct Codec
{
  std::string encode;              // raw video -> RTP payloader pay0
  std::string parse;               // RTP -> parsed access units
  std::string decoder;
};

const Codec kH264 = {
  "x264enc tune=zerolatency speed-preset=ultrafast bitrate=300 "
      "key-int-max=90 option-string=scenecut=0 ! h264parse config-interval=-1 "
      "! rtph264pay name=pay0 pt=96",
  "rtph264depay ! h264parse name=parser", "avdec_h264 output-corrupt=false" };
// Parameter sets only in the SDP and the first access unit.
const Codec kH264SpropOnly = {
  "x264enc tune=zerolatency speed-preset=ultrafast bitrate=300 "
      "key-int-max=90 option-string=scenecut=0 ! h264parse "
      "! rtph264pay name=pay0 pt=96",
  "rtph264depay ! h264parse name=parser", "avdec_h264 output-corrupt=false" };
const Codec kH265 = {
  "x265enc tune=zerolatency speed-preset=ultrafast key-int-max=90 "
      "option-string=scenecut=0 ! h265parse config-interval=-1 "
      "! rtph265pay name=pay0 pt=96",
  "rtph265depay ! h265parse name=parser", "avdec_h265 output-corrupt=false" };

struct Joined
{
  int64_t first_keyframe_ms = -1;  // from the joiner's start, at its parser
  int64_t first_frame_ms = -1;     // decoded
  int frames_in_3s = 0;            // decoded in the 3 s after its first
  // Keyframes the camera sent from the join to the first frame: with none,
  // that frame's keyframe came from the replay.
  int keyframes_meanwhile = -1;
};

// A camera of `codec` (with G.711 audio) behind camgate; a viewer joins
// 1 s after a keyframe went by.
Joined
join_mid_gop (const Codec & codec, const std::string & protocols,
    const std::string & rtsp_output)
{
  FakeCamera camera ({ .launch = "( videotestsrc is-live=true pattern=ball "
        "! video/x-raw,format=I420,width=320,height=240,framerate="
        + std::to_string (kFps) + "/1 ! " + codec.encode
        + " audiotestsrc is-live=true wave=sine ! audio/x-raw,rate=8000,"
        "channels=1 ! alawenc ! rtppcmapay name=pay1 pt=8 )" });
  EXPECT_TRUE (camera.start ());
  TempDir dir;
  dir.write ("cam.yaml", "source:\n  uri: " + camera.uri () + "\noutputs:\n"
      "  rtsp: " + rtsp_output + "\n");
  GatewayProcess gateway ({ "--pipelines", dir.path () });
  EXPECT_TRUE (gateway.wait_running ("cam")) << gateway.log ();

  // Where the camera's GOP is: a reader that counts keyframes (its first
  // may be a replayed one; the next is the camera's).
  Reader watcher (gateway.url ("cam"), "tcp", 0, codec.parse);
  const auto & keyframes = watcher.keyframes ();
  EXPECT_TRUE (Reader::wait_count (keyframes, 1, 15s)) << gateway.log ();
  const int seen = keyframes.count + 1;
  EXPECT_TRUE (Reader::wait_count (keyframes, seen, 10s)) << gateway.log ();
  std::this_thread::sleep_for (1s);

  Reader joiner (gateway.url ("cam"), protocols, 200,
      codec.parse + " ! " + codec.decoder);
  Joined joined;
  if (Reader::wait_count (joiner.keyframes (), 1, 10s))
    joined.keyframes_meanwhile = keyframes.count - seen;
  joined.first_keyframe_ms = joiner.keyframes ().first_ms;
  if (Reader::wait_count (joiner.frames (), 1, 10s)) {
    joined.first_frame_ms = joiner.frames ().first_ms;
    const int first = joiner.frames ().count;
    std::this_thread::sleep_for (3s);
    joined.frames_in_3s = joiner.frames ().count - first;
  }
  return joined;
}

}  // namespace

// Each case has its own camera and gateway; they run side by side.
TEST (GopReplay, ViewersJoiningMidGopSeeAPictureAtOnce)
{
  struct Case
  {
    const char *what;
    const Codec & codec;
    const char *protocols;
    const char *rtsp_output;
    std::future<Joined> joined;
  };
  Case cases[] = {
    { "H.264 over TCP", kH264, "tcp", "{}", {} },
    { "H.264 over UDP", kH264, "udp", "{}", {} },
    { "H.264, parameter sets only in the SDP", kH264SpropOnly, "tcp", "{}",
      {} },
    { "H.265 over TCP", kH265, "tcp", "{}", {} },
    // Without the cache the viewer waits for the camera's next keyframe:
    // the measurement tells the two apart.
    { "H.264 over TCP, gop-cache: false", kH264, "tcp",
      "{ gop-cache: false }", {} },
  };
  for (auto & c : cases)
    c.joined = std::async (std::launch::async, join_mid_gop,
        std::cref (c.codec), c.protocols, c.rtsp_output);
  for (auto & c : cases) {
    SCOPED_TRACE (c.what);
    const Joined joined = c.joined.get ();
    ASSERT_GE (joined.first_keyframe_ms, 0) << "no keyframe in 10 s";
    ASSERT_GE (joined.first_frame_ms, 0) << "no frame in 10 s";
    if (g_str_equal (c.rtsp_output, "{}")) {
      // The keyframe came from the replay, not from the camera since.
      EXPECT_LT (joined.first_keyframe_ms, 2500);
      EXPECT_EQ (joined.keyframes_meanwhile, 0);
      // And decodes (libav's H.265 decoder shows pictures without their
      // references anyway: only H.264's first frame says something).
      if (&c.codec != &kH265) {
        EXPECT_LT (joined.first_frame_ms, 2500);
      }
      // The live frames follow the kept ones: 45 in 3 s.
      EXPECT_GE (joined.frames_in_3s, 35);
    } else {
      EXPECT_GT (joined.first_keyframe_ms, 3500);
      EXPECT_GT (joined.first_frame_ms, 3500);
    }
  }
}
