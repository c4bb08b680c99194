// Camera-side RTP/RTCP over UDP on the one local address the camera sends
// to. rtspsrc binds its UDP ports on every interface (0.0.0.0 or ::), so
// anyone who can reach the gateway could aim packets at them; each of its
// unicast udpsrc elements is bound again, on the same port, to the local
// address the system routes to the camera from.
#pragma once

#include <gst/gst.h>

namespace camgate {

// Watches `rtspsrc` (the element itself, or the one inside onvifsrc) for the
// udpsrc elements it adds.
void bind_camera_udp_to_route (GstElement * rtspsrc);

}  // namespace camgate
