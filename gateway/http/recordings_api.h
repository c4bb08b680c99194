// GET /api/v1/recordings/<stream>: the stream's recordings as spans of
// contiguous files, with the gaps between them.
#pragma once

#include <string>

namespace camgate {

class Stream;

// A gap longer than this between one file's end and the next one's start
// separates two spans (fragments are ~1 s; a reconnect takes longer).
constexpr int64_t kRecordingGapUs = 3 * 1000000;

// {"stream", "folder", "spans": [{"start", "end", "duration",
//   "files": [{"path", "start", "end", "bytes"}]}]}
std::string render_recordings (const Stream & stream);

}  // namespace camgate
