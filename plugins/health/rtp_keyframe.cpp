#include "rtp_keyframe.h"

#include <glib.h>

namespace camgate {

namespace {

bool
h264_key_nal (uint8_t type)
{
  return type == 5 || type == 7;               // IDR slice, SPS
}

bool
h265_key_nal (uint8_t type)
{
  return (type >= 16 && type <= 21) || (type >= 32 && type <= 34);  // IRAP, VPS/SPS/PPS
}

// Walks the NAL units of an aggregation packet (STAP-A / AP).
template <typename IsKey> bool
aggregate_has_key (const uint8_t * p, size_t size, size_t offset,
    IsKey is_key)
{
  while (offset + 2 < size) {
    size_t length = (size_t (p[offset]) << 8) | p[offset + 1];
    offset += 2;
    if (length == 0 || offset + length > size)
      return false;
    if (is_key (p[offset]))
      return true;
    offset += length;
  }
  return false;
}

}  // namespace

RtpVideoCodec
rtp_video_codec_from_encoding_name (const char *name)
{
  if (!name)
    return RtpVideoCodec::None;
  if (g_ascii_strcasecmp (name, "H264") == 0)
    return RtpVideoCodec::H264;
  if (g_ascii_strcasecmp (name, "H265") == 0)
    return RtpVideoCodec::H265;
  return RtpVideoCodec::None;
}

bool
rtp_payload_starts_keyframe (RtpVideoCodec codec, const uint8_t * p,
    size_t size)
{
  if (codec == RtpVideoCodec::H264 && size >= 1) {
    uint8_t type = p[0] & 0x1f;
    if (type == 24)                                  // STAP-A
      return aggregate_has_key (p, size, 1, [](uint8_t nal) {
            return h264_key_nal (nal & 0x1f);
          });
    if (type == 28 && size >= 2)                     // FU-A: start fragment
      return (p[1] & 0x80) && h264_key_nal (p[1] & 0x1f);
    return h264_key_nal (type);
  }
  if (codec == RtpVideoCodec::H265 && size >= 2) {
    uint8_t type = (p[0] >> 1) & 0x3f;
    if (type == 48)                                  // AP
      return aggregate_has_key (p, size, 2, [](uint8_t nal) {
            return h265_key_nal ((nal >> 1) & 0x3f);
          });
    if (type == 49 && size >= 3)                     // FU: start fragment
      return (p[2] & 0x80) && h265_key_nal (p[2] & 0x3f);
    return h265_key_nal (type);
  }
  return false;
}

}  // namespace camgate
