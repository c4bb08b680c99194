// RecordGuard: what a publisher sends over RTSP RECORD reaches no element
// unless it is a well-formed RTP packet of the announced payload type from
// the one sender the session locked onto. rtpbin's receive path (its FEC
// decoder above all) asserts on some inputs a client controls: one packet
// with another SSRC, another payload type or RTP version 0 aborted the
// whole gateway. Packets far from the track's sequence numbers and
// timestamps wait for the next packet to confirm the jump (RFC 3550 A.1).
// RTCP must be valid, carry no BYE, and its sender reports come from that
// same sender. gst-rtsp-server's FEC decoder, which asserted on a reset
// receive path, is kept out: RECORD never negotiates FEC.
#pragma once

#include <gst/rtsp-server/rtsp-server.h>

#include <string>
#include <vector>

namespace camgate {

// Filters every stream of `media` (a RECORD media) once it is prepared:
// track i accepts the payload types `payload_types[i]` (its SDP formats).
// The first dropped packet of each track is logged under `stream_name`.
void guard_record_media (GstRTSPMedia * media, const std::string & stream_name,
    std::vector<std::vector<guint>> payload_types);

}  // namespace camgate
