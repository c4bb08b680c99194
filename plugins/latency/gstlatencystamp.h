#pragma once

#include <gst/video/gstvideofilter.h>

G_BEGIN_DECLS

#define GST_TYPE_LATENCY_STAMP (gst_latency_stamp_get_type ())
G_DECLARE_FINAL_TYPE (GstLatencyStamp, gst_latency_stamp, GST, LATENCY_STAMP,
    GstVideoFilter);
GST_ELEMENT_REGISTER_DECLARE (latencystamp);

G_END_DECLS
