#include "stream/departure_stamp.h"

namespace camgate {

namespace {

GstClockTime
running_time_now (GstElement * element)
{
  GstClock *clock = gst_element_get_clock (element);
  if (!clock)
    return GST_CLOCK_TIME_NONE;
  const GstClockTime now = gst_clock_get_time (clock);
  gst_object_unref (clock);
  const GstClockTime base = gst_element_get_base_time (element);
  return now > base ? now - base : 0;
}

void
stamp (GstBuffer * buffer, GstClockTime time)
{
  GST_BUFFER_PTS (buffer) = time;
  GST_BUFFER_DTS (buffer) = time;
}

GstPadProbeReturn
stamp_departing (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstElement *element = GST_PAD_PARENT (pad);
  const GstClockTime now = element ? running_time_now (element)
      : GST_CLOCK_TIME_NONE;
  if (!GST_CLOCK_TIME_IS_VALID (now))
    return GST_PAD_PROBE_OK;
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *buffer = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER
        (info));
    stamp (buffer, now);
    GST_PAD_PROBE_INFO_DATA (info) = buffer;
    return GST_PAD_PROBE_OK;
  }
  // The fanout shares one list between its outputs: writable copies here
  // hold new buffer headers on the same packet memory.
  GstBufferList *list = gst_buffer_list_make_writable
      (GST_PAD_PROBE_INFO_BUFFER_LIST (info));
  const auto packets = static_cast<StampedPackets> (GPOINTER_TO_INT
      (user_data));
  const guint stamped = packets == StampedPackets::Every
      ? gst_buffer_list_length (list) : MIN (1u, gst_buffer_list_length (list));
  for (guint i = 0; i < stamped; i++)
    stamp (gst_buffer_list_get_writable (list, i), now);
  GST_PAD_PROBE_INFO_DATA (info) = list;
  return GST_PAD_PROBE_OK;
}

}  // namespace

void
stamp_on_departure (GstElement * appsrc, StampedPackets packets)
{
  g_object_set (appsrc, "do-timestamp", FALSE, nullptr);
  GstPad *pad = gst_element_get_static_pad (appsrc, "src");
  gst_pad_add_probe (pad, (GstPadProbeType) (GST_PAD_PROBE_TYPE_BUFFER
          | GST_PAD_PROBE_TYPE_BUFFER_LIST), stamp_departing,
      GINT_TO_POINTER (static_cast<int> (packets)), nullptr);
  gst_object_unref (pad);
}

}  // namespace camgate
