#include "flv_media.h"

#include <cstring>

namespace camgate::rtmp {

namespace {

int32_t
signed24 (const uint8_t * p)
{
  int32_t v = p[0] << 16 | p[1] << 8 | p[2];
  return v & 0x800000 ? v - 0x1000000 : v;
}

FlvMedia
with_data (FlvMedia m, const uint8_t * data, size_t size)
{
  m.data = data;
  m.size = size;
  return m;
}

// Enhanced RTMP (veovera enhanced-rtmp v1): [1|frame type:3|packet type:4]
// then a FourCC.
FlvMedia
parse_enhanced_video (const uint8_t * body, size_t size)
{
  FlvMedia m;
  m.video = true;
  if (size < 5)
    return m;
  const unsigned frame_type = (body[0] >> 4) & 7;
  const unsigned packet_type = body[0] & 0x0f;
  const std::string fourcc (reinterpret_cast<const char *> (body + 1), 4);
  m.keyframe = frame_type == 1;
  if (fourcc == "hvc1")
    m.codec = "H265";
  else if (fourcc == "avc1")
    m.codec = "H264";
  else {
    m.kind = FlvMedia::Kind::Unsupported;
    m.codec = fourcc;
    for (char & c : m.codec)
      if (c < 0x20 || c > 0x7e)
        c = '?';
    return m;
  }
  switch (packet_type) {
    case 0:                      // SequenceStart
      m.kind = FlvMedia::Kind::Config;
      return with_data (m, body + 5, size - 5);
    case 1:                      // CodedFrames: SI24 composition time first
      if (size < 8)
        return m;
      m.kind = FlvMedia::Kind::Frame;
      m.composition_ms = signed24 (body + 5);
      return with_data (m, body + 8, size - 8);
    case 3:                      // CodedFramesX: composition time 0
      m.kind = FlvMedia::Kind::Frame;
      return with_data (m, body + 5, size - 5);
    default:                     // SequenceEnd, Metadata, MPEG-2 TS start
      m.kind = FlvMedia::Kind::Skip;
      return m;
  }
}

}  // namespace

FlvMedia
parse_flv_video (const uint8_t * body, size_t size)
{
  FlvMedia m;
  m.video = true;
  if (size < 1)
    return m;
  if (body[0] & 0x80)
    return parse_enhanced_video (body, size);
  const unsigned frame_type = body[0] >> 4;
  const unsigned codec_id = body[0] & 0x0f;
  if (frame_type == 5) {         // video info/command frame
    m.kind = FlvMedia::Kind::Skip;
    return m;
  }
  // 7: AVC; 12: HEVC as some encoders sent it before Enhanced RTMP.
  if (codec_id != 7 && codec_id != 12) {
    m.kind = FlvMedia::Kind::Unsupported;
    m.codec = "FLV video codec " + std::to_string (codec_id);
    return m;
  }
  m.codec = codec_id == 7 ? "H264" : "H265";
  m.keyframe = frame_type == 1;
  if (size < 5)
    return m;
  switch (body[1]) {
    case 0:
      m.kind = FlvMedia::Kind::Config;
      return with_data (m, body + 5, size - 5);
    case 1:
      m.kind = FlvMedia::Kind::Frame;
      m.composition_ms = signed24 (body + 2);
      return with_data (m, body + 5, size - 5);
    case 2:
      m.kind = FlvMedia::Kind::Skip;
      return m;
    default:
      return m;
  }
}

FlvMedia
parse_flv_audio (const uint8_t * body, size_t size)
{
  FlvMedia m;
  if (size < 1)
    return m;
  const unsigned format = body[0] >> 4;
  if (format != 10) {
    static const char *names[16] = { "linear PCM", "ADPCM", "MP3",
      "linear PCM (little-endian)", "Nellymoser 16 kHz", "Nellymoser 8 kHz",
      "Nellymoser", "G.711 A-law", "G.711 mu-law", "Enhanced RTMP audio",
      "AAC", "Speex", "FLV audio 12", "FLV audio 13", "MP3 8 kHz",
      "device-specific sound" };
    m.kind = FlvMedia::Kind::Unsupported;
    m.codec = names[format];
    return m;
  }
  m.codec = "AAC";
  if (size < 2)
    return m;
  m.kind = body[1] == 0 ? FlvMedia::Kind::Config : FlvMedia::Kind::Frame;
  if (body[1] > 1)
    m.kind = FlvMedia::Kind::Malformed;
  return with_data (m, body + 2, size - 2);
}

}  // namespace camgate::rtmp
