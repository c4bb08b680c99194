/**
 * SECTION:element-latencyprobe
 * @title: latencyprobe
 * @short_description: reads latencystamp's code and measures latency
 *
 * Reads the block code latencystamp drew into each raw video frame (at any
 * scale), rejects frames whose calibration or checksum fails, and computes
 * now − stamp on the same #GstLatencyProbe:clock. Every
 * #GstLatencyProbe:interval it posts a `latency` element message with the
 * figures of that interval:
 *
 * - `count` (guint64), `rejects` (guint64)
 * - `min`, `median`, `p95`, `max` (gint64, milliseconds; absent when count
 *   is 0)
 *
 * The read-only #GstLatencyProbe:stats has the same fields over everything
 * seen so far (percentiles over the last 10000 frames).
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 -m rtspsrc location=rtsp://gateway:8554/cam ! decodebin
 *     ! videoconvert ! latencyprobe ! fakesink
 * ]|
 *
 * Since: 0.1
 */
#include "gstlatencyprobe.h"

#include "latency_clock.h"
#include "latency_code.h"

#include <algorithm>
#include <deque>
#include <mutex>
#include <vector>

GST_DEBUG_CATEGORY_STATIC (gst_latency_probe_debug);
#define GST_CAT_DEFAULT gst_latency_probe_debug

#define DEFAULT_CLOCK GST_LATENCY_CLOCK_REALTIME
#define DEFAULT_INTERVAL GST_SECOND
#define DEFAULT_SILENT FALSE
#define MAX_KEPT 10000

enum
{
  PROP_0,
  PROP_CLOCK,
  PROP_INTERVAL,
  PROP_SILENT,
  PROP_STATS,
};

namespace {

struct Figures
{
  std::vector<gint64> samples;
  guint64 count = 0;
  guint64 rejects = 0;

  GstStructure *to_structure (const char *name) const
  {
    GstStructure *s = gst_structure_new (name, "count", G_TYPE_UINT64, count,
        "rejects", G_TYPE_UINT64, rejects, nullptr);
    if (samples.empty ())
      return s;
    std::vector<gint64> sorted (samples);
    std::sort (sorted.begin (), sorted.end ());
    auto at = [&](double p) {
      return sorted[std::min (sorted.size () - 1,
              static_cast<size_t> (p * (sorted.size () - 1) + 0.5))];
    };
    gst_structure_set (s, "min", G_TYPE_INT64, sorted.front (),
        "median", G_TYPE_INT64, at (0.5), "p95", G_TYPE_INT64, at (0.95),
        "max", G_TYPE_INT64, sorted.back (), nullptr);
    return s;
  }
};

}  // namespace

struct GstLatencyProbePrivate
{
  std::mutex lock;
  GstLatencyClock clock = DEFAULT_CLOCK;
  GstClockTime interval = DEFAULT_INTERVAL;
  bool silent = DEFAULT_SILENT;
  Figures current;                 // this interval
  Figures total;                   // everything (samples: the last MAX_KEPT)
  gint64 interval_start_us = 0;
};

struct _GstLatencyProbe
{
  GstVideoFilter parent;
  GstLatencyProbePrivate *priv;
};

#define gst_latency_probe_parent_class parent_class
G_DEFINE_TYPE (GstLatencyProbe, gst_latency_probe, GST_TYPE_VIDEO_FILTER);
GST_ELEMENT_REGISTER_DEFINE (latencyprobe, "latencyprobe", GST_RANK_NONE,
    GST_TYPE_LATENCY_PROBE);

static GstFlowReturn
gst_latency_probe_transform_frame_ip (GstVideoFilter * filter,
    GstVideoFrame * frame)
{
  auto self = GST_LATENCY_PROBE (filter);
  auto priv = self->priv;
  const int width = GST_VIDEO_FRAME_WIDTH (frame);
  const int height = GST_VIDEO_FRAME_HEIGHT (frame);
  // The code scales with the frame: read it at this frame's size.
  const int band = camgate::latency::default_band_height (height);
  const int comp = GST_VIDEO_FORMAT_INFO_IS_RGB (frame->info.finfo) ? 1 : 0;
  auto stamp = camgate::latency::read_code (
      static_cast<const uint8_t *> (GST_VIDEO_FRAME_COMP_DATA (frame, comp)),
      GST_VIDEO_FRAME_COMP_STRIDE (frame, comp),
      GST_VIDEO_FRAME_COMP_PSTRIDE (frame, comp), width, band);

  GstMessage *message = nullptr;
  {
    std::lock_guard<std::mutex> lk (priv->lock);
    const guint32 now = gst_latency_clock_now_ms (GST_ELEMENT (self),
        priv->clock);
    if (stamp) {
      // Modular difference: the stamp wraps every 49.7 days.
      const gint64 latency = static_cast<gint32> (now - *stamp);
      priv->current.samples.push_back (latency);
      priv->current.count++;
      priv->total.samples.push_back (latency);
      if (priv->total.samples.size () > MAX_KEPT)
        priv->total.samples.erase (priv->total.samples.begin ());
      priv->total.count++;
    } else {
      priv->current.rejects++;
      priv->total.rejects++;
    }
    const gint64 now_us = g_get_monotonic_time ();
    if (priv->interval_start_us == 0)
      priv->interval_start_us = now_us;
    if ((GstClockTime) (now_us - priv->interval_start_us) * GST_USECOND
        >= priv->interval) {
      if (!priv->silent)
        message = gst_message_new_element (GST_OBJECT (self),
            priv->current.to_structure ("latency"));
      priv->current = Figures ();
      priv->interval_start_us = now_us;
    }
  }
  if (message)
    gst_element_post_message (GST_ELEMENT (self), message);
  return GST_FLOW_OK;
}

static void
gst_latency_probe_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  auto priv = GST_LATENCY_PROBE (object)->priv;
  std::lock_guard<std::mutex> lk (priv->lock);
  switch (prop_id) {
    case PROP_CLOCK:
      priv->clock = static_cast<GstLatencyClock> (g_value_get_enum (value));
      break;
    case PROP_INTERVAL:
      priv->interval = g_value_get_uint64 (value);
      break;
    case PROP_SILENT:
      priv->silent = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
gst_latency_probe_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  auto priv = GST_LATENCY_PROBE (object)->priv;
  std::lock_guard<std::mutex> lk (priv->lock);
  switch (prop_id) {
    case PROP_CLOCK:
      g_value_set_enum (value, priv->clock);
      break;
    case PROP_INTERVAL:
      g_value_set_uint64 (value, priv->interval);
      break;
    case PROP_SILENT:
      g_value_set_boolean (value, priv->silent);
      break;
    case PROP_STATS:
      g_value_take_boxed (value, priv->total.to_structure ("latency-stats"));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
gst_latency_probe_finalize (GObject * object)
{
  delete GST_LATENCY_PROBE (object)->priv;
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_latency_probe_class_init (GstLatencyProbeClass * klass)
{
  auto object_class = G_OBJECT_CLASS (klass);
  auto element_class = GST_ELEMENT_CLASS (klass);
  auto filter_class = GST_VIDEO_FILTER_CLASS (klass);
  object_class->set_property = gst_latency_probe_set_property;
  object_class->get_property = gst_latency_probe_get_property;
  object_class->finalize = gst_latency_probe_finalize;

  auto flags = (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
      | GST_PARAM_MUTABLE_PLAYING);
  g_object_class_install_property (object_class, PROP_CLOCK,
      g_param_spec_enum ("clock", "Clock", "The clock \"now\" is read from "
          "(the stamp's clock)", GST_TYPE_LATENCY_CLOCK, DEFAULT_CLOCK, flags));
  g_object_class_install_property (object_class, PROP_INTERVAL,
      g_param_spec_uint64 ("interval", "Interval",
          "Period of latency messages, in nanoseconds", GST_MSECOND,
          G_MAXUINT64, DEFAULT_INTERVAL, flags));
  g_object_class_install_property (object_class, PROP_SILENT,
      g_param_spec_boolean ("silent", "Silent", "Post no latency messages",
          DEFAULT_SILENT, flags));
  g_object_class_install_property (object_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "count, rejects, min, median, p95, max (ms) of everything so far",
          GST_TYPE_STRUCTURE,
          (GParamFlags) (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));

  gst_latency_add_pad_templates (element_class);
  gst_element_class_set_static_metadata (element_class, "Latency probe",
      "Filter/Analyzer/Video", "Reads latencystamp's code from each frame and "
      "reports now − stamp", "camgate");
  filter_class->transform_frame_ip =
      GST_DEBUG_FUNCPTR (gst_latency_probe_transform_frame_ip);
  GST_DEBUG_CATEGORY_INIT (gst_latency_probe_debug, "latencyprobe", 0,
      "latencyprobe");
}

static void
gst_latency_probe_init (GstLatencyProbe * self)
{
  self->priv = new GstLatencyProbePrivate ();
  // Read only: frames pass unchanged (and uncopied).
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), TRUE);
}
