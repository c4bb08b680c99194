// Audio timestamps by sample count for WebRTC viewers. Audio reaches the
// feed in bursts (an AAC frame decodes into several 20 ms Opus packets at
// once, a camera or WHIP publisher sends packets in clumps), so stamping
// each packet on arrival gives RTP timestamps such as 0, 48, 96, 2739 where
// a receiver expects 960 per 20 ms packet, and it conceals most of the
// audio. AudioPacer stamps each packet right after the previous one and
// falls back to the arrival time only when the two part by more than a
// window (a real gap in the audio, or the clocks drifting apart).
#pragma once

#include <gst/gst.h>

namespace camgate::webrtc {

// How long an audio buffer plays: its duration when set, else worked out
// from the data (Opus: the packet's TOC, RFC 6716 §3.1; A-law/µ-law: one
// byte per sample at the caps' rate). GST_CLOCK_TIME_NONE when unknown.
GstClockTime audio_duration (GstCaps * caps, GstBuffer * buffer);

// Opus packet duration from its TOC and frame count; NONE when malformed.
GstClockTime opus_packet_duration (const guint8 * data, gsize size);

class AudioPacer
{
public:
  // How far stamps may run ahead of or behind arrival.
  static constexpr GstClockTime kResyncWindow = 500 * GST_MSECOND;

  // The PTS for a buffer that arrived at `arrival` (running time) and
  // plays for `duration` (NONE: stamped on arrival); NONE when it is to be
  // dropped because the stamps ran too far ahead.
  GstClockTime stamp (GstClockTime arrival, GstClockTime duration);

private:
  GstClockTime next_ = GST_CLOCK_TIME_NONE;
};

}  // namespace camgate::webrtc
