#include "http/recordings_api.h"

#include "config/text_helpers.h"
#include "http/http_server.h"
#include "http/json_text.h"
#include "recording/recording_clip.h"
#include "recording/recording_output.h"
#include "recording/recording_files.h"
#include "service/stream_log.h"
#include "stream/stream.h"
#include "utc_time.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include <algorithm>
#include <optional>

namespace camgate {

namespace {

const char *
query_value (GHashTable * query, const char *key)
{
  return query ? static_cast<const char *> (g_hash_table_lookup (query, key))
      : nullptr;
}

// Feeds the clip to the response a piece at a time: the next piece goes in
// when the previous one has been written to the socket.
struct ClipStream
{
  std::unique_ptr<RecordingClip> clip;
  SoupMessageBody *body;

  void push ()
  {
    std::string piece;
    if (clip->next (piece))
      soup_message_body_append (body, SOUP_MEMORY_COPY, piece.data (),
          piece.size ());
    else
      soup_message_body_complete (body);
  }
};

// The single byte range asked for, [first, last] (the whole clip when none,
// when the header does not parse, or when several are asked for: RFC 9110
// lets a server ignore Range). False after answering 416 for a range that
// starts past the end.
bool
range_of (SoupServerMessage * message, uint64_t total, uint64_t & first,
    uint64_t & last)
{
  auto *request = soup_server_message_get_request_headers (message);
  SoupRange *ranges = nullptr;
  int count = 0;
  // libsoup parses; it leaves checking the range against the length to us.
  if (!soup_message_headers_get_ranges (request, total, &ranges, &count))
    return true;
  const goffset start = std::max<goffset> (ranges[0].start, 0);
  const goffset end = std::min<goffset> (ranges[0].end, total - 1);
  soup_message_headers_free_ranges (request, ranges);
  if (count != 1)
    return true;
  if (start >= (goffset) total || end < start) {
    send_error (message, SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE,
        "Range: outside the clip's " + std::to_string (total) + " bytes");
    soup_message_headers_replace (soup_server_message_get_response_headers
        (message), "Content-Range", ("bytes */" + std::to_string (total))
        .c_str ());
    return false;
  }
  first = start;
  last = end;
  return true;
}

}  // namespace

void
send_recording_clip (SoupServerMessage * message, const Stream & stream,
    GHashTable * query)
{
  const char *start_text = query_value (query, "start");
  const char *duration_text = query_value (query, "duration");
  const char *format = query_value (query, "format");
  if (format && g_strcmp0 (format, "mp4") != 0) {
    send_error (message, SOUP_STATUS_BAD_REQUEST, std::string ("format '")
        + format + "' is not supported (mp4)");
    return;
  }
  const auto start_us = parse_utc_time (start_text);
  if (!start_us) {
    send_error (message, SOUP_STATUS_BAD_REQUEST, "start: expected an RFC "
        "3339 time such as 2026-11-26T03:12:00Z, got '" + std::string (
            start_text ? start_text : "") + "'");
    return;
  }
  auto duration_ms = parse_duration_ms (duration_text ? duration_text : "60s");
  if (!duration_ms || *duration_ms == 0 || *duration_ms > 3600 * 1000) {
    send_error (message, SOUP_STATUS_BAD_REQUEST, "duration: expected up to "
        "1h, such as 60s or 5m, got '" + std::string (duration_text
            ? duration_text : "") + "'");
    return;
  }
  auto rec = stream.output<RecordingOutput> ();
  std::string error;
  auto clip = RecordingClip::open (list_recordings (rec ? rec->root () : ""),
      *start_us, (int64_t) *duration_ms * 1000, error);
  if (!clip) {
    send_error (message, SOUP_STATUS_NOT_FOUND, error);
    return;
  }
  auto *headers = soup_server_message_get_response_headers (message);
  // A finished clip's length is known up front, so players can seek with
  // Range. One that reads the file being written grows between requests:
  // it is streamed whole, as before.
  const uint64_t total = clip->size ();
  const std::string writing = rec ? rec->current_file () : "";
  const bool growing = !writing.empty () && clip->includes (writing);
  uint64_t first = 0, last = total - 1;
  if (growing) {
    set_streamed_encoding (message);
  } else {
    soup_message_headers_replace (headers, "Accept-Ranges", "bytes");
    if (!range_of (message, total, first, last))
      return;
    soup_message_headers_set_content_length (headers, last - first + 1);
  }
  soup_message_headers_set_content_type (headers, "video/mp4", nullptr);
  soup_message_headers_replace (headers, "Content-Disposition", ("inline; "
          "filename=\"" + stream.spec ().name + ".mp4\"").c_str ());
  if (first != 0 || last != total - 1) {
    clip->set_range (first, last);
    soup_message_headers_set_content_range (headers, first, last, total);
    soup_server_message_set_status (message, SOUP_STATUS_PARTIAL_CONTENT,
        nullptr);
  } else {
    soup_server_message_set_status (message, SOUP_STATUS_OK, nullptr);
  }
  auto *feed = new ClipStream { std::move (clip),
    soup_server_message_get_response_body (message) };
  g_signal_connect_data (message, "wrote-chunk", G_CALLBACK (+[](
              SoupServerMessage *, gpointer data) {
            static_cast<ClipStream *> (data)->push ();
          }), feed, [](gpointer data, GClosure *) {
        delete static_cast<ClipStream *> (data);
      }, (GConnectFlags) 0);
  feed->push ();
}

void
delete_recordings (SoupServerMessage * message, const Stream & stream,
    const std::string & file, GHashTable * query)
{
  auto rec = stream.output<RecordingOutput> ();
  const std::string root = rec->root ();
  const std::string writing = rec->current_file ();
  auto files = list_recordings (root);
  std::vector<std::string> doomed;
  if (!file.empty ()) {
    // As listed: relative to the stream's folder, no way out of it.
    if (file.find ("..") != std::string::npos || file[0] == '/'
        || file.find ('\\') != std::string::npos) {
      send_error (message, SOUP_STATUS_BAD_REQUEST, "bad file name '" + file
          + "'");
      return;
    }
    const std::string path = root + "/" + file;
    auto it = std::find_if (files.begin (), files.end (),
        [&](const RecordingFile & f) { return f.path == path; });
    if (it == files.end ()) {
      send_error (message, SOUP_STATUS_NOT_FOUND, "no recording '" + file
          + "'");
      return;
    }
    if (path == writing) {
      send_error (message, SOUP_STATUS_CONFLICT, "'" + file + "' is being "
          "written");
      return;
    }
    doomed.push_back (path);
  } else {
    auto from = parse_utc_time (query_value (query, "start"));
    auto to = parse_utc_time (query_value (query, "end"));
    if (!from || !to || *to <= *from) {
      send_error (message, SOUP_STATUS_BAD_REQUEST, "expected start and end, "
          "RFC 3339 times with start before end");
      return;
    }
    for (const auto & f : files)
      if (f.start_us >= *from && f.end_us <= *to && f.path != writing)
        doomed.push_back (f.path);
  }
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "deleted");
  json_builder_begin_array (b);
  for (const auto & path : doomed)
    if (g_unlink (path.c_str ()) == 0)
      json_builder_add_string_value (b, path.substr (root.size () + 1).c_str ());
  json_builder_end_array (b);
  json_builder_end_object (b);
  const std::string text = finish_json (b, false);
  log_stream (G_LOG_LEVEL_MESSAGE, stream.spec ().name, "recordings deleted by "
      "the API: %s", text.c_str ());
  send_json (message, SOUP_STATUS_OK, text);
}

std::string
render_recordings (const Stream & stream)
{
  auto rec = stream.output<RecordingOutput> ();
  const std::string root = rec ? rec->root () : "";
  auto spans = group_spans (list_recordings (root), kRecordingGapUs);
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  json_member (b, "stream", stream.spec ().name);
  json_member (b, "folder", root);
  json_builder_set_member_name (b, "spans");
  json_builder_begin_array (b);
  for (const auto & span : spans) {
    json_builder_begin_object (b);
    json_member (b, "start", format_utc_time (span.start_us));
    json_member (b, "end", format_utc_time (span.end_us));
    json_builder_set_member_name (b, "duration");
    json_builder_add_double_value (b, (span.end_us - span.start_us) / 1e6);
    json_builder_set_member_name (b, "files");
    json_builder_begin_array (b);
    for (const auto & f : span.files) {
      json_builder_begin_object (b);
      // Relative to the stream's folder: where it lives is the gateway's
      // business.
      json_member (b, "path", f.path.rfind (root + "/", 0) == 0
          ? f.path.substr (root.size () + 1) : f.path);
      json_member (b, "start", format_utc_time (f.start_us));
      json_member (b, "end", format_utc_time (f.end_us));
      json_builder_set_member_name (b, "bytes");
      json_builder_add_int_value (b, (gint64) f.bytes);
      json_builder_end_object (b);
    }
    json_builder_end_array (b);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  // The camera's events, to mark on the timeline.
  json_builder_set_member_name (b, "events");
  json_builder_begin_array (b);
  for (const auto & event : rec ? rec->event_spans ()
          : std::vector<EventSpan> {})
    add_event_span (b, event);
  json_builder_end_array (b);
  json_builder_end_object (b);
  return finish_json (b);
}

}  // namespace camgate
