// CamgateHealthWatch: a bin around one streamhealth element that hands its
// `stream-health` messages to a callback as they are posted (on the thread
// that posts them: a streaming thread or streamhealth's clock watchdog);
// those that report a change go on to the pipeline's bus like any element
// message, the periodic ones that change nothing stop here. The
// stream's health is driven by these events, whatever pipeline the track
// runs in (a camera's, an RTSP RECORD media's, a WHIP peer's), instead of
// polling the element.
#pragma once

#include <gst/gst.h>

#include <functional>

G_BEGIN_DECLS

#define CAMGATE_TYPE_HEALTH_WATCH (camgate_health_watch_get_type ())
G_DECLARE_FINAL_TYPE (CamgateHealthWatch, camgate_health_watch, CAMGATE,
    HEALTH_WATCH, GstBin);

G_END_DECLS

// Wraps `health` (a streamhealth element, floating or owned by the caller:
// the bin takes it) with ghost pads "sink" and "src"; `on_report` gets each
// of its stream-health structures.
GstElement *camgate_health_watch_new (GstElement * health,
    std::function<void (GstElement * health, const GstStructure * report)>
    on_report);
