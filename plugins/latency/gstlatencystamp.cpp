/**
 * SECTION:element-latencystamp
 * @title: latencystamp
 * @short_description: draws the current time into each video frame
 *
 * Writes a timestamp (milliseconds modulo 2^32 of the wall clock, or of the
 * pipeline clock's absolute time with #GstLatencyStamp:clock=pipeline) into
 * every raw video frame as a block code in a band at the top: two rows of 25
 * black/white cells sized relative to the frame, with a calibration pair and
 * a CRC-16, so it survives low-bitrate H.264/H.265 encoding and down-scaling
 * to a quarter, and a damaged read is rejected (see latencyprobe and
 * docs/elements.md for the layout).
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 videotestsrc is-live=true ! latencystamp ! x264enc
 *     tune=zerolatency ! avdec_h264 ! latencyprobe ! fakesink
 * ]|
 *
 * Since: 0.1
 */
#include "gstlatencystamp.h"

#include "latency_clock.h"
#include "latency_code.h"

GST_DEBUG_CATEGORY_STATIC (gst_latency_stamp_debug);
#define GST_CAT_DEFAULT gst_latency_stamp_debug

#define DEFAULT_BAND_HEIGHT 0
#define DEFAULT_CLOCK GST_LATENCY_CLOCK_REALTIME

enum
{
  PROP_0,
  PROP_BAND_HEIGHT,
  PROP_CLOCK,
};

struct _GstLatencyStamp
{
  GstVideoFilter parent;
  gint band_height;
  GstLatencyClock clock;
};

#define gst_latency_stamp_parent_class parent_class
G_DEFINE_TYPE (GstLatencyStamp, gst_latency_stamp, GST_TYPE_VIDEO_FILTER);
GST_ELEMENT_REGISTER_DEFINE (latencystamp, "latencystamp", GST_RANK_NONE,
    GST_TYPE_LATENCY_STAMP);

static GstFlowReturn
gst_latency_stamp_transform_frame_ip (GstVideoFilter * filter,
    GstVideoFrame * frame)
{
  auto self = GST_LATENCY_STAMP (filter);
  const int width = GST_VIDEO_FRAME_WIDTH (frame);
  const int height = GST_VIDEO_FRAME_HEIGHT (frame);
  int band;
  GstLatencyClock clock;
  GST_OBJECT_LOCK (self);
  band = self->band_height ? self->band_height
      : camgate::latency::default_band_height (height);
  clock = self->clock;
  GST_OBJECT_UNLOCK (self);
  band = MIN (band, height);
  const guint32 now = gst_latency_clock_now_ms (GST_ELEMENT (self), clock);

  // YUV: the luma plane. RGB: every colour component gets the same value.
  const GstVideoFormatInfo *info = frame->info.finfo;
  const int components = GST_VIDEO_FORMAT_INFO_IS_RGB (info) ? 3 : 1;
  for (int c = 0; c < components; c++)
    camgate::latency::write_code (
        static_cast<uint8_t *> (GST_VIDEO_FRAME_COMP_DATA (frame, c)),
        GST_VIDEO_FRAME_COMP_STRIDE (frame, c),
        GST_VIDEO_FRAME_COMP_PSTRIDE (frame, c), width, band, now);
  return GST_FLOW_OK;
}

static void
gst_latency_stamp_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  auto self = GST_LATENCY_STAMP (object);
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_BAND_HEIGHT:
      self->band_height = g_value_get_int (value);
      break;
    case PROP_CLOCK:
      self->clock = static_cast<GstLatencyClock> (g_value_get_enum (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_latency_stamp_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  auto self = GST_LATENCY_STAMP (object);
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_BAND_HEIGHT:
      g_value_set_int (value, self->band_height);
      break;
    case PROP_CLOCK:
      g_value_set_enum (value, self->clock);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_latency_stamp_class_init (GstLatencyStampClass * klass)
{
  auto object_class = G_OBJECT_CLASS (klass);
  auto element_class = GST_ELEMENT_CLASS (klass);
  auto filter_class = GST_VIDEO_FILTER_CLASS (klass);
  object_class->set_property = gst_latency_stamp_set_property;
  object_class->get_property = gst_latency_stamp_get_property;

  g_object_class_install_property (object_class, PROP_BAND_HEIGHT,
      g_param_spec_int ("band-height", "Band height",
          "Height of the code band at the top of the frame, in pixels "
          "(0 = an eighth of the frame height)", 0, 4096, DEFAULT_BAND_HEIGHT,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_PLAYING)));
  g_object_class_install_property (object_class, PROP_CLOCK,
      g_param_spec_enum ("clock", "Clock", "The clock the stamp is read from",
          GST_TYPE_LATENCY_CLOCK, DEFAULT_CLOCK,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY)));

  gst_latency_add_pad_templates (element_class);
  gst_element_class_set_static_metadata (element_class, "Latency stamp",
      "Filter/Effect/Video", "Draws the current time into each frame as a "
      "block code that survives encoding and scaling", "camgate");
  filter_class->transform_frame_ip =
      GST_DEBUG_FUNCPTR (gst_latency_stamp_transform_frame_ip);
  GST_DEBUG_CATEGORY_INIT (gst_latency_stamp_debug, "latencystamp", 0,
      "latencystamp");
  gst_type_mark_as_plugin_api (GST_TYPE_LATENCY_CLOCK, (GstPluginAPIFlags) 0);
}

static void
gst_latency_stamp_init (GstLatencyStamp * self)
{
  self->band_height = DEFAULT_BAND_HEIGHT;
  self->clock = DEFAULT_CLOCK;
}
