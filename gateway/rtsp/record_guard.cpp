#include "record_guard.h"

#include <gst/rtp/gstrtpbuffer.h>

#include <algorithm>
#include <atomic>
#include <memory>

namespace camgate {

namespace {

// One announced track: the payload type it may carry and, from its first
// valid packet on, the sender it belongs to.
struct TrackGuard
{
  std::string stream;
  guint index = 0;
  std::vector<guint> payload_types;
  bool locked = false;
  guint32 ssrc = 0;
  std::atomic<bool> reported { false };
};

bool
acceptable (TrackGuard & guard, GstBuffer * buffer)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  // Validates version 2, header, CSRC list, extension and padding lengths.
  if (!gst_rtp_buffer_map (buffer, GST_MAP_READ, &rtp))
    return false;
  const guint pt = gst_rtp_buffer_get_payload_type (&rtp);
  const guint32 ssrc = gst_rtp_buffer_get_ssrc (&rtp);
  const bool has_payload = gst_rtp_buffer_get_payload_len (&rtp) > 0;
  gst_rtp_buffer_unmap (&rtp);
  if (!has_payload || std::find (guard.payload_types.begin (),
          guard.payload_types.end (), pt) == guard.payload_types.end ())
    return false;
  // Probes on one pad run in its streaming thread, one at a time.
  if (!guard.locked) {
    guard.locked = true;
    guard.ssrc = ssrc;
  }
  return ssrc == guard.ssrc;
}

gboolean
drop_unacceptable (GstBuffer ** buffer, guint, gpointer guard)
{
  if (!acceptable (*static_cast<TrackGuard *> (guard), *buffer))
    gst_clear_buffer (buffer);
  return TRUE;
}

void
report (TrackGuard & guard)
{
  if (!guard.reported.exchange (true))
    g_message ("stream %s: dropping RTP packets on track %u that do not match "
        "the announced stream (malformed, another payload type or another "
        "sender)", guard.stream.c_str (), guard.index);
}

GstPadProbeReturn
filter_packets (GstPad *, GstPadProbeInfo * info, gpointer data)
{
  auto *guard = static_cast<TrackGuard *> (data);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    if (acceptable (*guard, GST_PAD_PROBE_INFO_BUFFER (info)))
      return GST_PAD_PROBE_OK;
    report (*guard);
    return GST_PAD_PROBE_DROP;
  }
  GstBufferList *list = GST_PAD_PROBE_INFO_BUFFER_LIST (info);
  bool all = true;
  for (guint i = 0; i < gst_buffer_list_length (list) && all; i++)
    all = acceptable (*guard, gst_buffer_list_get (list, i));
  if (all)
    return GST_PAD_PROBE_OK;
  // Rare (TCP delivers single buffers): keep only the acceptable ones.
  list = gst_buffer_list_make_writable (list);
  gst_buffer_list_foreach (list, drop_unacceptable, guard);
  GST_PAD_PROBE_INFO_DATA (info) = list;
  report (*guard);
  return GST_PAD_PROBE_OK;
}

GstElement *
find_rtpbin (GstRTSPMedia * media)
{
  GstElement *element = gst_rtsp_media_get_element (media);
  GstObject *pipeline = gst_object_get_parent (GST_OBJECT (element));
  gst_object_unref (element);
  if (!pipeline)
    return nullptr;
  GstElement *found = nullptr;
  GstIterator *it = gst_bin_iterate_elements (GST_BIN (pipeline));
  GValue item = G_VALUE_INIT;
  while (!found && gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    auto *child = GST_ELEMENT (g_value_get_object (&item));
    GstElementFactory *factory = gst_element_get_factory (child);
    if (factory && g_str_equal (GST_OBJECT_NAME (factory), "rtpbin"))
      found = GST_ELEMENT (gst_object_ref (child));
    g_value_reset (&item);
  }
  g_value_unset (&item);
  gst_iterator_free (it);
  gst_object_unref (pipeline);
  return found;
}

struct MediaGuard
{
  std::string stream;
  std::vector<std::vector<guint>> payload_types;
};

void
on_prepared (GstRTSPMedia * media, gpointer data)
{
  auto *media_guard = static_cast<MediaGuard *> (data);
  const std::string *name = &media_guard->stream;
  GstElement *rtpbin = find_rtpbin (media);
  if (!rtpbin) {
    g_warning ("stream %s: no rtpbin in the publisher's media: RECORD "
        "packets are not filtered", name->c_str ());
    return;
  }
  for (guint i = 0; i < gst_rtsp_media_n_streams (media); i++) {
    GstRTSPStream *stream = gst_rtsp_media_get_stream (media, i);
    const guint index = gst_rtsp_stream_get_index (stream);
    g_autofree gchar *pad_name = g_strdup_printf ("recv_rtp_sink_%u", index);
    GstPad *pad = gst_element_get_static_pad (rtpbin, pad_name);
    if (!pad) {
      g_warning ("stream %s: no %s in the publisher's media", name->c_str (),
          pad_name);
      continue;
    }
    auto *guard = new TrackGuard ();
    guard->stream = *name;
    guard->index = index;
    // gst_rtsp_stream_get_pt() asks the payloader, and a RECORD stream has
    // none: the types come from the publisher's SDP.
    if (index < media_guard->payload_types.size ())
      guard->payload_types = media_guard->payload_types[index];
    gst_pad_add_probe (pad, (GstPadProbeType) (GST_PAD_PROBE_TYPE_BUFFER
            | GST_PAD_PROBE_TYPE_BUFFER_LIST), filter_packets, guard,
        [](gpointer p) { delete static_cast<TrackGuard *> (p); });
    gst_object_unref (pad);
  }
  gst_object_unref (rtpbin);
}

}  // namespace

void
guard_record_media (GstRTSPMedia * media, const std::string & stream_name,
    std::vector<std::vector<guint>> payload_types)
{
  g_signal_connect_data (media, "prepared", G_CALLBACK (on_prepared),
      new MediaGuard { stream_name, std::move (payload_types) },
      [](gpointer p, GClosure *) {
        delete static_cast<MediaGuard *> (p);
      }, (GConnectFlags) 0);
}

}  // namespace camgate
