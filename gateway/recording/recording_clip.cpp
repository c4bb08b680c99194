#include "recording/recording_clip.h"

#include "isobmff/fragment_reader.h"
#include "isobmff/track_view.h"
#include "utc_time.h"

#include <glib.h>
#include <glib/gstdio.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>

namespace camgate {

namespace isobmff = camgate::isobmff;

namespace {

const uint8_t *
bytes_of (const std::string & s)
{
  return reinterpret_cast<const uint8_t *> (s.data ());
}

// A recording, opened without following a symbolic link put in its place.
class RecordingFileReader
{
public:
  explicit RecordingFileReader (const std::string & path)
      : fd_ (g_open (path.c_str (), O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0)) {}
  ~RecordingFileReader ()
  {
    if (fd_ >= 0)
      close (fd_);
  }
  RecordingFileReader (const RecordingFileReader &) = delete;
  RecordingFileReader & operator= (const RecordingFileReader &) = delete;
  bool ok () const { return fd_ >= 0; }

  bool read_at (uint64_t offset, size_t size, std::string & out) const
  {
    out.resize (size);
    for (size_t done = 0; done < size;) {
      ssize_t n = pread (fd_, out.data () + done, size - done,
          (off_t) (offset + done));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return false;
      done += n;
    }
    return true;
  }

private:
  int fd_;
};

}  // namespace

bool
RecordingClip::index_file (size_t index, std::string & error)
{
  RecordingFileReader in (files_[index].path);
  if (!in.ok ()) {
    error = "cannot read " + files_[index].path;
    return false;
  }
  std::string head;
  uint64_t offset = 0, fragment_start = 0;
  bool in_fragment = false;
  std::string moov;
  std::string moof;
  while (in.read_at (offset, 8, head)) {
    uint64_t size = isobmff::read_u32 (bytes_of (head));
    const std::string type = head.substr (4, 4);
    if (size < 8)
      break;                       // a torn write at the end
    std::string box;
    if (type == "ftyp" || type == "moov" || type == "moof") {
      if (size > 64 * 1024 * 1024 || !in.read_at (offset, size, box))
        break;
    }
    if (type == "ftyp" && index == 0) {
      header_ = box;
    } else if (type == "moov") {
      moov = box;
      if (index == 0) {
        header_ += box;
        // Track timescales, and which track is the video.
        for (const auto & track : isobmff::read_tracks (bytes_of (box),
                box.size ())) {
          if (!track.timescale)
            continue;
          timescales_[track.track_id] = track.timescale;
          if (track.video)
            video_track_ = track.track_id;
        }
      } else if (header_.find (moov) == std::string::npos) {
        // The camera changed its format: a clip cannot span that.
        break;
      }
    } else if (type == "styp") {
      fragment_start = offset;
      in_fragment = true;
    } else if (type == "moof") {
      if (!in_fragment)
        fragment_start = offset;
      moof = box;
    } else if (type == "mdat" && !moof.empty ()) {
      if (offset + size > files_[index].bytes)
        break;                     // the fragment being written
      Fragment f { index, fragment_start, offset + size - fragment_start,
        offset - fragment_start, 0, false };
      // Its time and whether it starts with a keyframe, from the video
      // track's traf (else the first one).
      bool found = false;
      isobmff::MovieFragment fragment;
      auto moof_box = isobmff::find_box (bytes_of (moof), 0, moof.size (),
          isobmff::fourcc ("moof"));
      if (moof_box && isobmff::read_movie_fragment (bytes_of (moof), *moof_box,
              fragment)) {
        for (const auto & traf : fragment.trafs) {
          auto ts = timescales_.find (traf.track_id);
          if ((video_track_ && traf.track_id != video_track_)
              || ts == timescales_.end ())
            continue;
          f.time_us = files_[index].start_us
              + (int64_t) (traf.decode_time * 1000000.0 / ts->second);
          f.sync = traf.starts_with_sync;
          found = true;
          break;
        }
      }
      if (found)
        fragments_.push_back (f);
      moof.clear ();
      in_fragment = false;
    }
    offset += size;
  }
  if (header_.empty ()) {
    error = files_[index].path + " has no MP4 header";
    return false;
  }
  return true;
}

std::unique_ptr<RecordingClip>
RecordingClip::open (const std::vector<RecordingFile> & files,
    int64_t start_us, int64_t duration_us, std::string & error)
{
  std::unique_ptr<RecordingClip> clip (new RecordingClip ());
  const int64_t end_us = start_us + duration_us;
  for (const auto & f : files)
    if (f.end_us >= start_us && f.start_us < end_us)
      clip->files_.push_back (f);
  if (clip->files_.empty ()) {
    error = "no recording between " + format_utc_time (start_us) + " and "
        + format_utc_time (end_us);
    return nullptr;
  }
  for (size_t i = 0; i < clip->files_.size (); i++)
    if (!clip->index_file (i, error) && i == 0)
      return nullptr;
  auto & fr = clip->fragments_;
  // From the last keyframe at or before the start; up to the end.
  size_t first = fr.size ();
  for (size_t i = 0; i < fr.size () && fr[i].time_us <= start_us; i++)
    if (fr[i].sync)
      first = i;
  if (first == fr.size ())
    first = std::find_if (fr.begin (), fr.end (), [](const Fragment & f) {
          return f.sync; }) - fr.begin ();
  fr.erase (fr.begin (), fr.begin () + std::min (first, fr.size ()));
  fr.erase (std::find_if (fr.begin (), fr.end (), [&](const Fragment & f) {
        return f.time_us >= end_us; }), fr.end ());
  if (fr.empty ()) {
    error = "no complete fragment between " + format_utc_time (start_us) + " and "
        + format_utc_time (end_us);
    return nullptr;
  }
  clip->origin_us_ = fr.front ().time_us;
  return clip;
}

uint64_t
RecordingClip::size () const
{
  uint64_t total = header_.size ();
  for (const auto & f : fragments_)
    total += f.size;
  return total;
}

bool
RecordingClip::includes (const std::string & path) const
{
  return std::any_of (files_.begin (), files_.end (),
      [&](const RecordingFile & f) { return f.path == path; });
}

void
RecordingClip::set_range (uint64_t first, uint64_t last)
{
  range_first_ = first;
  range_end_ = last == UINT64_MAX ? last : last + 1;
}

bool
RecordingClip::next (std::string & piece)
{
  // Cuts `piece`, which starts at position_, to the range and moves on.
  auto cut = [this](std::string & piece) {
    const uint64_t start = position_;
    position_ += piece.size ();
    const uint64_t end = std::min<uint64_t> (position_, range_end_);
    piece = piece.substr (std::max (start, range_first_) - start,
        end - std::max (start, range_first_));
  };
  if (!header_sent_) {
    header_sent_ = true;
    if (header_.size () > range_first_) {
      piece = header_;
      cut (piece);
      return true;
    }
    position_ = header_.size ();
  }
  while (next_ < fragments_.size () && position_ < range_end_) {
    const Fragment & f = fragments_[next_++];
    RecordingFileReader in (files_[f.file].path);
    // Before the range only the moof matters, for the fragments after it.
    const bool before = position_ + f.size <= range_first_;
    if (!in.read_at (f.offset, before ? f.head_size : f.size, piece))
      return false;                // deleted or truncated meanwhile: stop
    rewrite_fragment (piece, f.file);
    if (before) {
      position_ += f.size;
      continue;
    }
    cut (piece);
    return true;
  }
  return false;
}

void
RecordingClip::rewrite_fragment (std::string & piece, size_t file)
{
  auto *bytes = reinterpret_cast<uint8_t *> (piece.data ());
  auto moof = isobmff::find_box (bytes, 0, piece.size (),
      isobmff::fourcc ("moof"));
  isobmff::MovieFragment fragment;
  if (!moof || !isobmff::read_movie_fragment (bytes, *moof, fragment))
    return;
  isobmff::write_u32 (bytes + fragment.sequence_at, ++sequence_);
  const int64_t file_start = files_[file].start_us;
  for (const auto & traf : fragment.trafs) {
    auto ts = timescales_.find (traf.track_id);
    if (!traf.has_decode_time || ts == timescales_.end ())
      continue;
    // Onto the clip's timeline: wall clock minus its origin, and never
    // before the end of this track's previous fragment.
    const double wall_us = file_start + traf.decode_time * 1e6 / ts->second;
    uint64_t clip_time = (uint64_t) std::llround (std::max (0.0,
            wall_us - origin_us_) * ts->second / 1e6);
    auto end = track_end_.find (traf.track_id);
    if (end != track_end_.end ())
      clip_time = std::max (clip_time, end->second);
    track_end_[traf.track_id] = clip_time + traf.duration;
    isobmff::write_decode_time (bytes, traf, clip_time);
  }
}

}  // namespace camgate
