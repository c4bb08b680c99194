#include "recording/recording_clip.h"

#include <glib.h>
#include <glib/gstdio.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>

namespace camgate {

namespace {

uint32_t
be32 (const std::string & s, size_t at)
{
  const auto *p = reinterpret_cast<const unsigned char *> (s.data () + at);
  return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8
      | p[3];
}

uint64_t
be64 (const std::string & s, size_t at)
{
  return (uint64_t) be32 (s, at) << 32 | be32 (s, at + 4);
}

void
put32 (std::string & s, size_t at, uint32_t v)
{
  s[at] = (char) (v >> 24);
  s[at + 1] = (char) (v >> 16);
  s[at + 2] = (char) (v >> 8);
  s[at + 3] = (char) v;
}

void
put64 (std::string & s, size_t at, uint64_t v)
{
  put32 (s, at, (uint32_t) (v >> 32));
  put32 (s, at + 4, (uint32_t) v);
}

// Calls `each (type, at, size)` for the boxes in s[begin, end).
template <typename F>
void
for_boxes (const std::string & s, size_t begin, size_t end, F each)
{
  for (size_t at = begin; at + 8 <= end;) {
    uint64_t size = be32 (s, at);
    if (size < 8 || at + size > end)
      return;
    each (s.substr (at + 4, 4), at, (size_t) size);
    at += size;
  }
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
    uint64_t size = be32 (head, 0);
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
        for_boxes (box, 8, box.size (), [&](const std::string & t, size_t at,
                size_t sz) {
              if (t != "trak")
                return;
              uint32_t track = 0, timescale = 0;
              bool video = false;
              for_boxes (box, at + 8, at + sz, [&](const std::string & c,
                      size_t cat, size_t csz) {
                    if (c == "tkhd" && csz >= 32)
                      track = be32 (box, cat + 8 + (box[cat + 8] == 1 ? 20 : 12));
                    if (c != "mdia")
                      return;
                    for_boxes (box, cat + 8, cat + csz, [&](const std::string & m,
                            size_t mat, size_t msz) {
                          if (m == "mdhd" && msz >= 32)
                            timescale = be32 (box, mat + 8
                                + (box[mat + 8] == 1 ? 20 : 12));
                          if (m == "hdlr" && msz >= 20)
                            video = box.compare (mat + 16, 4, "vide") == 0;
                        });
                  });
              if (track && timescale) {
                timescales_[track] = timescale;
                if (video)
                  video_track_ = track;
              }
            });
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
      for_boxes (moof, 8, moof.size (), [&](const std::string & t, size_t at,
              size_t sz) {
            if (t != "traf" || found)
              return;
            uint32_t track = 0, default_flags = 0;
            uint64_t decode = 0;
            bool sync = true;
            for_boxes (moof, at + 8, at + sz, [&](const std::string & c,
                    size_t cat, size_t csz) {
                  if (c == "tfhd" && csz >= 16) {
                    track = be32 (moof, cat + 12);
                    uint32_t flags = be32 (moof, cat + 8) & 0xffffff;
                    size_t p = cat + 16 + (flags & 1 ? 8 : 0) + (flags & 2 ? 4
                        : 0) + (flags & 8 ? 4 : 0) + (flags & 0x10 ? 4 : 0);
                    if ((flags & 0x20) && p + 4 <= cat + csz)
                      default_flags = be32 (moof, p);
                  } else if (c == "tfdt" && csz >= 16) {
                    decode = moof[cat + 8] == 1 ? be64 (moof, cat + 12)
                        : be32 (moof, cat + 12);
                  } else if (c == "trun" && csz >= 16) {
                    uint32_t flags = be32 (moof, cat + 8) & 0xffffff;
                    size_t p = cat + 16 + (flags & 1 ? 4 : 0);
                    uint32_t first = default_flags;
                    if (flags & 4)
                      first = be32 (moof, p);
                    else if ((flags & 0x400) && p + 4 <= cat + csz)
                      first = be32 (moof, p + (flags & 0x100 ? 4 : 0)
                          + (flags & 0x200 ? 4 : 0));
                    sync = !(first & 0x10000);
                  }
                });
            if (video_track_ && track != video_track_)
              return;
            found = true;
            auto ts = timescales_.find (track);
            if (ts == timescales_.end ())
              return;
            f.time_us = files_[index].start_us
                + (int64_t) (decode * 1000000.0 / ts->second);
            f.sync = sync;
          });
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
    error = "no recording between " + format_utc (start_us) + " and "
        + format_utc (end_us);
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
    error = "no complete fragment between " + format_utc (start_us) + " and "
        + format_utc (end_us);
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
  const int64_t file_start = files_[file].start_us;
  for_boxes (piece, 0, piece.size (), [&](const std::string & t, size_t at,
          size_t sz) {
        if (t != "moof")
          return;
        for_boxes (piece, at + 8, at + sz, [&](const std::string & c,
                size_t cat, size_t csz) {
              if (c == "mfhd" && csz >= 16)
                put32 (piece, cat + 12, ++sequence_);
              if (c != "traf")
                return;
              // tfhd (track, default duration), tfdt (where), trun (how
              // long): read them all, then rewrite the decode time.
              uint32_t track = 0, default_duration = 0;
              size_t tfdt_at = 0;
              bool wide = false;
              uint64_t decode = 0, duration = 0;
              std::vector<std::pair<size_t, size_t>> runs;
              for_boxes (piece, cat + 8, cat + csz, [&](const std::string & b,
                      size_t bat, size_t bsz) {
                    if (b == "tfhd" && bsz >= 16) {
                      track = be32 (piece, bat + 12);
                      uint32_t flags = be32 (piece, bat + 8) & 0xffffff;
                      size_t p = bat + 16 + (flags & 1 ? 8 : 0)
                          + (flags & 2 ? 4 : 0);
                      if ((flags & 8) && p + 4 <= bat + bsz)
                        default_duration = be32 (piece, p);
                    } else if (b == "tfdt" && bsz >= 16) {
                      tfdt_at = bat;
                      wide = piece[bat + 8] == 1;
                      decode = wide ? be64 (piece, bat + 12)
                          : be32 (piece, bat + 12);
                    } else if (b == "trun" && bsz >= 16) {
                      runs.push_back ({ bat, bsz });
                    }
                  });
              for (auto [rat, rsz] : runs) {
                uint32_t flags = be32 (piece, rat + 8) & 0xffffff;
                uint32_t count = be32 (piece, rat + 12);
                size_t p = rat + 16 + (flags & 1 ? 4 : 0) + (flags & 4 ? 4 : 0);
                const size_t stride = (flags & 0x100 ? 4 : 0)
                    + (flags & 0x200 ? 4 : 0) + (flags & 0x400 ? 4 : 0)
                    + (flags & 0x800 ? 4 : 0);
                for (uint32_t i = 0; i < count; i++, p += stride) {
                  if ((flags & 0x100) && p + 4 <= rat + rsz)
                    duration += be32 (piece, p);
                  else
                    duration += default_duration;
                }
              }
              auto ts = timescales_.find (track);
              if (!tfdt_at || ts == timescales_.end ())
                return;
              // Onto the clip's timeline: wall clock minus its origin, and
              // never before the end of this track's previous fragment.
              const double wall_us = file_start + decode * 1e6 / ts->second;
              uint64_t clip_time = (uint64_t) std::llround (std::max (0.0,
                      wall_us - origin_us_) * ts->second / 1e6);
              auto end = track_end_.find (track);
              if (end != track_end_.end ())
                clip_time = std::max (clip_time, end->second);
              track_end_[track] = clip_time + duration;
              if (wide)
                put64 (piece, tfdt_at + 12, clip_time);
              else
                put32 (piece, tfdt_at + 12, (uint32_t) clip_time);
            });
      });
}

}  // namespace camgate
