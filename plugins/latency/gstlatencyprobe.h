#pragma once

#include <gst/video/gstvideofilter.h>

G_BEGIN_DECLS

#define GST_TYPE_LATENCY_PROBE (gst_latency_probe_get_type ())
G_DECLARE_FINAL_TYPE (GstLatencyProbe, gst_latency_probe, GST, LATENCY_PROBE,
    GstVideoFilter);
GST_ELEMENT_REGISTER_DECLARE (latencyprobe);

G_END_DECLS
