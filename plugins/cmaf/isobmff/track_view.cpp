#include "track_view.h"

#include "box_reader.h"
#include "fragment_reader.h"

#include <initializer_list>
#include <optional>

namespace camgate::isobmff {

namespace {

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

// moof + mdat cut down to `track_id`, appended to `out`.
bool
fragment_for_track (const uint8_t * data, const BoxRef & moof,
    const BoxRef & mdat, uint32_t track_id, std::vector<uint8_t> & out)
{
  MovieFragment fragment;
  if (!read_movie_fragment (data, moof, fragment))
    return false;
  const TrackFragment *traf = nullptr;
  for (const TrackFragment & t : fragment.trafs)
    if (t.track_id == track_id)
      traf = &t;
  if (!traf)
    return true;                   // none of this track's samples here
  // Data offsets from the moof are all this view can rebase, and each run's
  // samples must lie in the mdat.
  if ((traf->tfhd_flags & kTfhdBaseDataOffset)
      || (!(traf->tfhd_flags & kTfhdDefaultBaseIsMoof)
          && fragment.trafs.size () > 1))
    return false;
  for (const SampleRun & run : traf->runs) {
    const int64_t first = int64_t (moof.start) + run.data_offset;
    if (!run.has_data_offset || first < int64_t (mdat.body ())
        || uint64_t (first) > mdat.end ()
        || run.bytes > mdat.end () - uint64_t (first))
      return false;
  }

  const size_t moof_at = open_box (out, fourcc ("moof"));
  copy_box (data, fragment.mfhd, out);
  const size_t traf_at = out.size ();
  copy_box (data, traf->box, out);
  close_box (out, moof_at);
  const size_t moof_size = out.size () - moof_at;
  // The new mdat holds the runs back to back.
  size_t in_mdat = 8;
  for (const SampleRun & run : traf->runs) {
    write_u32 (out.data () + traf_at + (run.data_offset_at - traf->box.start),
        uint32_t (moof_size + in_mdat));
    in_mdat += run.bytes;
  }
  const size_t mdat_at = open_box (out, fourcc ("mdat"));
  for (const SampleRun & run : traf->runs) {
    const uint8_t *first = data + moof.start + run.data_offset;
    out.insert (out.end (), first, first + run.bytes);
  }
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
