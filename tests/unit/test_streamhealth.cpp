// streamhealth under GstHarness and GstTestClock: every reason is provoked
// by crafted buffers, a stall is found with no further buffer, and a clean
// stream raises no alarm.
#include "gststreamhealth.h"

#include <gst/check/gstharness.h>
#include <gst/check/gsttestclock.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace {

constexpr GstClockTime kFrame = 40 * GST_MSECOND;      // 25 fps

struct Report
{
  std::string state;
  bool changed = false;
  std::vector<std::string> reasons;
  GstStructure *s = nullptr;

  bool has (const std::string & reason) const
  {
    return std::find (reasons.begin (), reasons.end (), reason)
        != reasons.end ();
  }
};

class StreamHealth : public ::testing::Test
{
protected:
  void SetUp () override
  {
    h_ = gst_harness_new ("streamhealth");
    bus_ = gst_bus_new ();
    gst_element_set_bus (h_->element, bus_);
    gst_harness_use_testclock (h_);
    gst_harness_set_time (h_, 0);
  }

  void TearDown () override
  {
    for (auto & r : reports_)
      gst_structure_free (r.s);
    gst_element_set_bus (h_->element, nullptr);
    gst_object_unref (bus_);
    gst_harness_teardown (h_);
  }

  void set (const char *property, guint64 value)
  {
    g_object_set (h_->element, property, value, nullptr);
  }

  void caps (const char *caps)
  {
    gst_harness_set_src_caps_str (h_, caps);
  }

  // Pushes one buffer "arriving" at clock time `at`.
  void push (GstClockTime at, GstClockTime pts, bool key = true,
      GstClockTime dts = GST_CLOCK_TIME_NONE, bool discont = false,
      gsize size = 1000)
  {
    gst_harness_set_time (h_, at);
    GstBuffer *buffer = gst_harness_create_buffer (h_, size);
    GST_BUFFER_PTS (buffer) = pts;
    GST_BUFFER_DTS (buffer) = dts;
    if (!key)
      GST_BUFFER_FLAG_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT);
    if (discont)
      GST_BUFFER_FLAG_SET (buffer, GST_BUFFER_FLAG_DISCONT);
    ASSERT_EQ (gst_harness_push (h_, buffer), GST_FLOW_OK);
    gst_buffer_unref (gst_harness_pull (h_));
  }

  // A clean 25 fps stream from `from` for `frames` frames, a keyframe every
  // `gop` frames (counted across calls).
  GstClockTime push_frames (GstClockTime from, int frames, int gop = 25)
  {
    GstClockTime t = from;
    for (int i = 0; i < frames; i++, t += kFrame)
      push (t, t, frame_number_++ % gop == 0);
    return t;
  }

  // Fires the watchdog once (the clock jumps to its next tick).
  void tick ()
  {
    ASSERT_TRUE (gst_harness_crank_single_clock_wait (h_));
  }

  void collect ()
  {
    GstMessage *msg;
    while ((msg = gst_bus_pop_filtered (bus_, GST_MESSAGE_ELEMENT))) {
      const GstStructure *s = gst_message_get_structure (msg);
      if (gst_structure_has_name (s, "stream-health")) {
        Report r;
        r.s = gst_structure_copy (s);
        r.state = gst_structure_get_string (s, "state");
        gboolean changed = FALSE;
        gst_structure_get_boolean (s, "changed", &changed);
        r.changed = changed;
        const GValue *reasons = gst_structure_get_value (s, "reasons");
        for (guint i = 0; i < gst_value_array_get_size (reasons); i++)
          r.reasons.push_back (g_value_get_string (
                  gst_value_array_get_value (reasons, i)));
        reports_.push_back (r);
      }
      gst_message_unref (msg);
    }
  }

  const Report *last ()
  {
    collect ();
    return reports_.empty () ? nullptr : &reports_.back ();
  }

  bool any_with (const std::string & reason)
  {
    collect ();
    return std::any_of (reports_.begin (), reports_.end (),
        [&](const Report & r) { return r.has (reason); });
  }

  GstStructure *stats ()
  {
    GstStructure *s = nullptr;
    g_object_get (h_->element, "stats", &s, nullptr);
    return s;
  }

  GstHarness *h_ = nullptr;
  GstBus *bus_ = nullptr;
  int frame_number_ = 0;
  std::vector<Report> reports_;
};

const char *kH264 = "video/x-h264,stream-format=byte-stream,alignment=au";

}  // namespace

TEST_F (StreamHealth, CleanStreamRaisesNoAlarm)
{
  caps (kH264);
  GstClockTime t = 0;
  for (int second = 0; second < 8; second++) {
    t = push_frames (t, 25);
    tick ();
  }
  collect ();
  ASSERT_GE (reports_.size (), 8u);
  for (const auto & r : reports_) {
    EXPECT_EQ (r.state, "healthy");
    EXPECT_TRUE (r.reasons.empty ());
  }
  GstStructure *s = stats ();
  gdouble fps = 0;
  guint gop_frames = 0;
  guint64 bitrate = 0, keyframes = 0;
  GstClockTime gop = 0;
  gst_structure_get_double (s, "fps", &fps);
  gst_structure_get_uint (s, "gop-frames", &gop_frames);
  gst_structure_get_uint64 (s, "bitrate", &bitrate);
  gst_structure_get_uint64 (s, "keyframes", &keyframes);
  gst_structure_get_clock_time (s, "gop-duration", &gop);
  EXPECT_NEAR (fps, 25.0, 1.0);
  EXPECT_EQ (gop_frames, 25u);
  EXPECT_EQ (gop, GST_SECOND);
  EXPECT_NEAR (bitrate, 25 * 1000 * 8, 25 * 1000 * 8 / 10);
  EXPECT_EQ (keyframes, 8u);
  gst_structure_free (s);
}

TEST_F (StreamHealth, StallIsDetectedWithoutAnotherBuffer)
{
  caps (kH264);
  set ("stall-timeout", 2 * GST_SECOND);
  GstClockTime end = push_frames (0, 25);
  // Nothing more arrives: the watchdog alone must notice.
  for (int i = 0; i < 4 && !any_with ("stalled"); i++)
    tick ();
  const Report *r = last ();
  ASSERT_NE (r, nullptr);
  EXPECT_EQ (r->state, "stalled");
  EXPECT_TRUE (r->changed);
  EXPECT_TRUE (r->has ("stalled"));
  GstClockTime now = gst_clock_get_time (GST_ELEMENT_CLOCK (h_->element));
  EXPECT_LE (now - end, 2 * GST_SECOND + GST_SECOND);   // within one interval

  // Data again: no longer stalled at once (the hole in the timestamps is
  // reported as a gap), and the stall was counted.
  push (now + kFrame, now + kFrame);
  r = last ();
  EXPECT_NE (r->state, "stalled");
  EXPECT_TRUE (r->changed);
  EXPECT_TRUE (r->has ("timestamp-gap"));
  guint64 stalls = 0;
  gst_structure_get_uint64 (r->s, "stalls", &stalls);
  EXPECT_EQ (stalls, 1u);
}

TEST_F (StreamHealth, StalledBeforeTheFirstBuffer)
{
  caps (kH264);
  set ("stall-timeout", GST_SECOND);
  tick ();
  tick ();
  EXPECT_TRUE (any_with ("stalled"));
}

TEST_F (StreamHealth, LongGopIsDegraded)
{
  caps (kH264);
  set ("max-gop", 2 * GST_SECOND);
  GstClockTime t = 0;
  for (int second = 0; second < 4; second++) {
    t = push_frames (t, 25, 1000);         // one keyframe, then none
    tick ();
  }
  EXPECT_EQ (last ()->state, "degraded");
  EXPECT_TRUE (last ()->has ("gop-too-long"));
}

TEST_F (StreamHealth, LowFrameRateIsDegraded)
{
  caps (kH264);
  set ("window", 2 * GST_SECOND);
  g_object_set (h_->element, "min-fps", 20.0, nullptr);
  GstClockTime t = 0;
  for (int i = 0; i < 20; i++, t += 200 * GST_MSECOND)   // 5 fps
    push (t, t, i % 5 == 0);
  tick ();
  EXPECT_TRUE (last ()->has ("fps-below-min"));
  EXPECT_EQ (last ()->state, "degraded");
}

TEST_F (StreamHealth, TimestampsGoingBackwardsAreReportedAtOnce)
{
  caps (kH264);
  GstClockTime t = push_frames (0, 10);
  push (t, t - 10 * kFrame);                 // PTS back in time
  const Report *r = last ();
  ASSERT_NE (r, nullptr);                    // posted from the buffer, no tick
  EXPECT_TRUE (r->changed);
  EXPECT_EQ (r->state, "degraded");
  EXPECT_TRUE (r->has ("timestamp-backwards"));
}

TEST_F (StreamHealth, GapsJumpsDtsAfterPtsAndDiscont)
{
  caps (kH264);
  set ("stall-timeout", 60 * GST_SECOND);
  GstClockTime t = push_frames (0, 10);
  // 3 s of nothing, timestamps follow the clock: data was missing.
  t += 3 * GST_SECOND;
  push (t, t);
  EXPECT_TRUE (any_with ("timestamp-gap"));
  // The clock moves 40 ms, the timestamps an hour: a jump.
  push (t + kFrame, t + 3600 * GST_SECOND);
  EXPECT_TRUE (any_with ("timestamp-jump"));
  GstClockTime base = t + 3600 * GST_SECOND;
  push (t + 2 * kFrame, base + kFrame, false, base + 5 * kFrame);
  EXPECT_TRUE (any_with ("dts-after-pts"));
  push (t + 3 * kFrame, base + 6 * kFrame, true, GST_CLOCK_TIME_NONE, true);
  EXPECT_TRUE (any_with ("discont"));

  GstStructure *s = stats ();
  guint64 gaps = 0, jumps = 0, dts_after_pts = 0, disconts = 0;
  gst_structure_get_uint64 (s, "gaps", &gaps);
  gst_structure_get_uint64 (s, "jumps", &jumps);
  gst_structure_get_uint64 (s, "dts-after-pts", &dts_after_pts);
  gst_structure_get_uint64 (s, "disconts", &disconts);
  EXPECT_EQ (gaps, 1u);
  EXPECT_EQ (jumps, 1u);
  EXPECT_EQ (dts_after_pts, 1u);
  EXPECT_EQ (disconts, 1u);
  gst_structure_free (s);
}

TEST_F (StreamHealth, ProblemsFadeAfterTheWindow)
{
  caps (kH264);
  set ("window", 2 * GST_SECOND);
  GstClockTime t = push_frames (0, 10);
  push (t, 0);
  EXPECT_EQ (last ()->state, "degraded");
  t = push_frames (t + kFrame, 100);         // 4 s of clean stream
  tick ();
  EXPECT_EQ (last ()->state, "healthy");
}

TEST_F (StreamHealth, AudioHasNoGop)
{
  caps ("audio/mpeg,mpegversion=4,stream-format=raw");
  set ("max-gop", GST_SECOND);
  GstClockTime t = 0;
  for (int i = 0; i < 150; i++, t += 20 * GST_MSECOND)
    push (t, t, false);                      // audio is never "key"
  tick ();
  EXPECT_EQ (last ()->state, "healthy");
}

namespace {

GstBuffer *
rtp_h264 (guint16 seq, guint32 ts, bool marker, guint8 nal_header,
    guint8 fu_header = 0)
{
  GstBuffer *buffer = gst_rtp_buffer_new_allocate (fu_header ? 2 : 1, 0, 0);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  gst_rtp_buffer_map (buffer, GST_MAP_WRITE, &rtp);
  gst_rtp_buffer_set_seq (&rtp, seq);
  gst_rtp_buffer_set_timestamp (&rtp, ts);
  gst_rtp_buffer_set_marker (&rtp, marker);
  gst_rtp_buffer_set_payload_type (&rtp, 96);
  auto *payload = static_cast<guint8 *> (gst_rtp_buffer_get_payload (&rtp));
  payload[0] = nal_header;
  if (fu_header)
    payload[1] = fu_header;
  gst_rtp_buffer_unmap (&rtp);
  return buffer;
}

}  // namespace

TEST_F (StreamHealth, RtpKeyframesFramesAndLoss)
{
  caps ("application/x-rtp,media=video,encoding-name=H264,clock-rate=90000,"
      "payload=96");
  guint16 seq = 0;
  GstClockTime t = 0;
  for (int frame = 0; frame < 50; frame++, t += kFrame) {
    guint32 ts = frame * 3600;
    gst_harness_set_time (h_, t);
    bool key = frame % 25 == 0;
    // Two packets per frame: FU-A start (IDR on keyframes), FU-A end.
    guint8 type = key ? 5 : 1;
    gst_harness_push (h_, rtp_h264 (seq++, ts, false, 0x7c, 0x80 | type));
    gst_harness_push (h_, rtp_h264 (seq++, ts, true, 0x7c, 0x40 | type));
  }
  while (GstBuffer *b = gst_harness_try_pull (h_))
    gst_buffer_unref (b);
  tick ();
  EXPECT_EQ (last ()->state, "healthy");
  GstStructure *s = stats ();
  guint64 keyframes = 0, frames = 0, lost = 0;
  guint gop_frames = 0;
  GstClockTime gop = 0;
  gst_structure_get_uint64 (s, "keyframes", &keyframes);
  gst_structure_get_uint64 (s, "frames", &frames);
  gst_structure_get_uint (s, "gop-frames", &gop_frames);
  gst_structure_get_clock_time (s, "gop-duration", &gop);
  EXPECT_EQ (keyframes, 2u);
  EXPECT_EQ (frames, 50u);
  EXPECT_EQ (gop_frames, 25u);
  EXPECT_EQ (gop, GST_SECOND);
  gst_structure_free (s);

  // Three packets never arrive.
  gst_harness_set_time (h_, t);
  gst_harness_push (h_, rtp_h264 (seq + 3, 50 * 3600, true, 0x41));
  gst_buffer_unref (gst_harness_pull (h_));
  EXPECT_TRUE (any_with ("packet-loss"));
  s = stats ();
  gst_structure_get_uint64 (s, "packets-lost", &lost);
  EXPECT_EQ (lost, 3u);
  gst_structure_free (s);
}

TEST_F (StreamHealth, PassesBuffersUntouched)
{
  caps (kH264);
  GstBuffer *in = gst_harness_create_buffer (h_, 64);
  GST_BUFFER_PTS (in) = 123;
  gst_buffer_ref (in);
  gst_harness_push (h_, in);
  GstBuffer *out = gst_harness_pull (h_);
  EXPECT_EQ (out, in);                       // the same buffer, not a copy
  EXPECT_EQ (GST_BUFFER_PTS (out), 123u);
  gst_buffer_unref (out);
  gst_buffer_unref (in);
}

TEST_F (StreamHealth, ReorderedRtpIsNotLoss)
{
  caps ("application/x-rtp,media=video,encoding-name=H264,clock-rate=90000,"
      "payload=96");
  for (guint16 seq : { 1, 2, 4, 3, 5 }) {
    gst_harness_push (h_, rtp_h264 (seq, seq * 3600, true, 0x41));
    gst_buffer_unref (gst_harness_pull (h_));
  }
  GstStructure *s = stats ();
  guint64 lost = 99;
  gst_structure_get_uint64 (s, "packets-lost", &lost);
  EXPECT_EQ (lost, 0u);
  gst_structure_free (s);
}
