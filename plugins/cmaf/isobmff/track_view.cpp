#include "track_view.h"

#include "box_reader.h"

#include <initializer_list>
#include <optional>

namespace camgate::isobmff {

namespace {

constexpr uint32_t kTfhdBaseDataOffset = 0x000001;
constexpr uint32_t kTfhdDefaultSampleSize = 0x000010;
constexpr uint32_t kTfhdDefaultBaseIsMoof = 0x020000;
constexpr uint32_t kTrunDataOffset = 0x000001;
constexpr uint32_t kTrunFirstSampleFlags = 0x000004;
constexpr uint32_t kTrunSampleSize = 0x000200;

void
copy_box (const uint8_t * data, const BoxRef & box, std::vector<uint8_t> & out)
{
  out.insert (out.end (), data + box.start, data + box.end ());
}

// A box header whose size is patched by close_box.
size_t
open_box (std::vector<uint8_t> & out, uint32_t type)
{
  const size_t at = out.size ();
  out.resize (at + 8);
  write_u32 (out.data () + at + 4, type);
  return at;
}

void
close_box (std::vector<uint8_t> & out, size_t at)
{
  write_u32 (out.data () + at, uint32_t (out.size () - at));
}

uint32_t
full_box_flags (const uint8_t * data, const BoxRef & box)
{
  return box.body_size () >= 4 ? read_u32 (data + box.body ()) & 0xffffff : 0;
}

// The track_id of a trak (from its tkhd), 0 if unreadable.
uint32_t
trak_track_id (const uint8_t * data, const BoxRef & trak)
{
  auto tkhd = find_box (data, trak.body (), trak.end (), fourcc ("tkhd"));
  if (!tkhd || tkhd->body_size () < 4)
    return 0;
  const size_t at = tkhd->body () + (data[tkhd->body ()] == 1 ? 20 : 12);
  return at + 4 <= tkhd->end () ? read_u32 (data + at) : 0;
}

// Follows a path of box types down from `box`.
std::optional<BoxRef>
descend (const uint8_t * data, BoxRef box, std::initializer_list<uint32_t> path)
{
  for (uint32_t type : path) {
    auto child = find_box (data, box.body (), box.end (), type);
    if (!child)
      return std::nullopt;
    box = *child;
  }
  return box;
}

void
read_sample_entry (const uint8_t * data, const BoxRef & stsd,
    TrackSummary & track)
{
  // stsd: version/flags, entry count, then the entries as boxes.
  if (stsd.body_size () < 8)
    return;
  auto entries = read_boxes (data, stsd.body () + 8, stsd.end ());
  if (entries.empty ())
    return;
  const BoxRef & entry = entries.front ();
  const uint8_t *body = data + entry.body ();
  track.sample_entry = entry.type;
  // VisualSampleEntry: width and height after 24 bytes; AudioSampleEntry:
  // channel count after 16, sample rate (16.16) after 24.
  if (track.video && entry.body_size () >= 28) {
    track.width = read_u16 (body + 24);
    track.height = read_u16 (body + 26);
  } else if (!track.video && entry.body_size () >= 28) {
    track.channels = read_u16 (body + 16);
    track.sample_rate = read_u32 (body + 24) >> 16;
  }
}

struct TrunData
{
  size_t offset_field;             // where data_offset lies, from the traf
  size_t first, size;              // the samples' bytes in the input
};

// The sample data each trun of `traf` points at, within `mdat`. False for
// anything this view cannot rebase (absolute offsets, runs without an
// offset, data outside the mdat).
bool
locate_runs (const uint8_t * data, const BoxRef & moof, const BoxRef & traf,
    const BoxRef & mdat, bool only_traf, std::vector<TrunData> & runs)
{
  auto tfhd = find_box (data, traf.body (), traf.end (), fourcc ("tfhd"));
  if (!tfhd || tfhd->body_size () < 8)
    return false;
  const uint32_t tfhd_flags = full_box_flags (data, *tfhd);
  if ((tfhd_flags & kTfhdBaseDataOffset)
      || (!(tfhd_flags & kTfhdDefaultBaseIsMoof) && !only_traf))
    return false;
  uint32_t default_size = 0;
  if (tfhd_flags & kTfhdDefaultSampleSize) {
    // track_id, then base_data_offset (absent here), sample description
    // index and default duration if flagged, then the default size.
    size_t at = tfhd->body () + 8 + ((tfhd_flags & 0x2) ? 4 : 0)
        + ((tfhd_flags & 0x8) ? 4 : 0);
    if (at + 4 > tfhd->end ())
      return false;
    default_size = read_u32 (data + at);
  }
  for (const BoxRef & trun : read_boxes (data, traf.body (), traf.end ())) {
    if (trun.type != fourcc ("trun"))
      continue;
    const uint32_t flags = full_box_flags (data, trun);
    if (!(flags & kTrunDataOffset) || trun.body_size () < 12)
      return false;
    const uint64_t count = read_u32 (data + trun.body () + 4);
    const int32_t data_offset = int32_t (read_u32 (data + trun.body () + 8));
    size_t at = trun.body () + 12 + ((flags & kTrunFirstSampleFlags) ? 4 : 0);
    size_t field_bytes = 0;
    for (uint32_t bit : { 0x100u, 0x200u, 0x400u, 0x800u })
      field_bytes += (flags & bit) ? 4 : 0;
    if (at > trun.end () || count * field_bytes > trun.end () - at)
      return false;
    const size_t size_at = (flags & 0x100) ? 4 : 0;
    uint64_t bytes = 0;
    for (uint64_t i = 0; i < count; i++, at += field_bytes)
      bytes += (flags & kTrunSampleSize) ? read_u32 (data + at + size_at)
          : default_size;
    const int64_t first = int64_t (moof.start) + data_offset;
    if (first < int64_t (mdat.body ()) || uint64_t (first) > mdat.end ()
        || bytes > mdat.end () - uint64_t (first))
      return false;
    runs.push_back ({ trun.body () + 8 - traf.start, size_t (first),
          size_t (bytes) });
  }
  return true;
}

// moof + mdat cut down to `track_id`, appended to `out`.
bool
fragment_for_track (const uint8_t * data, const BoxRef & moof,
    const BoxRef & mdat, uint32_t track_id, std::vector<uint8_t> & out)
{
  bool whole = false;
  auto children = read_boxes (data, moof.body (), moof.end (), &whole);
  if (!whole)
    return false;
  std::optional<BoxRef> mfhd, traf;
  size_t trafs = 0;
  for (const BoxRef & child : children) {
    if (child.type == fourcc ("mfhd"))
      mfhd = child;
    if (child.type != fourcc ("traf"))
      continue;
    trafs++;
    auto tfhd = find_box (data, child.body (), child.end (), fourcc ("tfhd"));
    if (tfhd && tfhd->body_size () >= 8
        && read_u32 (data + tfhd->body () + 4) == track_id)
      traf = child;
  }
  if (!mfhd)
    return false;
  if (!traf)
    return true;                   // none of this track's samples here
  std::vector<TrunData> runs;
  if (!locate_runs (data, moof, *traf, mdat, trafs == 1, runs))
    return false;

  const size_t moof_at = open_box (out, fourcc ("moof"));
  copy_box (data, *mfhd, out);
  const size_t traf_at = out.size ();
  copy_box (data, *traf, out);
  close_box (out, moof_at);
  const size_t moof_size = out.size () - moof_at;
  // The new mdat holds the runs back to back.
  size_t in_mdat = 8;
  for (const TrunData & run : runs) {
    write_u32 (out.data () + traf_at + run.offset_field,
        uint32_t (moof_size + in_mdat));
    in_mdat += run.size;
  }
  const size_t mdat_at = open_box (out, fourcc ("mdat"));
  for (const TrunData & run : runs)
    out.insert (out.end (), data + run.first, data + run.first + run.size);
  close_box (out, mdat_at);
  return true;
}

}  // namespace

std::vector<TrackSummary>
read_tracks (const uint8_t * data, size_t size)
{
  std::vector<TrackSummary> tracks;
  auto moov = find_box (data, 0, size, fourcc ("moov"));
  if (!moov)
    return tracks;
  for (const BoxRef & trak : read_boxes (data, moov->body (), moov->end ())) {
    if (trak.type != fourcc ("trak"))
      continue;
    TrackSummary track;
    track.track_id = trak_track_id (data, trak);
    auto hdlr = descend (data, trak, { fourcc ("mdia"), fourcc ("hdlr") });
    auto mdhd = descend (data, trak, { fourcc ("mdia"), fourcc ("mdhd") });
    if (!track.track_id || !hdlr || hdlr->body_size () < 12 || !mdhd
        || mdhd->body_size () < 24)
      continue;
    track.video = read_u32 (data + hdlr->body () + 8) == fourcc ("vide");
    track.timescale = read_u32 (data + mdhd->body ()
        + (data[mdhd->body ()] == 1 ? 20 : 12));
    if (auto stsd = descend (data, trak, { fourcc ("mdia"), fourcc ("minf"),
              fourcc ("stbl"), fourcc ("stsd") }))
      read_sample_entry (data, *stsd, track);
    tracks.push_back (track);
  }
  return tracks;
}

bool
track_header (const uint8_t * data, size_t size, uint32_t track_id,
    std::vector<uint8_t> & out)
{
  bool whole = false, found = false;
  for (const BoxRef & box : read_boxes (data, 0, size, &whole)) {
    if (box.type != fourcc ("moov")) {
      copy_box (data, box, out);
      continue;
    }
    const size_t moov_at = open_box (out, box.type);
    for (const BoxRef & child : read_boxes (data, box.body (), box.end ())) {
      if (child.type == fourcc ("trak")) {
        if (trak_track_id (data, child) != track_id)
          continue;
        found = true;
        copy_box (data, child, out);
      } else if (child.type == fourcc ("mvex")) {
        const size_t mvex_at = open_box (out, child.type);
        for (const BoxRef & e : read_boxes (data, child.body (), child.end ()))
          if (e.type != fourcc ("trex") || (e.body_size () >= 8
                  && read_u32 (data + e.body () + 4) == track_id))
            copy_box (data, e, out);
        close_box (out, mvex_at);
      } else {
        copy_box (data, child, out);
      }
    }
    close_box (out, moov_at);
  }
  return whole && found;
}

bool
track_fragments (const uint8_t * data, size_t size, uint32_t track_id,
    std::vector<uint8_t> & out)
{
  bool whole = false;
  auto boxes = read_boxes (data, 0, size, &whole);
  for (size_t i = 0; i < boxes.size (); i++) {
    if (boxes[i].type == fourcc ("moof")) {
      if (i + 1 == boxes.size () || boxes[i + 1].type != fourcc ("mdat")
          || !fragment_for_track (data, boxes[i], boxes[i + 1], track_id, out))
        return false;
      i++;
    } else if (boxes[i].type == fourcc ("mdat")) {
      return false;                // samples without their moof
    } else {
      copy_box (data, boxes[i], out);   // styp, prft, emsg
    }
  }
  return whole;
}

}  // namespace camgate::isobmff
