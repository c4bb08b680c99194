#include "http/recordings_api.h"

#include "recording/recording_files.h"
#include "stream/stream.h"

#include <json-glib/json-glib.h>

namespace camgate {

namespace {

void
member (JsonBuilder * b, const char *name, const std::string & value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, value.c_str ());
}

}  // namespace

std::string
render_recordings (const Stream & stream)
{
  const RecordingOutput *rec = stream.recording ();
  const std::string root = rec ? rec->root () : "";
  auto spans = group_spans (list_recordings (root), kRecordingGapUs);
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  member (b, "stream", stream.spec ().name);
  member (b, "folder", root);
  json_builder_set_member_name (b, "spans");
  json_builder_begin_array (b);
  for (const auto & span : spans) {
    json_builder_begin_object (b);
    member (b, "start", format_utc (span.start_us));
    member (b, "end", format_utc (span.end_us));
    json_builder_set_member_name (b, "duration");
    json_builder_add_double_value (b, (span.end_us - span.start_us) / 1e6);
    json_builder_set_member_name (b, "files");
    json_builder_begin_array (b);
    for (const auto & f : span.files) {
      json_builder_begin_object (b);
      // Relative to the stream's folder: where it lives is the gateway's
      // business.
      member (b, "path", f.path.rfind (root + "/", 0) == 0
          ? f.path.substr (root.size () + 1) : f.path);
      member (b, "start", format_utc (f.start_us));
      member (b, "end", format_utc (f.end_us));
      json_builder_set_member_name (b, "bytes");
      json_builder_add_int_value (b, (gint64) f.bytes);
      json_builder_end_object (b);
    }
    json_builder_end_array (b);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  json_builder_end_object (b);
  JsonNode *node = json_builder_get_root (b);
  gchar *text = json_to_string (node, TRUE);
  std::string out = text;
  g_free (text);
  json_node_unref (node);
  g_object_unref (b);
  return out;
}

}  // namespace camgate
