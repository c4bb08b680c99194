#include "rtsp/relay_src.h"

#include "media/departure_stamp.h"

#include <gst/rtp/gstrtpbuffer.h>

#include <mutex>

// What gst-rtsp-server reads from a payloader's "stats" for RTP-Info: the
// next sequence number and the last RTP time with its running time.
struct RelaySrcStats
{
  std::mutex lock;
  guint clock_rate = 0;
  guint next_seqnum = 0;
  guint timestamp = 0;
  guint ssrc = 0;
  GstClockTime running_time = GST_CLOCK_TIME_NONE;
};

struct _CamgateRelaySrc
{
  GstAppSrc parent;
  guint pt;
  RelaySrcStats *stats;
};

GST_DEBUG_CATEGORY_STATIC (camgate_relay_src_debug);

G_DEFINE_TYPE_WITH_CODE (CamgateRelaySrc, camgate_relay_src, GST_TYPE_APP_SRC,
    GST_DEBUG_CATEGORY_INIT (camgate_relay_src_debug, "camgaterelaysrc", 0,
        "camgate relay source (a stream's fanout into an RTSP media)"));
#define GST_CAT_DEFAULT camgate_relay_src_debug

enum
{
  PROP_0,
  PROP_PT,
  PROP_STATS,
};

static void
camgate_relay_src_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  auto self = CAMGATE_RELAY_SRC (object);
  switch (prop_id) {
    case PROP_PT:
      // The packets keep the payload type they arrived with.
      self->pt = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
camgate_relay_src_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  auto self = CAMGATE_RELAY_SRC (object);
  switch (prop_id) {
    case PROP_PT:
      g_value_set_uint (value, self->pt);
      break;
    case PROP_STATS:{
      std::lock_guard<std::mutex> lk (self->stats->lock);
      g_value_take_boxed (value, gst_structure_new ("application/x-rtp-payload-stats",
              "clock-rate", G_TYPE_UINT, self->stats->clock_rate,
              "running-time", G_TYPE_UINT64, self->stats->running_time,
              "seqnum", G_TYPE_UINT, (self->stats->next_seqnum + 0xffff) & 0xffff,
              "seqnum-offset", G_TYPE_UINT, self->stats->next_seqnum,
              "timestamp", G_TYPE_UINT, self->stats->timestamp,
              "ssrc", G_TYPE_UINT, self->stats->ssrc,
              "pt", G_TYPE_UINT, self->pt, nullptr));
      break;
    }
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
camgate_relay_src_finalize (GObject * object)
{
  delete CAMGATE_RELAY_SRC (object)->stats;
  G_OBJECT_CLASS (camgate_relay_src_parent_class)->finalize (object);
}

static GstPadProbeReturn
camgate_relay_src_note_packet (GstPad * pad, GstPadProbeInfo * info,
    gpointer user_data)
{
  auto self = CAMGATE_RELAY_SRC (user_data);
  GstBuffer *buffer;
  GstClockTime pts;
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList *list = GST_PAD_PROBE_INFO_BUFFER_LIST (info);
    guint length = gst_buffer_list_length (list);
    if (length == 0)
      return GST_PAD_PROBE_OK;
    buffer = gst_buffer_list_get (list, length - 1);
    // A list (one video frame) is stamped on its first packet.
    pts = GST_BUFFER_PTS (gst_buffer_list_get (list, 0));
  } else {
    buffer = GST_PAD_PROBE_INFO_BUFFER (info);
    pts = GST_BUFFER_PTS (buffer);
  }
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (!gst_rtp_buffer_map (buffer, GST_MAP_READ, &rtp))
    return GST_PAD_PROBE_OK;
  GstClockTime running_time = GST_CLOCK_TIME_NONE;
  GstEvent *event = gst_pad_get_sticky_event (pad, GST_EVENT_SEGMENT, 0);
  if (event) {
    const GstSegment *segment;
    gst_event_parse_segment (event, &segment);
    running_time = gst_segment_to_running_time (segment, GST_FORMAT_TIME, pts);
    gst_event_unref (event);
  }
  {
    std::lock_guard<std::mutex> lk (self->stats->lock);
    self->stats->next_seqnum = (gst_rtp_buffer_get_seq (&rtp) + 1) & 0xffff;
    self->stats->timestamp = gst_rtp_buffer_get_timestamp (&rtp);
    self->stats->ssrc = gst_rtp_buffer_get_ssrc (&rtp);
    self->stats->running_time = running_time;
  }
  gst_rtp_buffer_unmap (&rtp);
  return GST_PAD_PROBE_OK;
}

static void
camgate_relay_src_class_init (CamgateRelaySrcClass * klass)
{
  auto object_class = G_OBJECT_CLASS (klass);
  object_class->set_property = camgate_relay_src_set_property;
  object_class->get_property = camgate_relay_src_get_property;
  object_class->finalize = camgate_relay_src_finalize;
  g_object_class_install_property (object_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Sequence number, RTP time and running time of the last packet, "
          "as gst-rtsp-server needs them for RTP-Info", GST_TYPE_STRUCTURE,
          (GParamFlags) (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));
  g_object_class_install_property (object_class, PROP_PT,
      g_param_spec_uint ("pt", "Payload type",
          "RTP payload type of the relayed packets", 0, 127, 96,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)));
}

static void
camgate_relay_src_init (CamgateRelaySrc * self)
{
  self->pt = 96;
  self->stats = new RelaySrcStats ();
}

GstElement *
camgate_relay_src_new (const gchar * name, GstCaps * caps)
{
  auto self = CAMGATE_RELAY_SRC (g_object_new (CAMGATE_TYPE_RELAY_SRC, "name",
          name, nullptr));
  gint pt = 96;
  if (caps && gst_caps_get_size (caps) > 0)
    gst_structure_get_int (gst_caps_get_structure (caps, 0), "payload", &pt);
  self->pt = static_cast<guint> (pt);
  gint clock_rate = 0;
  if (caps && gst_caps_get_size (caps) > 0)
    gst_structure_get_int (gst_caps_get_structure (caps, 0), "clock-rate",
        &clock_rate);
  self->stats->clock_rate = static_cast<guint> (clock_rate);
  GST_DEBUG_OBJECT (self, "relaying %" GST_PTR_FORMAT, caps);
  camgate::stamp_on_departure (GST_ELEMENT (self),
      camgate::StampedPackets::First);
  GstPad *pad = gst_element_get_static_pad (GST_ELEMENT (self), "src");
  gst_pad_add_probe (pad, (GstPadProbeType) (GST_PAD_PROBE_TYPE_BUFFER
          | GST_PAD_PROBE_TYPE_BUFFER_LIST), camgate_relay_src_note_packet,
      self, nullptr);
  gst_object_unref (pad);
  // Live and never more than ~2 MiB behind: a stalled output drops its
  // oldest packets instead of growing without bound.
  g_object_set (self, "caps", caps, "is-live", TRUE, "format", GST_FORMAT_TIME,
      "max-bytes", (guint64) 2 * 1024 * 1024,
      "block", FALSE, "leaky-type", 2 /* downstream: drop old */ , nullptr);
  return GST_ELEMENT (self);
}
