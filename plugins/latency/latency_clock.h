// The clock both latency elements read: the wall clock, or the pipeline
// clock's absolute time (for a net/system clock shared by the two ends).
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

typedef enum
{
  GST_LATENCY_CLOCK_REALTIME,
  GST_LATENCY_CLOCK_PIPELINE,
} GstLatencyClock;

#define GST_TYPE_LATENCY_CLOCK (gst_latency_clock_get_type ())
GType gst_latency_clock_get_type (void);

// Now, in milliseconds modulo 2^32, on `which` clock of `element`.
guint32 gst_latency_clock_now_ms (GstElement * element, GstLatencyClock which);

G_END_DECLS

#include <gst/video/video.h>

// The raw formats both elements take, and the planes the code lives in:
// luma for YUV/GRAY, every colour component for RGB.
#define GST_LATENCY_VIDEO_CAPS GST_VIDEO_CAPS_MAKE ("{ I420, YV12, NV12, " \
    "NV21, Y42B, Y444, GRAY8, RGBx, BGRx, xRGB, xBGR, RGBA, BGRA, ARGB, " \
    "ABGR, RGB, BGR }")

G_BEGIN_DECLS
// The sink and src templates both latency elements have (those formats).
void gst_latency_add_pad_templates (GstElementClass * element_class);
G_END_DECLS
