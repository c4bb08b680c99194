// RecordingFiles: what is on disk for one stream's recordings. Finds the
// files under the stream's recording folder, reads each file's absolute
// start time (recordsink's uuid box; the file's modification time is when
// its last fragment was written), groups them into spans separated by gaps,
// and chooses what retention deletes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace camgate {

struct RecordingFile
{
  std::string path;
  int64_t start_us = 0;            // UTC, microseconds since the epoch
  int64_t end_us = 0;
  uint64_t bytes = 0;
};

struct RecordingSpan
{
  int64_t start_us = 0;
  int64_t end_us = 0;
  std::vector<RecordingFile> files;
};

// Every recording (*.mp4 with a start time) under `root`, oldest first;
// symbolic links are neither listed nor followed.
std::vector<RecordingFile> list_recordings (const std::string & root);

// Files whose start follows the previous end by at most `max_gap_us` form
// one span.
std::vector<RecordingSpan> group_spans (const std::vector<RecordingFile> &
    files, int64_t max_gap_us);

// What retention deletes, oldest first: files that ended before `now_us -
// keep_us` (keep 0: none by age), then the oldest until the total is at
// most `max_bytes` (0: no limit). Never `writing`.
std::vector<std::string> files_to_delete (const std::vector<RecordingFile> &
    files, int64_t now_us, uint64_t keep_us, uint64_t max_bytes,
    const std::string & writing);

}  // namespace camgate
