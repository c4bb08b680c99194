#include "latency_clock.h"

GType
gst_latency_clock_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { GST_LATENCY_CLOCK_REALTIME, "Wall clock (CLOCK_REALTIME)", "realtime" },
    { GST_LATENCY_CLOCK_PIPELINE, "The pipeline clock's absolute time",
        "pipeline" },
    { 0, nullptr, nullptr },
  };
  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstLatencyClock", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

guint32
gst_latency_clock_now_ms (GstElement * element, GstLatencyClock which)
{
  if (which == GST_LATENCY_CLOCK_PIPELINE) {
    GstClock *clock = gst_element_get_clock (element);
    if (clock) {
      GstClockTime now = gst_clock_get_time (clock);
      gst_object_unref (clock);
      return static_cast<guint32> ((now / GST_MSECOND) & 0xffffffffu);
    }
  }
  return static_cast<guint32> ((g_get_real_time () / 1000) & 0xffffffffu);
}

void
gst_latency_add_pad_templates (GstElementClass * element_class)
{
  GstCaps *caps = gst_caps_from_string (GST_LATENCY_VIDEO_CAPS);
  gst_element_class_add_pad_template (element_class,
      gst_pad_template_new ("sink", GST_PAD_SINK, GST_PAD_ALWAYS, caps));
  gst_element_class_add_pad_template (element_class,
      gst_pad_template_new ("src", GST_PAD_SRC, GST_PAD_ALWAYS, caps));
  gst_caps_unref (caps);
}
