// CamgateInOrderBuffer: what rtspsrc's rtpbin gets instead of a jitterbuffer
// when packets cannot arrive out of order (RTP over the RTSP TCP connection)
// or the stream asks for no reordering window (source.latency: 0).
//
// rtpjitterbuffer queues every packet and hands it on from its own thread;
// for a relay that is a thread wake-up per packet for nothing. This element
// passes packets straight through in the receiving thread. It accepts the
// "latency" property rtpbin sets on every jitterbuffer, and ignores it.
#pragma once

#include <gst/base/gstbasetransform.h>

G_BEGIN_DECLS

#define CAMGATE_TYPE_IN_ORDER_BUFFER (camgate_in_order_buffer_get_type ())
G_DECLARE_FINAL_TYPE (CamgateInOrderBuffer, camgate_in_order_buffer, CAMGATE,
    IN_ORDER_BUFFER, GstBaseTransform);

G_END_DECLS
