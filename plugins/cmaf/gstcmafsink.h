#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_CMAF_SINK (gst_cmaf_sink_get_type ())
G_DECLARE_FINAL_TYPE (GstCmafSink, gst_cmaf_sink, GST, CMAF_SINK, GstBin);

GST_ELEMENT_REGISTER_DECLARE (cmafsink);

G_END_DECLS
