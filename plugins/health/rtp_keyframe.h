// Keyframe detection in H.264 (RFC 6184) and H.265 (RFC 7798) RTP payloads,
// without depayloading: enough for streamhealth to measure a camera's GOP
// on the relay path.
#pragma once

#include <cstddef>
#include <cstdint>

namespace camgate {

enum class RtpVideoCodec { None, H264, H265 };

RtpVideoCodec rtp_video_codec_from_encoding_name (const char *name);

// Whether this packet carries (the start of) a keyframe or the parameter
// sets that open one.
bool rtp_payload_starts_keyframe (RtpVideoCodec codec, const uint8_t * payload,
    size_t size);

}  // namespace camgate
