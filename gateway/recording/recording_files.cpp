#include "recording/recording_files.h"

#include "gstrecordsink.h"
#include "isobmff/box_reader.h"
#include "utc_time.h"

#include <glib.h>
#include <glib/gstdio.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace camgate {

namespace fs = std::filesystem;
namespace isobmff = camgate::isobmff;

namespace {

// The start time recordsink wrote after the header: a uuid box holding
// "start=<RFC 3339>". Only the first 64 KiB are read.
bool
read_start (const std::string & path, int64_t & start_us)
{
  std::ifstream in (path, std::ios::binary);
  std::string head (65536, '\0');
  in.read (head.data (), head.size ());
  head.resize (in.gcount ());
  const auto *bytes = reinterpret_cast<const uint8_t *> (head.data ());
  for (const auto & box : isobmff::read_boxes (bytes, 0, head.size ())) {
    if (box.type != isobmff::fourcc ("uuid") || box.body_size () < 16
        || memcmp (bytes + box.body (), gst_record_sink_start_uuid, 16) != 0)
      continue;
    const std::string text (head, box.body () + 16, box.body_size () - 16);
    auto start = text.rfind ("start=", 0) == 0
        ? parse_utc_time (text.c_str () + 6) : std::nullopt;
    if (start)
      start_us = *start;
    return start.has_value ();
  }
  return false;
}

}  // namespace

std::vector<RecordingFile>
list_recordings (const std::string & root)
{
  std::vector<RecordingFile> out;
  std::error_code ec;
  // Symbolic links are never followed, here or below: a link in the
  // stream's folder must not list (and so serve) files from elsewhere.
  if (fs::symlink_status (root, ec).type () != fs::file_type::directory)
    return out;
  for (auto it = fs::recursive_directory_iterator (root,
          fs::directory_options::skip_permission_denied, ec);
      !ec && it != fs::recursive_directory_iterator (); it.increment (ec)) {
    if (it->symlink_status (ec).type () != fs::file_type::regular
        || it->path ().extension () != ".mp4")
      continue;
    RecordingFile f;
    f.path = it->path ().string ();
    GStatBuf st;
    if (g_lstat (f.path.c_str (), &st) != 0 || !S_ISREG (st.st_mode)
        || !read_start (f.path, f.start_us))
      continue;
    f.bytes = st.st_size;
    f.end_us = std::max<int64_t> (f.start_us, (int64_t) st.st_mtim.tv_sec
        * G_USEC_PER_SEC + st.st_mtim.tv_nsec / 1000);
    out.push_back (f);
  }
  std::sort (out.begin (), out.end (), [](const auto & a, const auto & b) {
        return a.start_us < b.start_us;
      });
  return out;
}

std::vector<RecordingSpan>
group_spans (const std::vector<RecordingFile> & files, int64_t max_gap_us)
{
  std::vector<RecordingSpan> spans;
  for (const auto & f : files) {
    if (spans.empty () || f.start_us - spans.back ().end_us > max_gap_us)
      spans.push_back ({ f.start_us, f.end_us, {} });
    spans.back ().end_us = std::max (spans.back ().end_us, f.end_us);
    spans.back ().files.push_back (f);
  }
  return spans;
}

std::vector<std::string>
files_to_delete (const std::vector<RecordingFile> & files, int64_t now_us,
    uint64_t keep_us, uint64_t max_bytes, const std::string & writing)
{
  std::vector<std::string> out;
  uint64_t total = 0;
  for (const auto & f : files)
    total += f.bytes;
  for (const auto & f : files) {         // oldest first
    if (f.path == writing)
      continue;
    const bool too_old = keep_us && f.end_us < now_us - (int64_t) keep_us;
    const bool too_big = max_bytes && total > max_bytes;
    if (!too_old && !too_big)
      continue;
    out.push_back (f.path);
    total -= f.bytes;
  }
  return out;
}

}  // namespace camgate
