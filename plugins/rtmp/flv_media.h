// The bodies of RTMP audio and video messages (FLV tag bodies): codec
// configuration or a coded frame, for the codecs camgate takes from
// encoders: H.264 (legacy FLV codec 7 and Enhanced RTMP 'avc1'), H.265
// (Enhanced RTMP 'hvc1', what current OBS sends) and AAC.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace camgate::rtmp {

struct FlvMedia
{
  enum class Kind
  {
    Config,       // decoder configuration: AVC/HEVC record, AAC ASC
    Frame,        // a coded frame (length-prefixed NAL units, raw AAC)
    Skip,         // nothing to pass on (end of sequence, metadata, ...)
    Unsupported,  // a codec camgate does not take: `codec` names it
    Malformed,
  };
  Kind kind = Kind::Malformed;
  std::string codec;              // "H264", "H265", "AAC" or what it was
  bool video = false;
  bool keyframe = false;
  int32_t composition_ms = 0;     // PTS - DTS of a video frame
  const uint8_t *data = nullptr;  // into the parsed body
  size_t size = 0;
};

FlvMedia parse_flv_video (const uint8_t * body, size_t size);
FlvMedia parse_flv_audio (const uint8_t * body, size_t size);

}  // namespace camgate::rtmp
