#include "media/health_watch.h"

GST_DEBUG_CATEGORY_STATIC (camgate_health_watch_debug);
#define GST_CAT_DEFAULT camgate_health_watch_debug

struct _CamgateHealthWatch
{
  GstBin parent;
  GstElement *health;              // owned by the bin
  std::function<void (GstElement *, const GstStructure *)> *on_report;
};

G_DEFINE_TYPE_WITH_CODE (CamgateHealthWatch, camgate_health_watch,
    GST_TYPE_BIN, GST_DEBUG_CATEGORY_INIT (camgate_health_watch_debug,
        "camgatehealthwatch", 0,
        "camgate: hands a track's stream-health reports to its stream"));

static void
camgate_health_watch_handle_message (GstBin * bin, GstMessage * message)
{
  auto *self = CAMGATE_HEALTH_WATCH (bin);
  const GstStructure *s = gst_message_get_structure (message);
  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ELEMENT && s
      && GST_MESSAGE_SRC (message) == GST_OBJECT (self->health)
      && gst_structure_has_name (s, "stream-health") && self->on_report) {
    GST_LOG_OBJECT (self, "report %" GST_PTR_FORMAT, s);
    (*self->on_report) (self->health, s);
    // A periodic report that changes nothing has been used: it would only
    // wake the pipeline's bus watch (4 times a second per track).
    gboolean changed = FALSE;
    if (!gst_structure_get_boolean (s, "changed", &changed) || !changed) {
      gst_message_unref (message);
      return;
    }
  }
  GST_BIN_CLASS (camgate_health_watch_parent_class)->handle_message (bin,
      message);
}

static void
camgate_health_watch_finalize (GObject * object)
{
  auto *self = CAMGATE_HEALTH_WATCH (object);
  delete self->on_report;
  G_OBJECT_CLASS (camgate_health_watch_parent_class)->finalize (object);
}

static void
camgate_health_watch_class_init (CamgateHealthWatchClass * klass)
{
  G_OBJECT_CLASS (klass)->finalize = camgate_health_watch_finalize;
  GST_BIN_CLASS (klass)->handle_message =
      GST_DEBUG_FUNCPTR (camgate_health_watch_handle_message);
}

static void
camgate_health_watch_init (CamgateHealthWatch *)
{
}

GstElement *
camgate_health_watch_new (GstElement * health,
    std::function<void (GstElement *, const GstStructure *)> on_report)
{
  auto *self = CAMGATE_HEALTH_WATCH (g_object_new (CAMGATE_TYPE_HEALTH_WATCH,
          nullptr));
  self->health = health;
  self->on_report = new std::function<void (GstElement *,
      const GstStructure *)> (std::move (on_report));
  gst_bin_add (GST_BIN (self), health);
  for (const char *name : { "sink", "src" }) {
    GstPad *target = gst_element_get_static_pad (health, name);
    gst_element_add_pad (GST_ELEMENT (self), gst_ghost_pad_new (name, target));
    gst_object_unref (target);
  }
  return GST_ELEMENT (self);
}
