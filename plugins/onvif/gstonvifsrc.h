/* onvifsrc: plays an ONVIF camera from its device address.
 *
 *   gst-launch-1.0 onvifsrc location=onvif://admin:secret@192.168.1.20 ! ...
 *
 * On READY->PAUSED it asks the device (SOAP: device clock, media services,
 * profiles, stream URI; UsernameToken and HTTP Digest auth) for the RTSP URI
 * of the chosen profile (the URI's path, or the largest H.264/H.265 profile)
 * and hands it, with the same credentials, to the rtspsrc inside, whose
 * pads it exposes as they appear. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_ONVIF_SRC (gst_onvif_src_get_type ())
G_DECLARE_FINAL_TYPE (GstOnvifSrc, gst_onvif_src, GST, ONVIF_SRC, GstBin)

GST_ELEMENT_REGISTER_DECLARE (onvifsrc);

G_END_DECLS
