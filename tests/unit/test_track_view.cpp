// The fragment reader every fragment walker shares, and one track's view of
// muxed CMAF (DASH's separate AdaptationSets): the header and fragments cut
// down to one track read back field by field, the view of a segment's first
// parts is the start of the whole segment's view, and torn or hostile input
// is refused without reading out of bounds.
#include "box_reader.h"
#include "cmaf_samples.h"
#include "fragment_reader.h"
#include "segments.h"
#include "track_view.h"

#include <gtest/gtest.h>

using namespace camgate::isobmff;

namespace {

TrackRun
run (uint32_t track, std::vector<uint8_t> data, uint64_t decode_time)
{
  TrackRun r;
  r.track_id = track;
  r.base_decode_time = decode_time;
  // Two samples splitting the bytes.
  const uint32_t first = uint32_t (data.size () / 2);
  r.samples = { { 3000, first, true, 0 },
    { 3000, uint32_t (data.size ()) - first, false, 0 } };
  r.data = std::move (data);
  return r;
}

// The boxes of `bytes` by type, top level.
std::vector<uint32_t>
types (const std::vector<uint8_t> & bytes)
{
  std::vector<uint32_t> out;
  bool whole = false;
  for (const BoxRef & box : read_boxes (bytes.data (), 0, bytes.size (), &whole))
    out.push_back (box.type);
  EXPECT_TRUE (whole);
  return out;
}

// The sample bytes a fragment's (only) traf points at.
std::vector<uint8_t>
samples_of (const std::vector<uint8_t> & fragment, size_t moof_at)
{
  const uint8_t *d = fragment.data ();
  auto moof = read_boxes (d, moof_at, fragment.size ()).front ();
  auto mdat = read_boxes (d, moof.end (), fragment.size ()).front ();
  EXPECT_EQ (mdat.type, fourcc ("mdat"));
  auto trafs = read_boxes (d, moof.body (), moof.end ());
  EXPECT_EQ (trafs.size (), 2u);   // mfhd + one traf
  auto trun = find_box (d, trafs.back ().body (), trafs.back ().end (),
      fourcc ("trun"));
  EXPECT_TRUE (trun);
  const uint32_t offset = read_u32 (d + trun->body () + 8);
  const uint32_t count = read_u32 (d + trun->body () + 4);
  uint32_t bytes = 0;
  for (uint32_t i = 0; i < count; i++)
    bytes += read_u32 (d + trun->body () + 12 + i * 12 + 4);
  EXPECT_EQ (moof.start + offset, mdat.body ());
  EXPECT_EQ (mdat.body_size (), bytes);
  return std::vector<uint8_t> (d + moof.start + offset,
      d + moof.start + offset + bytes);
}

}  // namespace

TEST (TrackView, ReadsTheTracksOfAHeader)
{
  auto header = write_init_segment ({ video_track (), audio_track () });
  auto tracks = read_tracks (header.data (), header.size ());
  ASSERT_EQ (tracks.size (), 2u);
  EXPECT_EQ (tracks[0].track_id, 1u);
  EXPECT_TRUE (tracks[0].video);
  EXPECT_EQ (tracks[0].timescale, 90000u);
  EXPECT_EQ (tracks[0].sample_entry, fourcc ("avc1"));
  EXPECT_EQ (tracks[0].width, 1920);
  EXPECT_EQ (tracks[0].height, 1080);
  EXPECT_EQ (tracks[1].track_id, 2u);
  EXPECT_FALSE (tracks[1].video);
  EXPECT_EQ (tracks[1].timescale, 48000u);
  EXPECT_EQ (tracks[1].sample_entry, fourcc ("mp4a"));
  EXPECT_EQ (tracks[1].channels, 2);
  EXPECT_EQ (tracks[1].sample_rate, 48000u);
}

TEST (TrackView, HeaderKeepsOneTrakAndItsTrex)
{
  auto header = write_init_segment ({ video_track (), audio_track () });
  for (uint32_t id : { 1u, 2u }) {
    std::vector<uint8_t> view;
    ASSERT_TRUE (track_header (header.data (), header.size (), id, view));
    EXPECT_EQ (types (view), (std::vector<uint32_t> { fourcc ("ftyp"),
              fourcc ("moov") }));
    auto tracks = read_tracks (view.data (), view.size ());
    ASSERT_EQ (tracks.size (), 1u);
    EXPECT_EQ (tracks[0].track_id, id);
    auto moov = find_box (view.data (), 0, view.size (), fourcc ("moov"));
    auto mvex = find_box (view.data (), moov->body (), moov->end (),
        fourcc ("mvex"));
    ASSERT_TRUE (mvex);
    auto trexes = read_boxes (view.data (), mvex->body (), mvex->end ());
    ASSERT_EQ (trexes.size (), 1u);
    EXPECT_EQ (read_u32 (view.data () + trexes[0].body () + 4), id);
  }
  std::vector<uint8_t> none;
  EXPECT_FALSE (track_header (header.data (), header.size (), 3, none));
}

TEST (TrackView, FragmentsKeepOneTrafAndItsSamples)
{
  const std::vector<uint8_t> video_bytes = { 1, 2, 3, 4, 5, 6, 7 };
  const std::vector<uint8_t> audio_bytes = { 0xa1, 0xa2, 0xa3, 0xa4 };
  auto first = write_chunk (5, { run (1, video_bytes, 9000),
        run (2, audio_bytes, 4800) }, true);
  // The next part has audio only: the video view leaves it out.
  auto second = write_chunk (6, { run (2, { 0xb1, 0xb2 }, 8800) }, false);
  std::vector<uint8_t> segment = first;
  segment.insert (segment.end (), second.begin (), second.end ());

  std::vector<uint8_t> video;
  ASSERT_TRUE (track_fragments (segment.data (), segment.size (), 1, video));
  EXPECT_EQ (types (video), (std::vector<uint32_t> { fourcc ("styp"),
            fourcc ("moof"), fourcc ("mdat") }));
  auto styp = read_boxes (video.data (), 0, video.size ()).front ();
  EXPECT_EQ (samples_of (video, styp.end ()), video_bytes);

  std::vector<uint8_t> audio;
  ASSERT_TRUE (track_fragments (segment.data (), segment.size (), 2, audio));
  auto boxes = read_boxes (audio.data (), 0, audio.size ());
  ASSERT_EQ (boxes.size (), 5u);   // styp, moof, mdat, moof, mdat
  EXPECT_EQ (samples_of (audio, boxes[1].start), audio_bytes);
  EXPECT_EQ (samples_of (audio, boxes[3].start),
      (std::vector<uint8_t> { 0xb1, 0xb2 }));
  // Sequence numbers and decode times stay as they were.
  auto mfhd = find_box (audio.data (), boxes[3].body (), boxes[3].end (),
      fourcc ("mfhd"));
  EXPECT_EQ (read_u32 (audio.data () + mfhd->body () + 4), 6u);

  // The view of the first part is the start of the view of both.
  std::vector<uint8_t> audio_first;
  ASSERT_TRUE (track_fragments (first.data (), first.size (), 2, audio_first));
  ASSERT_LE (audio_first.size (), audio.size ());
  EXPECT_TRUE (std::equal (audio_first.begin (), audio_first.end (),
          audio.begin ()));

  std::vector<uint8_t> missing;
  ASSERT_TRUE (track_fragments (segment.data (), segment.size (), 9, missing));
  EXPECT_EQ (types (missing), (std::vector<uint32_t> { fourcc ("styp") }));
}

TEST (TrackView, TornAndHostileInputIsRefused)
{
  auto chunk = write_chunk (1, { run (1, { 1, 2, 3, 4 }, 0),
        run (2, { 5, 6 }, 0) }, true);
  std::vector<uint8_t> out;
  // Cut anywhere: refused (or, cut between boxes, the whole boxes only).
  for (size_t cut = 0; cut < chunk.size (); cut++) {
    out.clear ();
    EXPECT_FALSE (track_fragments (chunk.data (), cut, 1, out)
        && cut > 0 && out.size () > 40) << cut;
  }
  // Every byte of the moof set to 0xff in turn: never a read out of bounds
  // (the config-leaks suite runs these tests under valgrind; an offset
  // past the mdat crashed here once), and samples only from the mdat.
  auto moof = read_boxes (chunk.data (), 0, chunk.size ())[1];
  for (size_t at = moof.start; at < moof.end (); at++) {
    auto broken = chunk;
    broken[at] = 0xff;
    for (uint32_t id : { 1u, 2u }) {
      out.clear ();
      if (track_fragments (broken.data (), broken.size (), id, out)) {
        EXPECT_LE (out.size (), broken.size ()) << at;
      }
    }
  }
  // A data offset pointing outside the mdat.
  auto outside = chunk;
  auto traf = read_boxes (outside.data (), moof.body (), moof.end ())[1];
  auto trun = find_box (outside.data (), traf.body (), traf.end (),
      fourcc ("trun"));
  write_u32 (outside.data () + trun->body () + 8, 4);
  out.clear ();
  EXPECT_FALSE (track_fragments (outside.data (), outside.size (), 1, out));
  // An mdat without its moof, and a moof without its mdat.
  std::vector<uint8_t> mdat_only (chunk.begin () + moof.end (), chunk.end ());
  EXPECT_FALSE (track_fragments (mdat_only.data (), mdat_only.size (), 1, out));
  std::vector<uint8_t> moof_only (chunk.begin (), chunk.begin () + moof.end ());
  EXPECT_FALSE (track_fragments (moof_only.data (), moof_only.size (), 1, out));
  // A header that is not one.
  EXPECT_TRUE (read_tracks (chunk.data (), chunk.size ()).empty ());
  EXPECT_FALSE (track_header (chunk.data (), chunk.size (), 1, out));
}

TEST (FragmentReader, ReadsWhatTheWriterWrote)
{
  TrackRun video = run (1, { 1, 2, 3, 4, 5 }, 90000);
  video.samples[0].sync = false;   // starts on a delta frame
  TrackRun audio = run (2, { 6, 7 }, (1ull << 33) + 5);
  auto chunk = write_chunk (42, { video, audio }, true);
  auto moof = read_boxes (chunk.data (), 0, chunk.size ())[1];
  MovieFragment fragment;
  ASSERT_TRUE (read_movie_fragment (chunk.data (), moof, fragment));
  EXPECT_EQ (read_u32 (chunk.data () + fragment.sequence_at), 42u);
  ASSERT_EQ (fragment.trafs.size (), 2u);
  const TrackFragment & v = fragment.trafs[0];
  const TrackFragment & a = fragment.trafs[1];
  EXPECT_EQ (v.track_id, 1u);
  EXPECT_EQ (v.decode_time, 90000u);
  EXPECT_EQ (v.duration, 6000u);
  EXPECT_FALSE (v.starts_with_sync);
  ASSERT_EQ (v.runs.size (), 1u);
  EXPECT_EQ (v.runs[0].bytes, 5u);
  EXPECT_EQ (chunk[moof.start + v.runs[0].data_offset], 1);
  EXPECT_EQ (a.track_id, 2u);
  EXPECT_TRUE (a.wide_decode_time);
  EXPECT_EQ (a.decode_time, (1ull << 33) + 5);
  EXPECT_TRUE (a.starts_with_sync);
  EXPECT_EQ (chunk[moof.start + a.runs[0].data_offset], 6);

  // Decode times are rewritten in place, 64 bits wide where the box is.
  write_decode_time (chunk.data (), a, (1ull << 34) + 7);
  write_decode_time (chunk.data (), v, 3);
  ASSERT_TRUE (read_movie_fragment (chunk.data (), moof, fragment));
  EXPECT_EQ (fragment.trafs[0].decode_time, 3u);
  EXPECT_EQ (fragment.trafs[1].decode_time, (1ull << 34) + 7);

  // Any byte of the moof broken: read or refused, never out of bounds (run
  // under valgrind by the config-leaks suite).
  for (size_t at = moof.start; at < moof.end (); at++) {
    for (uint8_t value : { uint8_t (0x00), uint8_t (0xff), uint8_t (0x80) }) {
      auto broken = chunk;
      broken[at] = value;
      MovieFragment any;
      if (read_movie_fragment (broken.data (), moof, any)) {
        for (const auto & traf : any.trafs)
          EXPECT_LE (traf.box.end (), moof.end ());
      }
    }
  }
}
