// A stream's health board is driven by its tracks' stream-health messages:
// CamgateHealthWatch hands each one over as it is posted (and lets it go on
// to the bus), and the board tells its listener when the state or reasons
// change, with no one reading the elements.
#include "media/health_board.h"

#include <gst/check/gstharness.h>
#include <gtest/gtest.h>

#include <atomic>

using camgate::HealthBoard;

TEST (HealthBoard, TrackReportsDriveTheSummaryAndEachChangeIsTold)
{
  auto board = std::make_shared<HealthBoard> ();
  std::atomic<int> changes { 0 };
  board->on_change ([&]() { changes++; });
  camgate::HealthSpec spec;
  spec.stall_timeout_ms = 1000;
  GstElement *watch = board->make_watch (spec);
  ASSERT_NE (watch, nullptr);
  GstHarness *h = gst_harness_new_with_element (watch, "sink", "src");
  GstBus *bus = gst_bus_new ();
  gst_element_set_bus (watch, bus);
  gst_harness_use_testclock (h);
  gst_harness_set_time (h, 0);
  gst_harness_set_src_caps_str (h,
      "video/x-h264,stream-format=byte-stream,alignment=au");
  EXPECT_TRUE (board->read ().stale);             // nothing reported yet

  for (int i = 0; i < 10; i++) {
    gst_harness_set_time (h, i * 40 * GST_MSECOND);
    GstBuffer *buffer = gst_harness_create_buffer (h, 1000);
    GST_BUFFER_PTS (buffer) = i * 40 * GST_MSECOND;
    if (i % 5)
      GST_BUFFER_FLAG_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT);
    ASSERT_EQ (gst_harness_push (h, buffer), GST_FLOW_OK);
    gst_buffer_unref (gst_harness_pull (h));
  }
  // The watchdog's periodic report: figures, no change of state.
  ASSERT_TRUE (gst_harness_crank_single_clock_wait (h));
  auto summary = board->read ();
  EXPECT_FALSE (summary.stale);
  EXPECT_EQ (summary.state, "healthy");
  ASSERT_EQ (summary.tracks.size (), 1u);
  EXPECT_GT (summary.tracks[0].bitrate, 0u);
  EXPECT_EQ (changes, 0);

  // Nothing more arrives: the stall is told once, as it is reported.
  for (int i = 0; i < 8 && board->read ().state != "stalled"; i++)
    ASSERT_TRUE (gst_harness_crank_single_clock_wait (h));
  EXPECT_EQ (board->read ().state, "stalled");
  EXPECT_EQ (changes, 1);
  ASSERT_TRUE (gst_harness_crank_single_clock_wait (h));
  EXPECT_EQ (changes, 1);                          // still stalled: no news

  // Only the change reached the pipeline's bus: the periodic reports that
  // changed nothing stopped at the watch.
  GstMessage *message = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT);
  ASSERT_NE (message, nullptr);
  EXPECT_TRUE (gst_structure_has_name (gst_message_get_structure (message),
          "stream-health"));
  gboolean changed = FALSE;
  gst_structure_get_boolean (gst_message_get_structure (message), "changed",
      &changed);
  EXPECT_TRUE (changed);
  gst_message_unref (message);
  EXPECT_EQ (gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT), nullptr);

  // A new session: the last reading stays, marked as from before.
  board->begin_session ();
  summary = board->read ();
  EXPECT_TRUE (summary.stale);
  EXPECT_EQ (summary.state, "stalled");
  // The old session's element reports no more into the board.
  ASSERT_TRUE (gst_harness_crank_single_clock_wait (h));
  EXPECT_TRUE (board->read ().stale);

  gst_element_set_bus (watch, nullptr);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}
