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
