// Camera-side RTP/RTCP over UDP on the one local address the camera sends
// to. rtspsrc binds its UDP ports on every interface (0.0.0.0 or ::), so
// anyone who can reach the gateway could aim packets at them; each of its
// unicast udpsrc elements is bound again, on the same port, to the local
// address the system routes to the camera from.
#pragma once

#include <gio/gio.h>
#include <gst/gst.h>

namespace camgate {

// The local address a datagram to `host` (a name or an address) leaves
// from, or nullptr (connecting a UDP socket sends nothing): the gateway's
// address as that host sees it, short of NAT.
GInetAddress *local_address_towards (const gchar * host, GSocketFamily family);

// Watches `rtspsrc` (the element itself, or the one inside onvifsrc) for the
// udpsrc elements it adds.
void bind_camera_udp_to_route (GstElement * rtspsrc);

}  // namespace camgate
