// One track's view of muxed CMAF: the header with that track alone, and
// fragments with only its traf and its samples' bytes (trun data offsets
// rewritten). DASH serves audio and video as separate AdaptationSets from
// the one muxed packager output this way, and since each fragment is
// converted on its own, the view of a segment's first parts is the start of
// the view of the whole segment (a segment being built can be sent as it
// grows).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace camgate::isobmff {

// What the header says about one track.
struct TrackSummary
{
  uint32_t track_id = 0;
  bool video = false;              // handler 'vide' (else 'soun')
  uint32_t timescale = 0;
  uint32_t sample_entry = 0;       // 'avc1', 'hvc1', 'mp4a', 'Opus' …
  uint16_t width = 0, height = 0;  // video
  uint16_t channels = 0;           // audio
  uint32_t sample_rate = 0;        // audio
};

// The tracks of an initialization segment (ftyp + moov), in order; empty if
// it holds no readable moov.
std::vector<TrackSummary> read_tracks (const uint8_t * data, size_t size);

// ftyp + moov holding only track `track_id` (its trak and trex). False when
// the header is malformed or has no such track.
bool track_header (const uint8_t * data, size_t size, uint32_t track_id,
    std::vector<uint8_t> & out);

// The fragments in `data` (whole [styp] moof mdat groups), each cut down to
// track `track_id`; a fragment without that track is left out. Appends to
// `out`. False when the fragments are malformed (out then holds what was
// converted before the fault).
bool track_fragments (const uint8_t * data, size_t size, uint32_t track_id,
    std::vector<uint8_t> & out);

}  // namespace camgate::isobmff
