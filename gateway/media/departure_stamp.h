// Times for the packets RtpFanout pushes into live appsrcs (the RTSP relay
// sources and the appsrcs of the HLS, WebRTC and recording pipelines).
//
// appsrc's own do-timestamp stamps a buffer when it is pushed, with the
// element's clock and base time. While its pipeline goes to PLAYING the
// element already has the clock but still a base time of 0, so a packet
// pushed in that window carried the clock's absolute time (hours ahead of
// the running time) and the syncing sink behind it waited for hours: a
// viewer that connected just as a stream came up got one frame and then
// nothing. A live appsrc only hands buffers on in PLAYING, so stamping them
// as they leave it gives each one the running time of its pipeline.
#pragma once

#include <gst/gst.h>

namespace camgate {

enum class StampedPackets
{
  First,   // the first packet of a buffer list (what rtpbin reads)
  Every,   // every packet of a list (what depayloaders read)
};

// Stamps PTS and DTS of every buffer (or buffer list) leaving `appsrc`'s
// source pad with its running time at that moment, and turns appsrc's own
// do-timestamp off. Probes added to the pad after this one see the time.
void stamp_on_departure (GstElement * appsrc, StampedPackets packets);

// The clock time of a packet's frame, as the pipeline that made it knew it
// (a rendition's, stamped by the ladder that encoded it): a reference
// timestamp meta with these caps, which survives the fanout (which clears
// PTS and DTS).
GstCaps *frame_clock_caps ();
void set_frame_clock_time (GstBuffer * buffer, GstClockTime clock_time);

// When a frame reached the stream's fanout: the fanout keeps that clock
// time (GStreamer's system clock, which every output pipeline runs on) in
// the DTS of the frame's first packet (or of a packet not batched in
// frames); departure stamps overwrite it.
void mark_arrival (GstBuffer * first_packet);

// Each frame leaves `appsrc` with its frame's clock time (above) on its
// pipeline's running time, else with its arrival at the fanout, so that
// pipelines on the same clock agree on when a frame was whatever delay its
// packets had on the way: a pipeline slow to start (queued in appsrc
// meanwhile) or an encoder starting up. Without either it is stamped on
// departure.
void stamp_from_clock_time (GstElement * appsrc);

// Keeps the times leaving `element` (a jitterbuffer that times packets by
// their RTP timestamps) on its pipeline's running time. A new source
// session starts RTP time again, and the jitterbuffer's times with it: from
// 0 while the pipeline runs on, so a muxer behind it waited for the new
// session to catch up with the old one. When the times part from the
// running time by more than `kAnchorTolerance` they are shifted back onto
// it; the RTP spacing between packets is kept.
constexpr GstClockTime kAnchorTolerance = GST_SECOND;
void anchor_to_running_time (GstElement * element);

}  // namespace camgate
