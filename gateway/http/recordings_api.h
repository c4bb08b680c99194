// GET /api/v1/recordings/<stream>: the stream's recordings as spans of
// contiguous files, with the gaps between them.
#pragma once

#include <libsoup/soup.h>

#include <string>

namespace camgate {

class Stream;

// A gap longer than this between one file's end and the next one's start
// separates two spans (fragments are ~1 s; a reconnect takes longer).
constexpr int64_t kRecordingGapUs = 3 * 1000000;

// {"stream", "folder", "spans": [{"start", "end", "duration",
//   "files": [{"path", "start", "end", "bytes"}]}]}
std::string render_recordings (const Stream & stream);

// GET /api/v1/recordings/<stream>/get?start=<RFC 3339>&duration=<60s>
// [&format=mp4]: answers with one fragmented MP4, streamed (chunked) a
// fragment at a time, or a 400/404 with the reason.
void send_recording_clip (SoupServerMessage * message, const Stream & stream,
    GHashTable * query);

// DELETE /api/v1/recordings/<stream>/files/<path>: one file (its path as
// the listing gives it); DELETE /api/v1/recordings/<stream>?start=&end=:
// every file wholly inside the range. The file being written is never
// deleted (409). Answers {"deleted": [...]}.
void delete_recordings (SoupServerMessage * message, const Stream & stream,
    const std::string & file, GHashTable * query);

}  // namespace camgate
