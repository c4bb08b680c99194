// CMAF headers (ftyp + moov) and chunks (styp + moof + mdat) for H.264,
// H.265, AAC and Opus tracks, as ISO/IEC 14496-12 / 14496-15 / 23000-19 and
// the Opus-in-ISOBMFF encapsulation lay them out (see shared docs specs §2).
// Pure C++: the cmaf elements turn GStreamer caps and buffers into these
// structures.
#pragma once

#include "codec_id.h"

#include <cstdint>
#include <string>
#include <vector>

namespace camgate::isobmff {

// The codecs a CMAF track can hold: H.264, H.265, AAC, Opus.
using Codec = CodecId;

struct TrackConfig
{
  uint32_t track_id = 1;
  Codec codec = Codec::H264;
  uint32_t timescale = 90000;      // video 90 kHz; audio its sample rate
  // video
  uint16_t width = 0, height = 0;
  // audio
  uint16_t channels = 0;
  uint32_t sample_rate = 0;
  uint16_t opus_pre_skip = 0;
  // H.264: the AVCDecoderConfigurationRecord (avcC body, caps codec_data);
  // H.265: the HEVCDecoderConfigurationRecord; AAC: AudioSpecificConfig;
  // Opus: unused (dOps is built from the fields above, mapping family 0).
  std::vector<uint8_t> decoder_config;

  bool is_video () const { return codec == Codec::H264 || codec == Codec::H265; }
};

// ftyp + moov with mvex: the CMAF header, no samples.
std::vector<uint8_t> write_init_segment (const std::vector<TrackConfig> & tracks);

// Sample flags (14496-12 §8.8.3.1).
constexpr uint32_t kSyncSampleFlags = 0x02000000;     // depends on none
constexpr uint32_t kNonSyncSampleFlags = 0x01010000;  // depends on others

struct Sample
{
  uint32_t duration = 0;           // in the track's timescale
  uint32_t size = 0;               // bytes of this sample in `data`
  bool sync = false;
  int32_t composition_offset = 0;  // PTS - DTS, in the timescale
};

struct TrackRun
{
  uint32_t track_id = 1;
  uint64_t base_decode_time = 0;   // tfdt: DTS of the first sample
  std::vector<Sample> samples;
  std::vector<uint8_t> data;       // the samples' bytes, in order
};

// [styp] + moof (mfhd, one traf per run: tfhd default-base-is-moof, tfdt v1,
// trun with per-sample duration/size/flags[/composition offset]) + mdat.
std::vector<uint8_t> write_chunk (uint32_t sequence_number,
    const std::vector<TrackRun> & runs, bool segment_start);

}  // namespace camgate::isobmff
