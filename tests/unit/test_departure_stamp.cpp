// Packets the fanout pushes into a live appsrc while its pipeline is still
// on its way to PLAYING leave it with that pipeline's running time (appsrc's
// own do-timestamp gave them the clock's absolute time, and a syncing sink
// behind it then waited for hours).
#include "rtsp/relay_src.h"
#include "media/departure_stamp.h"

#include "rtp_samples.h"

#include <gst/app/gstappsink.h>
#include <gtest/gtest.h>

using namespace camgate;

namespace {

// `src` ! appsink in PAUSED with the pipeline clock set: the window where
// the elements have the clock but not yet a base time.
class StartingPipeline
{
public:
  explicit StartingPipeline (GstElement * src)
  {
    pipeline_ = gst_pipeline_new (nullptr);
    sink_ = gst_element_factory_make ("appsink", nullptr);
    g_object_set (sink_, "sync", FALSE, "buffer-list", TRUE, nullptr);
    gst_bin_add_many (GST_BIN (pipeline_), src, sink_, nullptr);
    gst_element_link (src, sink_);
    src_ = src;
    gst_element_set_state (pipeline_, GST_STATE_PAUSED);
    clock_ = gst_system_clock_obtain ();
    gst_pipeline_use_clock (GST_PIPELINE (pipeline_), clock_);
    gst_element_set_clock (pipeline_, clock_);
  }

  ~StartingPipeline ()
  {
    gst_element_set_state (pipeline_, GST_STATE_NULL);
    gst_object_unref (clock_);
    gst_object_unref (pipeline_);
  }

  // Pushes a shared frame, lets the pipeline play, and returns what left.
  GstBufferList *push_frame_and_play (GstBufferList * frame)
  {
    EXPECT_EQ (gst_element_get_base_time (src_), 0u);
    EXPECT_EQ (gst_app_src_push_buffer_list (GST_APP_SRC (src_),
            gst_buffer_list_ref (frame)), GST_FLOW_OK);
    gst_element_set_state (pipeline_, GST_STATE_PLAYING);
    GstSample *sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink_),
        5 * GST_SECOND);
    if (!sample)
      return nullptr;
    running_time_ = gst_clock_get_time (clock_)
        - gst_element_get_base_time (pipeline_);
    GstBufferList *list = gst_sample_get_buffer_list (sample);
    if (list)
      gst_buffer_list_ref (list);
    gst_sample_unref (sample);
    return list;
  }

  // The pipeline's running time when the frame came out.
  GstClockTime running_time () const { return running_time_; }

private:
  GstElement *pipeline_, *src_, *sink_;
  GstClock *clock_;
  GstClockTime running_time_ = 0;
};

GstBufferList *
shared_frame ()
{
  GstBufferList *frame = gst_buffer_list_new ();
  for (uint16_t seq = 1; seq <= 3; seq++)
    gst_buffer_list_add (frame, rtp_packet (1234, seq, 3000, seq == 3));
  return frame;
}

}  // namespace

TEST (DepartureStamp, RelaySourceStampsAFramePushedWhileItsMediaStarts)
{
  GstCaps *caps = video_caps ();
  StartingPipeline pipeline (camgate_relay_src_new ("pay0", caps));
  gst_caps_unref (caps);
  GstBufferList *frame = shared_frame ();
  GstBufferList *out = pipeline.push_frame_and_play (frame);
  ASSERT_NE (out, nullptr);
  // rtpbin times a list by its first packet.
  const GstClockTime pts = GST_BUFFER_PTS (gst_buffer_list_get (out, 0));
  ASSERT_TRUE (GST_CLOCK_TIME_IS_VALID (pts));
  EXPECT_LE (pts, pipeline.running_time ());
  gst_buffer_list_unref (out);
  gst_buffer_list_unref (frame);
}

TEST (DepartureStamp, OutputSourceStampsEveryPacketAndLeavesTheSharedFrame)
{
  GstElement *src = gst_element_factory_make ("appsrc", nullptr);
  GstCaps *caps = video_caps ();
  g_object_set (src, "is-live", TRUE, "format", GST_FORMAT_TIME,
      "do-timestamp", TRUE, "caps", caps, nullptr);
  gst_caps_unref (caps);
  stamp_on_departure (src, StampedPackets::Every);
  StartingPipeline pipeline (src);
  GstBufferList *frame = shared_frame ();
  GstBufferList *out = pipeline.push_frame_and_play (frame);
  ASSERT_NE (out, nullptr);
  ASSERT_EQ (gst_buffer_list_length (out), 3u);
  const GstClockTime pts = GST_BUFFER_PTS (gst_buffer_list_get (out, 0));
  ASSERT_TRUE (GST_CLOCK_TIME_IS_VALID (pts));
  EXPECT_LE (pts, pipeline.running_time ());
  for (guint i = 0; i < 3; i++) {
    EXPECT_EQ (GST_BUFFER_PTS (gst_buffer_list_get (out, i)), pts);
    EXPECT_EQ (GST_BUFFER_DTS (gst_buffer_list_get (out, i)), pts);
    // The fanout's own list, shared with other outputs, is untouched.
    EXPECT_FALSE (GST_BUFFER_PTS_IS_VALID (gst_buffer_list_get (frame, i)));
  }
  gst_buffer_list_unref (out);
  gst_buffer_list_unref (frame);
}
