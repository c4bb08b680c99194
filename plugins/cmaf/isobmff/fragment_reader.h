// What a movie fragment (moof) says about each track's samples, and where
// the fields lie that readers rewrite: sequence number, decode time, run
// data offsets (ISO/IEC 14496-12 §8.8). One reader for every place that
// walks fragments: the recorder rebasing decode times, recording clips
// indexing and retiming files, DASH's per-track views. Bounded: a field
// that does not fit in its box makes the fragment unreadable.
#pragma once

#include "box_reader.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace camgate::isobmff {

// tfhd flags (§8.8.7) this code acts on.
constexpr uint32_t kTfhdBaseDataOffset = 0x000001;
constexpr uint32_t kTfhdDefaultBaseIsMoof = 0x020000;

struct SampleRun                  // one trun
{
  bool has_data_offset = false;
  int32_t data_offset = 0;         // from the moof's first byte (or base)
  size_t data_offset_at = 0;       // where that field lies in the buffer
  uint64_t bytes = 0;              // its samples' sizes added up
};

struct TrackFragment              // one traf
{
  BoxRef box;
  uint32_t track_id = 0;
  uint32_t tfhd_flags = 0;
  bool has_decode_time = false;    // a tfdt
  uint64_t decode_time = 0;
  size_t decode_time_at = 0;       // where tfdt's time lies
  bool wide_decode_time = false;   // 64 bits (tfdt version 1)
  uint64_t duration = 0;           // its samples', in the track's timescale
  bool starts_with_sync = true;    // the first sample depends on none
  std::vector<SampleRun> runs;
};

struct MovieFragment
{
  BoxRef mfhd;
  size_t sequence_at = 0;          // where mfhd's sequence number lies
  std::vector<TrackFragment> trafs;
};

// Reads the moof at `moof` in `data`. False when a box or field in it does
// not fit (torn or hostile input).
bool read_movie_fragment (const uint8_t * data, const BoxRef & moof,
    MovieFragment & out);

// Rewrites a traf's decode time in place (32-bit tfdt: truncated).
void write_decode_time (uint8_t * data, const TrackFragment & traf,
    uint64_t time);

}  // namespace camgate::isobmff
