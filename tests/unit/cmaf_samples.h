// CMAF track configurations for the unit tests of the ISO BMFF writer and
// readers: H.264 1080p at 90 kHz, AAC-LC 48 kHz stereo.
#pragma once

#include "segments.h"

#include <cstdint>
#include <vector>

inline const std::vector<uint8_t> kAvcC = { 0x01, 0x64, 0x00, 0x1f, 0xff,
  0xe1, 0x00, 0x04, 0x67, 0x64, 0x00, 0x1f, 0x01, 0x00, 0x02, 0x68, 0xee };
inline const std::vector<uint8_t> kAacLc48kStereo = { 0x11, 0x90 };

inline camgate::isobmff::TrackConfig
video_track ()
{
  camgate::isobmff::TrackConfig t;
  t.track_id = 1;
  t.codec = camgate::isobmff::Codec::H264;
  t.timescale = 90000;
  t.width = 1920;
  t.height = 1080;
  t.decoder_config = kAvcC;
  return t;
}

inline camgate::isobmff::TrackConfig
audio_track ()
{
  camgate::isobmff::TrackConfig t;
  t.track_id = 2;
  t.codec = camgate::isobmff::Codec::AAC;
  t.timescale = 48000;
  t.channels = 2;
  t.sample_rate = 48000;
  t.decoder_config = kAacLc48kStereo;
  return t;
}
