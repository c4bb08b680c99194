// Which H.264 encoder a stream's renditions use. `auto` prefers hardware
// encoders the registry has (by rank), then x264enc, then openh264enc; a
// family (nvenc, va, qsv, vaapi, v4l2) narrows the hardware candidates and
// falls back to software like auto; `software` never tries hardware; an
// element name is used as it is. Each candidate is first tried with a tiny
// real encode, once per process: an element can register and still fail to
// open its device.
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <string>
#include <vector>

namespace camgate::transcode {

struct EncoderChoice
{
  std::string element;             // "" when no candidate works
  bool hardware = false;
  // For people and the API: what was picked, and what failed before it.
  std::string reason;
};

EncoderChoice choose_encoder (const std::string & setting);

// The hardware H.264 encoders a setting would try, best first.
std::vector<std::string> hardware_candidates (const std::string & setting);

// The decoder for `media_type` ("video/x-h264", "video/x-h265"): hardware
// decoders the registry has (by rank) that decode a few real frames here,
// else `software` (the codec table's). `reason` says which and why.
struct DecoderChoice
{
  std::string element;
  bool hardware = false;
  std::string reason;
};
DecoderChoice choose_decoder (const std::string & media_type,
    const std::string & software);

// Sets `encoder` up for a rendition: `bitrate` bits per second, no
// B-frames, no look-ahead, and keyframes only where they are forced (so
// every rendition has them at the camera's).
void configure_encoder (GstElement * encoder, uint32_t bitrate);

}  // namespace camgate::transcode
