// GOP replay: an RTSP viewer joining a running stream is sent the stream's
// kept GOP (its last keyframe and every frame since, see GopCache) right
// after its PLAY, so its first picture does not wait for the camera's next
// keyframe. WHEP's warm feed does the same for browsers.
//
// gst-rtsp-server shares one media among a stream's viewers, so the joiner
// cannot simply be fed from an earlier point. Instead:
// - its PLAY reply's RTP-Info names the kept keyframe's first packet (seq and
//   rtptime) for each replayed track: rtspsrc's jitterbuffer drops what
//   comes before the seq it was given, and the kept packets are numbered
//   continuously with the live ones that follow them;
// - once the reply is out and its transports receive the live packets, it
//   is sent the kept packets on its own transport (interleaved on its TCP
//   connection, or from the stream's RTP socket to its UDP port). The
//   jitterbuffer puts the two in order; packets it gets twice it drops.
// Only the first PLAY of a session is replayed (not a resume after PAUSE),
// not SRTP transports (the kept packets are not encrypted), and over UDP
// only a GOP small enough for a player's socket buffer to take at once.
// A player that reorders nothing (rtspsrc latency=0) may get a live packet
// before the kept ones, and then waits for the next keyframe as without it.
#pragma once

#include <gst/rtsp-server/rtsp-server.h>

#include <cstdint>
#include <memory>

namespace camgate {

class RtpFanout;

// Marks a play media's element as fed by `fanout`'s layout `generation`
// (track i is the media's stream i): its viewers are replayed the GOP.
void offer_gop_replay (GstElement * media_element,
    std::shared_ptr<RtpFanout> fanout, uint64_t generation);

// On a PLAY reply about to be sent (GstRTSPClientClass.adjust_play_response):
// points RTP-Info at the kept GOPs it will replay.
void announce_gop_replay (GstRTSPContext * ctx);

// After that PLAY (the client's play-request signal): sends the kept GOPs.
void send_gop_replay (GstRTSPContext * ctx);

}  // namespace camgate
