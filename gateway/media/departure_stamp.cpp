#include "media/departure_stamp.h"

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

// The running time of the element owning `pad`; NONE without one or a clock.
GstClockTime
pad_running_time (GstPad * pad)
{
  GstElement *element = GST_PAD_PARENT (pad);
  return element ? running_time_now (element) : GST_CLOCK_TIME_NONE;
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
  const GstClockTime now = pad_running_time (pad);
  if (!GST_CLOCK_TIME_IS_VALID (now))
    return GST_PAD_PROBE_OK;
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *buffer = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER
        (info));
    stamp (buffer, now);
    GST_PAD_PROBE_INFO_DATA (info) = buffer;
    return GST_PAD_PROBE_OK;
  }
  // Each output's list is its own, but its packets are shared with the
  // other outputs: writable buffers here are new headers on the same memory.
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

GstClock *
system_clock ()
{
  static GstClock *clock = [] {
    GstClock *obtained = gst_system_clock_obtain ();
    GST_OBJECT_FLAG_SET (obtained, GST_OBJECT_FLAG_MAY_BE_LEAKED);
    return obtained;
  } ();
  return clock;
}

// The clock time of the frame `first` starts: its frame clock time, else
// its arrival at the fanout; NONE with neither.
GstClockTime
frame_clock_time (GstBuffer * first)
{
  if (GstReferenceTimestampMeta *meta = gst_buffer_get_reference_timestamp_meta
          (first, frame_clock_caps ()))
    return meta->timestamp;
  return GST_BUFFER_DTS (first);
}

// The running time of clock time `clock_time` in `pad`'s element, else now.
GstClockTime
running_time_of (GstPad * pad, GstClockTime clock_time)
{
  GstElement *element = GST_PAD_PARENT (pad);
  if (element && GST_CLOCK_TIME_IS_VALID (clock_time)
      && GST_ELEMENT_CLOCK (element) == system_clock ()) {
    const GstClockTime base = gst_element_get_base_time (element);
    if (clock_time >= base)
      return clock_time - base;
  }
  return pad_running_time (pad);
}

GstPadProbeReturn
stamp_from_clock (GstPad * pad, GstPadProbeInfo * info, gpointer)
{
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *buffer = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER
        (info));
    stamp (buffer, running_time_of (pad, frame_clock_time (buffer)));
    GST_PAD_PROBE_INFO_DATA (info) = buffer;
    return GST_PAD_PROBE_OK;
  }
  GstBufferList *list = GST_PAD_PROBE_INFO_BUFFER_LIST (info);
  if (gst_buffer_list_length (list) == 0)
    return GST_PAD_PROBE_OK;
  // The packets of a frame share its time (read before the first is
  // restamped).
  const GstClockTime time = running_time_of (pad,
      frame_clock_time (gst_buffer_list_get (list, 0)));
  list = gst_buffer_list_make_writable (list);
  for (guint i = 0; i < gst_buffer_list_length (list); i++)
    stamp (gst_buffer_list_get_writable (list, i), time);
  GST_PAD_PROBE_INFO_DATA (info) = list;
  return GST_PAD_PROBE_OK;
}

// How far a track's times are shifted to sit on the running time.
struct Anchor
{
  bool set = false;
  GstClockTimeDiff offset = 0;
};

void
shift (GstBuffer * buffer, GstClockTimeDiff offset)
{
  if (GST_BUFFER_PTS_IS_VALID (buffer))
    GST_BUFFER_PTS (buffer) = (GstClockTime) MAX (0, (GstClockTimeDiff)
        GST_BUFFER_PTS (buffer) + offset);
  if (GST_BUFFER_DTS_IS_VALID (buffer))
    GST_BUFFER_DTS (buffer) = (GstClockTime) MAX (0, (GstClockTimeDiff)
        GST_BUFFER_DTS (buffer) + offset);
}

// Moves `anchor` when `pts` parted from the running time `now`.
void
follow (Anchor & anchor, GstClockTime pts, GstClockTime now)
{
  const GstClockTimeDiff apart = (GstClockTimeDiff) pts + anchor.offset
      - (GstClockTimeDiff) now;
  if (!anchor.set || ABS (apart) > (GstClockTimeDiff) kAnchorTolerance) {
    anchor.offset = (GstClockTimeDiff) now - (GstClockTimeDiff) pts;
    anchor.set = true;
  }
}

GstPadProbeReturn
keep_anchored (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  auto *anchor = static_cast<Anchor *> (user_data);
  const GstClockTime now = pad_running_time (pad);
  if (!GST_CLOCK_TIME_IS_VALID (now))
    return GST_PAD_PROBE_OK;
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *buffer = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER
        (info));
    GST_PAD_PROBE_INFO_DATA (info) = buffer;
    if (GST_BUFFER_PTS_IS_VALID (buffer))
      follow (*anchor, GST_BUFFER_PTS (buffer), now);
    if (anchor->set)
      shift (buffer, anchor->offset);
    return GST_PAD_PROBE_OK;
  }
  GstBufferList *list = GST_PAD_PROBE_INFO_BUFFER_LIST (info);
  if (!GST_IS_BUFFER_LIST (list) || gst_buffer_list_length (list) == 0)
    return GST_PAD_PROBE_OK;
  list = gst_buffer_list_make_writable (list);
  GST_PAD_PROBE_INFO_DATA (info) = list;
  GstBuffer *first = gst_buffer_list_get (list, 0);
  if (GST_BUFFER_PTS_IS_VALID (first))
    follow (*anchor, GST_BUFFER_PTS (first), now);
  if (anchor->set)
    for (guint i = 0; i < gst_buffer_list_length (list); i++)
      shift (gst_buffer_list_get_writable (list, i), anchor->offset);
  return GST_PAD_PROBE_OK;
}

}  // namespace

void
anchor_to_running_time (GstElement * element)
{
  GstPad *pad = gst_element_get_static_pad (element, "src");
  gst_pad_add_probe (pad, (GstPadProbeType) (GST_PAD_PROBE_TYPE_BUFFER
          | GST_PAD_PROBE_TYPE_BUFFER_LIST), keep_anchored, new Anchor (),
      [](gpointer data) { delete static_cast<Anchor *> (data); });
  gst_object_unref (pad);
}

GstCaps *
frame_clock_caps ()
{
  static GstCaps *caps = [] {
    GstCaps *made = gst_caps_new_empty_simple
        ("timestamp/x-camgate-frame-clock");
    GST_MINI_OBJECT_FLAG_SET (made, GST_MINI_OBJECT_FLAG_MAY_BE_LEAKED);
    return made;
  } ();
  return caps;
}

void
set_frame_clock_time (GstBuffer * buffer, GstClockTime clock_time)
{
  gst_buffer_add_reference_timestamp_meta (buffer, frame_clock_caps (),
      clock_time, GST_CLOCK_TIME_NONE);
}

void
mark_arrival (GstBuffer * first_packet)
{
  GST_BUFFER_DTS (first_packet) = gst_clock_get_time (system_clock ());
}

void
stamp_from_clock_time (GstElement * appsrc)
{
  g_object_set (appsrc, "do-timestamp", FALSE, nullptr);
  GstPad *pad = gst_element_get_static_pad (appsrc, "src");
  gst_pad_add_probe (pad, (GstPadProbeType) (GST_PAD_PROBE_TYPE_BUFFER
          | GST_PAD_PROBE_TYPE_BUFFER_LIST), stamp_from_clock, nullptr,
      nullptr);
  gst_object_unref (pad);
}

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
