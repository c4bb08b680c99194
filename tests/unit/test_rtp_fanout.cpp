// RtpFanout: packets reach every attached output with one continuous RTP
// numbering per track, across source sessions.
#include "media/rtp_fanout.h"

#include "rtp_samples.h"

#include <gst/app/gstappsink.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <future>

using namespace camgate;

namespace {

struct Header
{
  uint32_t ssrc;
  uint16_t seq;
  uint32_t ts;
};

// appsrc ! appsink, standing in for an RTSP media's payloader.
class Output
{
public:
  Output ()
  {
    pipeline_ = gst_parse_launch ("appsrc name=src is-live=true format=time "
        "! appsink name=sink sync=false", nullptr);
    src_ = gst_bin_get_by_name (GST_BIN (pipeline_), "src");
    sink_ = gst_bin_get_by_name (GST_BIN (pipeline_), "sink");
    gst_element_set_state (pipeline_, GST_STATE_PLAYING);
  }
  ~Output ()
  {
    gst_element_set_state (pipeline_, GST_STATE_NULL);
    gst_object_unref (src_);
    gst_object_unref (sink_);
    gst_object_unref (pipeline_);
  }
  GstAppSrc *src () { return GST_APP_SRC (src_); }
  std::optional<Header> pull (GstClockTime timeout = 2 * GST_SECOND)
  {
    GstSample *sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink_),
        timeout);
    if (!sample)
      return std::nullopt;
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    gst_rtp_buffer_map (gst_sample_get_buffer (sample), GST_MAP_READ, &rtp);
    Header h { gst_rtp_buffer_get_ssrc (&rtp), gst_rtp_buffer_get_seq (&rtp),
      gst_rtp_buffer_get_timestamp (&rtp) };
    gst_rtp_buffer_unmap (&rtp);
    gst_sample_unref (sample);
    return h;
  }
  bool ended ()
  {
    return gst_app_sink_is_eos (GST_APP_SINK (sink_))
        || !gst_app_sink_try_pull_sample (GST_APP_SINK (sink_), GST_SECOND);
  }

private:
  GstElement *pipeline_, *src_, *sink_;
};

void
start_session (RtpFanout & fanout, GstCaps * caps)
{
  fanout.begin_session ();
  fanout.set_track_caps (0, caps);
  gst_caps_unref (caps);
  fanout.end_track_setup ();
}

// A one-track video session with `out` attached.
void
start_with_output (RtpFanout & fanout, Output & out)
{
  start_session (fanout, video_caps ());
  auto layout = fanout.layout ();
  ASSERT_NE (fanout.attach (layout->generation, { out.src () }), 0u);
  layout->release ();
}

}  // namespace

TEST (RtpFanout, NoLayoutBeforeTheFirstSession)
{
  RtpFanout fanout;
  EXPECT_FALSE (fanout.layout ());
  fanout.begin_session ();
  EXPECT_FALSE (fanout.layout ());
}

TEST (RtpFanout, LayoutCapsLoseSessionFields)
{
  RtpFanout fanout;
  start_session (fanout, video_caps ());
  auto layout = fanout.layout ();
  ASSERT_TRUE (layout);
  ASSERT_EQ (layout->caps.size (), 1u);
  const GstStructure *s = gst_caps_get_structure (layout->caps[0], 0);
  EXPECT_FALSE (gst_structure_has_field (s, "ssrc"));
  EXPECT_FALSE (gst_structure_has_field (s, "seqnum-base"));
  EXPECT_FALSE (gst_structure_has_field (s, "ssrc-1234-cname"));
  EXPECT_STREQ (gst_structure_get_string (s, "encoding-name"), "H264");
  EXPECT_TRUE (gst_structure_has_field (s, "sprop-parameter-sets"));
  layout->release ();
}

TEST (RtpFanout, NumberingContinuesAcrossSessions)
{
  RtpFanout fanout;
  Output out;
  start_session (fanout, video_caps ());
  auto layout = fanout.layout ();
  ASSERT_NE (fanout.attach (layout->generation, { out.src () }), 0u);
  layout->release ();

  fanout.push (0, rtp_packet (0xAAAA, 100, 3000));
  fanout.push (0, rtp_packet (0xAAAA, 101, 6000));
  auto first = out.pull ();
  auto second = out.pull ();
  ASSERT_TRUE (first && second);
  EXPECT_EQ (second->seq, static_cast<uint16_t> (first->seq + 1));
  EXPECT_EQ (second->ts - first->ts, 3000u);
  EXPECT_EQ (first->ssrc, second->ssrc);

  // The camera reconnects: new SSRC, sequence and timestamp base.
  fanout.end_session ();
  start_session (fanout, video_caps ());
  EXPECT_EQ (fanout.output_count (), 1u);     // same layout: output kept
  fanout.push (0, rtp_packet (0xBBBB, 9, 50));
  auto third = out.pull ();
  ASSERT_TRUE (third);
  EXPECT_EQ (third->ssrc, first->ssrc);
  EXPECT_EQ (third->seq, static_cast<uint16_t> (second->seq + 1));
  EXPECT_GE (third->ts, second->ts);

  // A camera that restarts its RTP stream without reconnecting.
  fanout.push (0, rtp_packet (0xCCCC, 60000, 1));
  auto fourth = out.pull ();
  ASSERT_TRUE (fourth);
  EXPECT_EQ (fourth->seq, static_cast<uint16_t> (third->seq + 1));
  EXPECT_EQ (fourth->ssrc, first->ssrc);
}

TEST (RtpFanout, SequenceWrapsAround)
{
  RtpFanout fanout;
  Output out;
  start_with_output (fanout, out);
  fanout.push (0, rtp_packet (1, 65535, 0));
  fanout.push (0, rtp_packet (1, 0, 3000));
  auto a = out.pull (), b = out.pull ();
  ASSERT_TRUE (a && b);
  EXPECT_EQ (a->seq, 65535);
  EXPECT_EQ (b->seq, 0);
}

TEST (RtpFanout, NewLayoutEndsOldOutputsAndRefusesStaleAttach)
{
  RtpFanout fanout;
  Output out;
  start_session (fanout, video_caps ());
  auto old_layout = fanout.layout ();
  ASSERT_NE (fanout.attach (old_layout->generation, { out.src () }), 0u);

  fanout.end_session ();
  start_session (fanout, video_caps ("Z2QAH6wrQFAe0IAAAAMAgAAAHkeMGVA=,aO48sA=="));
  EXPECT_EQ (fanout.output_count (), 0u);
  EXPECT_TRUE (out.ended ());

  Output late;
  EXPECT_EQ (fanout.attach (old_layout->generation, { late.src () }), 0u);
  auto layout = fanout.layout ();
  EXPECT_GT (layout->generation, old_layout->generation);
  EXPECT_NE (fanout.attach (layout->generation, { late.src () }), 0u);
  layout->release ();
  old_layout->release ();
}

TEST (RtpFanout, TrackHolesAreSkipped)
{
  // rtspsrc numbers tracks by SDP position; a data track in between is not
  // relayed and must not leave a hole in the layout.
  RtpFanout fanout;
  fanout.begin_session ();
  GstCaps *video = video_caps ();
  GstCaps *audio = gst_caps_new_simple ("application/x-rtp", "media",
      G_TYPE_STRING, "audio", "clock-rate", G_TYPE_INT, 8000, "encoding-name",
      G_TYPE_STRING, "PCMA", "payload", G_TYPE_INT, 8, nullptr);
  fanout.set_track_caps (0, video);
  fanout.set_track_caps (2, audio);
  gst_caps_unref (video);
  gst_caps_unref (audio);
  fanout.end_track_setup ();
  auto layout = fanout.layout ();
  ASSERT_EQ (layout->caps.size (), 2u);
  Output v, a;
  ASSERT_NE (fanout.attach (layout->generation, { v.src (), a.src () }), 0u);
  layout->release ();
  fanout.push (2, rtp_packet (5, 10, 160));
  fanout.push (1, rtp_packet (6, 10, 160));   // not a track: dropped
  auto got = a.pull ();
  ASSERT_TRUE (got);
  EXPECT_EQ (got->seq, 10);
  EXPECT_EQ (fanout.counters ().packets_in, 2u);
}

TEST (RtpFanout, VideoIsHandedOnAFrameAtATime)
{
  RtpFanout fanout;
  Output out;
  start_with_output (fanout, out);

  for (uint16_t seq = 1; seq <= 3; seq++)
    fanout.push (0, rtp_packet (7, seq, 9000, false));
  EXPECT_FALSE (out.pull (200 * GST_MSECOND)) << "a frame left before its end";
  fanout.push (0, rtp_packet (7, 4, 9000, true));
  for (uint16_t seq = 1; seq <= 4; seq++) {
    auto got = out.pull ();
    ASSERT_TRUE (got);
    EXPECT_EQ (got->seq, seq);
  }

  // An unfinished frame is dropped when the session ends; its packet leaves
  // a gap in the numbering, so readers see a loss rather than half a frame.
  fanout.push (0, rtp_packet (7, 5, 12000, false));
  fanout.end_session ();
  start_session (fanout, video_caps ());
  fanout.push (0, rtp_packet (8, 100, 50, true));
  auto next = out.pull ();
  ASSERT_TRUE (next);
  EXPECT_EQ (next->seq, 6);
}

TEST (RtpFanout, BrokenTimestampsAreRebased)
{
  RtpFanout fanout;
  Output out;
  start_with_output (fanout, out);

  fanout.push (0, rtp_packet (1, 1, 90000));
  fanout.push (0, rtp_packet (1, 2, 93600));
  // A DVR jumps an hour ahead, then far back.
  fanout.push (0, rtp_packet (1, 3, 93600 + 3600u * 90000));
  fanout.push (0, rtp_packet (1, 4, 93600 + 3600u * 90000 + 3600));
  fanout.push (0, rtp_packet (1, 5, 7200));
  std::vector<Header> got;
  for (int i = 0; i < 5; i++) {
    auto h = out.pull ();
    ASSERT_TRUE (h);
    got.push_back (*h);
  }
  // Each step stays within what the wall clock allows (the test runs in
  // well under a second: < 10 s of slack at 90 kHz).
  for (size_t i = 1; i < got.size (); i++) {
    int32_t step = static_cast<int32_t> (got[i].ts - got[i - 1].ts);
    EXPECT_GE (step, 0) << i;
    EXPECT_LT (step, 10 * 90000) << i;
  }
  // Sane steps after a repair are kept as the camera sent them.
  EXPECT_EQ (got[3].ts - got[2].ts, 3600u);
  EXPECT_EQ (fanout.counters ().timestamp_repairs, 2u);
}

TEST (RtpFanout, BFrameStepsBackAreNotRepaired)
{
  RtpFanout fanout;
  Output out;
  start_with_output (fanout, out);
  // Decode order I P B B: presentation times go back a frame or two.
  for (uint32_t ts : { 0u, 10800u, 3600u, 7200u, 21600u })
    fanout.push (0, rtp_packet (1, static_cast<uint16_t> (ts / 3600), ts));
  EXPECT_EQ (fanout.counters ().timestamp_repairs, 0u);
}

TEST (RtpFanout, SessionWithoutATrackKeepsTheLayoutAndSaysWhatIsMissing)
{
  GstCaps *audio = gst_caps_new_simple ("application/x-rtp", "media",
      G_TYPE_STRING, "audio", "clock-rate", G_TYPE_INT, 8000, "encoding-name",
      G_TYPE_STRING, "PCMA", "payload", G_TYPE_INT, 8, nullptr);
  RtpFanout fanout;
  fanout.begin_session ();
  GstCaps *video = video_caps ();
  fanout.set_track_caps (0, video);
  fanout.set_track_caps (1, audio);
  gst_caps_unref (video);
  fanout.end_track_setup ();
  auto layout = fanout.layout ();
  Output v, a;
  ASSERT_NE (fanout.attach (layout->generation, { v.src (), a.src () }), 0u);
  uint64_t generation = layout->generation;
  layout->release ();
  EXPECT_TRUE (fanout.missing_tracks ().empty ());

  // The camera comes back with audio only, as its first track.
  fanout.end_session ();
  fanout.begin_session ();
  fanout.set_track_caps (0, audio);
  fanout.end_track_setup ();
  ASSERT_EQ (fanout.missing_tracks (), std::vector<std::string> { "video" });
  layout = fanout.layout ();
  EXPECT_EQ (layout->generation, generation);   // viewers keep their session
  layout->release ();
  EXPECT_EQ (fanout.output_count (), 1u);
  fanout.push (0, rtp_packet (9, 1, 160));      // audio reaches the audio track
  EXPECT_TRUE (a.pull ());
  gst_caps_unref (audio);
}

// appsrc runs its signal handlers on the pushing thread: one that asks the
// fanout something (as an output detaching itself when full would) must not
// find the fanout's lock still held by the push. The packets are pushed on
// a thread of their own; a deadlock aborts the test binary after 10 s.
TEST (RtpFanout, AppsrcSignalHandlersMayCallBack)
{
  RtpFanout fanout;
  Output out;
  g_object_set (out.src (), "max-bytes", (guint64) 1, nullptr);
  start_with_output (fanout, out);
  // Paused, the live appsrc keeps what it gets, so its queue fills for sure.
  GstElement *pipeline = GST_ELEMENT (gst_element_get_parent (out.src ()));
  gst_element_set_state (pipeline, GST_STATE_PAUSED);
  std::atomic<int> called { 0 };
  struct Context { RtpFanout *fanout; std::atomic<int> *called; } context {
    &fanout, &called };
  g_signal_connect (out.src (), "enough-data",
      G_CALLBACK (+[](GstAppSrc *, gpointer data) {
          auto *c = static_cast<Context *> (data);
          if (c->fanout->output_count () == 1)
            (*c->called)++;
        }), &context);
  auto pushed = std::async (std::launch::async, [&] {
        for (uint16_t i = 0; i < 20; i++)
          fanout.push (0, rtp_packet (1234, 100 + i, 3000 * i));
      });
  if (pushed.wait_for (std::chrono::seconds (10))
      == std::future_status::timeout) {
    std::fprintf (stderr, "RtpFanout.AppsrcSignalHandlersMayCallBack: push "
        "deadlocked in an appsrc signal handler\n");
    std::abort ();
  }
  EXPECT_GT (called.load (), 0);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  gst_object_unref (pipeline);
  EXPECT_TRUE (out.pull ());
}

namespace {

// A video packet whose payload starts with the NAL header `nal` (0x67 SPS,
// 0x65 IDR slice, 0x41 other slice).
GstBuffer *
h264_packet (uint16_t seq, uint32_t ts, guint8 nal, bool marker)
{
  GstBuffer *buffer = rtp_packet (0xBBBB, seq, ts, marker);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  gst_rtp_buffer_map (buffer, GST_MAP_WRITE, &rtp);
  static_cast<guint8 *> (gst_rtp_buffer_get_payload (&rtp))[0] = nal;
  gst_rtp_buffer_unmap (&rtp);
  return buffer;
}

uint64_t
generation_of (RtpFanout & fanout)
{
  auto layout = fanout.layout ();
  const uint64_t generation = layout ? layout->generation : 0;
  if (layout)
    layout->release ();
  return generation;
}

}  // namespace

TEST (RtpFanout, KeepsTheFramesFromTheLastKeyframe)
{
  RtpFanout fanout;
  fanout.keep_gops (1024 * 1024);
  start_session (fanout, video_caps ());
  const uint64_t generation = generation_of (fanout);
  // Nothing decodable before the first keyframe.
  fanout.push (0, h264_packet (10, 1000, 0x41, true));
  EXPECT_TRUE (fanout.gop (generation, 0).empty ());

  // A keyframe (parameter sets, then the IDR slice) and two frames.
  fanout.push (0, h264_packet (11, 4000, 0x67, false));
  fanout.push (0, h264_packet (12, 4000, 0x65, true));
  fanout.push (0, h264_packet (13, 7000, 0x41, true));
  fanout.push (0, h264_packet (14, 10000, 0x41, true));
  {
    const auto gop = fanout.gop (generation, 0);
    ASSERT_EQ (gop.frames ().size (), 3u);
    EXPECT_EQ (gop.packets (), 4u);
    // As readers see them: numbered on from the first packet (10).
    uint16_t seq = 0;
    uint32_t rtptime = 0;
    ASSERT_TRUE (gop.first_packet (seq, rtptime));
    EXPECT_EQ (seq, 11);
    EXPECT_EQ (rtptime, 4000u);
  }
  EXPECT_TRUE (fanout.gop (generation + 1, 0).empty ());
  EXPECT_TRUE (fanout.gop (generation, 1).empty ());

  // The next keyframe starts over.
  fanout.push (0, h264_packet (15, 13000, 0x65, true));
  EXPECT_EQ (fanout.gop (generation, 0).frames ().size (), 1u);

  // A camera that drops: its next session starts from its next keyframe.
  fanout.end_session ();
  EXPECT_TRUE (fanout.gop (generation, 0).empty ());
}

TEST (RtpFanout, AGopLargerThanTheBoundIsNotKept)
{
  RtpFanout fanout;
  // A packet is 32 bytes: room for three.
  fanout.keep_gops (100);
  start_session (fanout, video_caps ());
  const uint64_t generation = generation_of (fanout);
  fanout.push (0, h264_packet (1, 1000, 0x65, true));
  fanout.push (0, h264_packet (2, 4000, 0x41, true));
  fanout.push (0, h264_packet (3, 7000, 0x41, true));
  EXPECT_EQ (fanout.gop (generation, 0).frames ().size (), 3u);
  fanout.push (0, h264_packet (4, 10000, 0x41, true));
  EXPECT_TRUE (fanout.gop (generation, 0).empty ());
  // Nor the rest of that GOP; the next one is.
  fanout.push (0, h264_packet (5, 13000, 0x41, true));
  EXPECT_TRUE (fanout.gop (generation, 0).empty ());
  fanout.push (0, h264_packet (6, 16000, 0x65, true));
  EXPECT_EQ (fanout.gop (generation, 0).frames ().size (), 1u);
}

TEST (RtpFanout, KeepsNoGopUnlessAsked)
{
  RtpFanout fanout;
  start_session (fanout, video_caps ());
  fanout.push (0, h264_packet (1, 1000, 0x65, true));
  EXPECT_TRUE (fanout.gop (generation_of (fanout), 0).empty ());
}
