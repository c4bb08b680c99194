// RecordingClip: one playable fragmented MP4 cut from a stream's recording
// files for a time range. It starts with the fragment that begins with the
// last keyframe at or before the range's start and ends with the fragment
// holding its end; decode times are rewritten onto one timeline from 0 (a
// gap in the recording stays a gap in time) and fragment sequence numbers
// renumbered. Pieces are read from the files one fragment at a time, so a
// long clip never sits in memory.
#pragma once

#include "recording/recording_files.h"

#include <cstdint>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace camgate {

class RecordingClip
{
public:
  // Null (and `error`, `status` 404) when no recording covers the range.
  static std::unique_ptr<RecordingClip> open (
      const std::vector<RecordingFile> & files, int64_t start_us,
      int64_t duration_us, std::string & error);

  // The clip's length in bytes, known before it is read: rewriting the
  // fragments changes values, never sizes.
  uint64_t size () const;
  // Whether the clip reads `path` (the file being written: the clip of
  // the same range would be longer a moment later).
  bool includes (const std::string & path) const;

  // Limits what next() hands out to bytes [first, last] (HTTP Range).
  // Fragments before `first` are still read up to their mdat, since each
  // fragment's decode time follows from the ones before it.
  void set_range (uint64_t first, uint64_t last);

  // The next piece of the MP4 (the header first, then one fragment at a
  // time, cut to the range); false at the end.
  bool next (std::string & piece);

private:
  struct Fragment
  {
    size_t file;
    uint64_t offset;               // of its moof (or styp) in the file
    uint64_t size;                 // moof + mdat
    uint64_t head_size;            // up to its mdat: all that is rewritten
    int64_t time_us;               // wall clock of its first sample
    bool sync;                     // starts with a video keyframe
  };

  RecordingClip () = default;
  bool index_file (size_t file, std::string & error);
  // Renumbers and moves onto the clip's timeline the moof at the start of
  // `piece` (a fragment read from file `file`).
  void rewrite_fragment (std::string & piece, size_t file);

  std::vector<RecordingFile> files_;
  std::string header_;             // ftyp + moov of the first file
  std::map<uint32_t, uint32_t> timescales_;  // track -> timescale
  uint32_t video_track_ = 0;
  std::vector<Fragment> fragments_;
  size_t next_ = 0;
  bool header_sent_ = false;
  uint64_t position_ = 0;          // where the next piece starts
  uint64_t range_first_ = 0;
  uint64_t range_end_ = UINT64_MAX;  // exclusive
  int64_t origin_us_ = 0;          // wall clock of the clip's time 0
  uint32_t sequence_ = 0;
  // Per track, where the last fragment sent ends on the clip's timeline:
  // a file's wall-clock start can overlap the previous file's last samples
  // by a few milliseconds, and decode times must never go back.
  std::map<uint32_t, uint64_t> track_end_;
};

}  // namespace camgate
