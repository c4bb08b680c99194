// Keyframe tests for H.264 (RFC 6184) and H.265 (RFC 7798), on RTP payloads
// without depayloading (streamhealth measures a camera's GOP on the relay
// path) and on Annex B access units (the WebRTC feed keeps the last GOP).
// The codec table (media_codec.h) points at these.
#pragma once

#include <cstddef>
#include <cstdint>

namespace camgate {

// Whether this RTP payload carries (the start of) a keyframe or the
// parameter sets that open one.
bool h264_rtp_starts_keyframe (const uint8_t * payload, size_t size);
bool h265_rtp_starts_keyframe (const uint8_t * payload, size_t size);

// Whether this Annex B access unit is a keyframe: its first slice says (a
// parser leaves DELTA_UNIT off the first access unit it sees, key or not).
bool h264_access_unit_is_keyframe (const uint8_t * data, size_t size);
bool h265_access_unit_is_keyframe (const uint8_t * data, size_t size);

}  // namespace camgate
