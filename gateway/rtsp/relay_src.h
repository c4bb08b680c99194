// CamgateRelaySrc: the "payloader" of a relayed RTSP media. It is an appsrc
// into which RtpFanout pushes ready RTP packets; it adds the "pt" and
// "stats" properties that gst-rtsp-server reads from every payloader (for the
// SDP and for RTP-Info in PLAY replies).
#pragma once

#include <gst/app/gstappsrc.h>

G_BEGIN_DECLS

#define CAMGATE_TYPE_RELAY_SRC (camgate_relay_src_get_type ())
G_DECLARE_FINAL_TYPE (CamgateRelaySrc, camgate_relay_src, CAMGATE, RELAY_SRC,
    GstAppSrc);

// A live relay source named `name` for RTP `caps` (their "payload" is the pt).
GstElement *camgate_relay_src_new (const gchar * name, GstCaps * caps);

G_END_DECLS
