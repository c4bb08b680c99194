#pragma once

#include <gst/base/gstbasetransform.h>

G_BEGIN_DECLS

#define GST_TYPE_STREAM_HEALTH (gst_stream_health_get_type ())
G_DECLARE_FINAL_TYPE (GstStreamHealth, gst_stream_health, GST, STREAM_HEALTH,
    GstBaseTransform);

GST_ELEMENT_REGISTER_DECLARE (streamhealth);

G_END_DECLS
