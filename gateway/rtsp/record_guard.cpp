#include "record_guard.h"

#include <gst/rtp/gstrtcpbuffer.h>
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
  // The sender's SSRC, bit 32 set once locked (read by the RTCP thread).
  std::atomic<guint64> sender { 0 };
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
  // The first valid packet names the sender; RTP arrives on one thread.
  guint64 sender = guard.sender.load ();
  if (!sender) {
    sender = (G_GUINT64_CONSTANT (1) << 32) | ssrc;
    guard.sender = sender;
  }
  return ssrc == static_cast<guint32> (sender);
}

// RTCP from the publisher: a valid compound packet, no BYE (which would
// make rtpbin drop the sender and rebuild its receive path for the next
// packet), and sender reports only from the locked sender.
bool
acceptable_rtcp (TrackGuard & guard, GstBuffer * buffer)
{
  if (!gst_rtcp_buffer_validate (buffer))
    return false;
  const guint64 sender = guard.sender.load ();
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  if (!sender || !gst_rtcp_buffer_map (buffer, GST_MAP_READ, &rtcp))
    return false;
  bool ok = true;
  GstRTCPPacket packet;
  for (gboolean more = gst_rtcp_buffer_get_first_packet (&rtcp, &packet);
      more && ok; more = gst_rtcp_packet_move_to_next (&packet)) {
    const GstRTCPType type = gst_rtcp_packet_get_type (&packet);
    if (type == GST_RTCP_TYPE_BYE) {
      ok = false;
    } else if (type == GST_RTCP_TYPE_SR) {
      guint32 ssrc = 0;
      gst_rtcp_packet_sr_get_sender_info (&packet, &ssrc, nullptr, nullptr,
          nullptr, nullptr);
      ok = ssrc == static_cast<guint32> (sender);
    }
  }
  gst_rtcp_buffer_unmap (&rtcp);
  return ok;
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
filter_rtcp (GstPad *, GstPadProbeInfo * info, gpointer data)
{
  auto & guard = **static_cast<std::shared_ptr<TrackGuard> *> (data);
  // TCP and UDP deliver RTCP one compound packet at a time.
  if ((info->type & GST_PAD_PROBE_TYPE_BUFFER)
      && acceptable_rtcp (guard, GST_PAD_PROBE_INFO_BUFFER (info)))
    return GST_PAD_PROBE_OK;
  return GST_PAD_PROBE_DROP;
}

GstPadProbeReturn
filter_packets (GstPad *, GstPadProbeInfo * info, gpointer data)
{
  auto *guard = static_cast<std::shared_ptr<TrackGuard> *> (data)->get ();
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

// rtpulpfecdec asserts that every caps event carries an SSRC, and rtpbin
// sends it caps without one when a receive path resets (a publisher's
// sequence numbers jumping is enough). Such caps get the SSRC the pad had.
GstPadProbeReturn
keep_caps_ssrc (GstPad * pad, GstPadProbeInfo * info, gpointer)
{
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  if (GST_EVENT_TYPE (event) != GST_EVENT_CAPS)
    return GST_PAD_PROBE_OK;
  GstCaps *caps;
  gst_event_parse_caps (event, &caps);
  guint ssrc = 0;
  if (gst_caps_get_size (caps) > 0 && gst_structure_get_uint (
          gst_caps_get_structure (caps, 0), "ssrc", &ssrc))
    return GST_PAD_PROBE_OK;
  GstCaps *previous = gst_pad_get_current_caps (pad);
  bool known = previous && gst_structure_get_uint (
      gst_caps_get_structure (previous, 0), "ssrc", &ssrc);
  if (previous)
    gst_caps_unref (previous);
  if (!known || gst_caps_get_size (caps) == 0)
    return GST_PAD_PROBE_DROP;
  GstCaps *fixed = gst_caps_copy (caps);
  gst_caps_set_simple (fixed, "ssrc", G_TYPE_UINT, ssrc, nullptr);
  gst_event_unref (event);
  GST_PAD_PROBE_INFO_DATA (info) = gst_event_new_caps (fixed);
  gst_caps_unref (fixed);
  return GST_PAD_PROBE_OK;
}

void
on_element_added (GstBin *, GstBin *, GstElement * element, gpointer)
{
  GstElementFactory *factory = gst_element_get_factory (element);
  if (!factory || !g_str_equal (GST_OBJECT_NAME (factory), "rtpulpfecdec"))
    return;
  if (GstPad *sink = gst_element_get_static_pad (element, "sink")) {
    gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
        keep_caps_ssrc, nullptr, nullptr);
    gst_object_unref (sink);
  }
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
  g_signal_connect (rtpbin, "deep-element-added",
      G_CALLBACK (on_element_added), nullptr);
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
    auto guard = std::make_shared<TrackGuard> ();
    guard->stream = *name;
    guard->index = index;
    // gst_rtsp_stream_get_pt() asks the payloader, and a RECORD stream has
    // none: the types come from the publisher's SDP.
    if (index < media_guard->payload_types.size ())
      guard->payload_types = media_guard->payload_types[index];
    auto release = [](gpointer p) {
      delete static_cast<std::shared_ptr<TrackGuard> *> (p);
    };
    gst_pad_add_probe (pad, (GstPadProbeType) (GST_PAD_PROBE_TYPE_BUFFER
            | GST_PAD_PROBE_TYPE_BUFFER_LIST), filter_packets,
        new std::shared_ptr<TrackGuard> (guard), release);
    gst_object_unref (pad);
    g_autofree gchar *rtcp_name = g_strdup_printf ("recv_rtcp_sink_%u", index);
    if (GstPad *rtcp = gst_element_get_static_pad (rtpbin, rtcp_name)) {
      gst_pad_add_probe (rtcp, (GstPadProbeType) (GST_PAD_PROBE_TYPE_BUFFER
              | GST_PAD_PROBE_TYPE_BUFFER_LIST), filter_rtcp,
          new std::shared_ptr<TrackGuard> (guard), release);
      gst_object_unref (rtcp);
    }
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
