#include "config/pipeline_store.h"

#include "config/pipeline_file.h"
#include "config/text_helpers.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>

namespace camgate {

namespace {

constexpr size_t kMaxBodyBytes = 64 * 1024;

StoreResult
refuse (StoreOutcome outcome, const std::string & reason)
{
  return { outcome, { reason }, {} };
}

// Block style throughout, so the file reads like a hand-written one even
// when the request was JSON.
void
block_style (YAML::Node node)
{
  // An empty mapping reads best as "{}" on its key's line.
  node.SetStyle (node.size () == 0 ? YAML::EmitterStyle::Flow
      : YAML::EmitterStyle::Block);
  if (node.IsMap ())
    for (auto entry : node)
      block_style (entry.second);
  else if (node.IsSequence ())
    for (auto item : node)
      block_style (item);
}

// RFC 7396: objects merge, null removes, anything else replaces.
YAML::Node
merge_patch (const YAML::Node & target, const YAML::Node & patch)
{
  if (!patch.IsMap ())
    return YAML::Clone (patch);
  YAML::Node out = target.IsMap () ? YAML::Clone (target)
      : YAML::Node (YAML::NodeType::Map);
  for (const auto & entry : patch) {
    const std::string key = entry.first.Scalar ();
    if (entry.second.IsNull ())
      out.remove (key);
    else
      out[key] = merge_patch (out[key], entry.second);
  }
  return out;
}

// JSON in, yaml-cpp nodes out. JSON only: YAML's anchors and aliases would
// let one small request expand into an enormous document.
YAML::Node
from_json (JsonNode * node)
{
  switch (json_node_get_node_type (node)) {
    case JSON_NODE_OBJECT: {
      YAML::Node map (YAML::NodeType::Map);
      JsonObjectIter iter;
      const gchar *key;
      JsonNode *member;
      json_object_iter_init (&iter, json_node_get_object (node));
      while (json_object_iter_next (&iter, &key, &member))
        map[key] = from_json (member);
      return map;
    }
    case JSON_NODE_ARRAY: {
      YAML::Node list (YAML::NodeType::Sequence);
      JsonArray *array = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (array); i++)
        list.push_back (from_json (json_array_get_element (array, i)));
      return list;
    }
    case JSON_NODE_NULL:
      return YAML::Node (YAML::NodeType::Null);
    case JSON_NODE_VALUE:
      break;
  }
  GType type = json_node_get_value_type (node);
  if (type == G_TYPE_BOOLEAN)
    return YAML::Node (json_node_get_boolean (node) ? "true" : "false");
  if (type == G_TYPE_INT64)
    return YAML::Node (std::to_string (json_node_get_int (node)));
  if (type == G_TYPE_DOUBLE) {
    gchar text[G_ASCII_DTOSTR_BUF_SIZE];
    return YAML::Node (std::string (g_ascii_dtostr (text, sizeof text,
                json_node_get_double (node))));
  }
  return YAML::Node (std::string (json_node_get_string (node)));
}

bool
parse_body (const std::string & body, YAML::Node & out, std::string & error)
{
  if (body.size () > kMaxBodyBytes) {
    error = "body: larger than 64 KiB";
    return false;
  }
  if (json_nesting_depth (body) > kMaxJsonDepth) {
    error = "body: nested deeper than " + std::to_string (kMaxJsonDepth)
        + " levels";
    return false;
  }
  JsonParser *parser = json_parser_new ();
  GError *gerror = nullptr;
  bool ok = json_parser_load_from_data (parser, body.c_str (), body.size (),
      &gerror);
  if (!ok)
    error = std::string ("body: not JSON (") + gerror->message + ")";
  else if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser))) {
    error = "body: expected a JSON object describing the stream";
    ok = false;
  } else if (JsonNode *name = json_object_get_member (json_node_get_object (
              json_parser_get_root (parser)), "name");
      name && (!JSON_NODE_HOLDS_VALUE (name)
          || json_node_get_value_type (name) != G_TYPE_STRING)) {
    error = "name: expected a string";
    ok = false;
  } else {
    out = from_json (json_parser_get_root (parser));
  }
  g_clear_error (&gerror);
  g_object_unref (parser);
  return ok;
}

// The "name" of a body, checked against `expected` when given.
bool
take_name (YAML::Node & doc, const std::string & expected, std::string & name,
    std::string & error)
{
  name = expected;
  if (const YAML::Node n = doc["name"]) {
    if (!n.IsScalar ()) {
      error = "name: expected a single value";
      return false;
    }
    if (!expected.empty () && n.Scalar () != expected) {
      error = "name: '" + n.Scalar () + "' differs from the URL's '" + expected
          + "' (rename = create the new one, then delete the old)";
      return false;
    }
    name = n.Scalar ();
  }
  // The file is named after the stream: no name: key needed in it.
  doc.remove ("name");
  if (!is_valid_stream_name (name)) {
    error = "name: '" + name + "' is not a stream name (letters, digits, "
        "'-', '_' and '.', not starting with '.' or '-')";
    return false;
  }
  return true;
}

}  // namespace

StoreResult
PipelineStore::write (const std::string & name, const std::string & file,
    const std::string & yaml, bool admin, bool create) const
{
  StreamSpec spec;
  std::vector<ConfigError> errors;
  if (!parse_pipeline_text (yaml, file, spec, errors)) {
    StoreResult result { StoreOutcome::Invalid, {}, file };
    for (const auto & e : errors)
      result.errors.push_back (e.reason);
    return result;
  }
  if (spec.name != name)
    return refuse (StoreOutcome::Invalid, "name: the file would define '" + spec.name
        + "', not '" + name + "'");
  // A gst-launch description can read, write or send any file camgate can:
  // only the operator's own files and, where allowed, admins set one. A
  // change that keeps the file's pipeline as it is stays open to others.
  if (spec.source.kind == SourceKind::Pipeline && !(pipelines_ && admin)) {
    StreamSpec current;
    std::vector<ConfigError> ignored;
    if (!g_file_test (file.c_str (), G_FILE_TEST_EXISTS)
        || !parse_pipeline_file (file, current, ignored)
        || current.source.pipeline != spec.source.pipeline)
      return refuse (StoreOutcome::NotAllowed, pipelines_ ? "source.pipeline: only an admin may "
          "set a gst-launch pipeline" : "source.pipeline: not through the "
          "API (the gateway setting api-pipelines is off)");
  }
  std::string text = yaml;
  if (shared_) {
    std::string why;
    if (!shared_->put (name, yaml, create, why))
      return why.empty () ? refuse (StoreOutcome::Conflict, "the cluster "
          "already has a stream named '" + name + "'")
          : refuse (StoreOutcome::WriteFailed, "the cluster's store: " + why);
    text = mirrored_text (yaml);
  }
  GError *error = nullptr;
  // g_file_set_contents_full writes a temporary file and renames it over
  // the target: a reader (hot reload) sees the old or the new file, never
  // half of one.
  if (!g_file_set_contents_full (file.c_str (), text.data (), text.size (),
          G_FILE_SET_CONTENTS_CONSISTENT, 0644, &error)) {
    StoreResult result = refuse (StoreOutcome::WriteFailed, std::string ("cannot write ") + file
        + ": " + error->message);
    g_clear_error (&error);
    return result;
  }
  return { StoreOutcome::Done, {}, file };
}

StoreResult
PipelineStore::create (const std::string & body,
    const std::vector<std::string> & taken_names, bool admin) const
{
  if (!usable ())
    return refuse (StoreOutcome::Conflict, "camgate runs without a pipelines folder (start it "
        "with --pipelines DIR to manage streams)");
  YAML::Node doc;
  std::string error, name;
  if (!parse_body (body, doc, error) || !take_name (doc, "", name, error))
    return refuse (StoreOutcome::Invalid, error);
  if (std::find (taken_names.begin (), taken_names.end (), name)
      != taken_names.end ())
    return refuse (StoreOutcome::Conflict, "a stream named '" + name + "' exists");
  std::string file = (std::filesystem::path (dir_) / (name + ".yaml")).string ();
  for (const char *ext : { ".yaml", ".yml" })
    if (g_file_test ((dir_ + "/" + name + ext).c_str (), G_FILE_TEST_EXISTS))
      return refuse (StoreOutcome::Conflict, "the file " + name + ext + " exists (it may be "
          "invalid: see camgate check)");
  block_style (doc);
  YAML::Emitter out;
  out << doc;
  StoreResult result = write (name, file, std::string (out.c_str ()) + "\n",
      admin, true);
  if (result.ok ())
    result.outcome = StoreOutcome::Created;
  return result;
}

StoreResult
PipelineStore::replace (const std::string & name, const std::string & file,
    const std::string & body, bool merge, bool admin) const
{
  if (!usable () || file.empty ())
    return refuse (StoreOutcome::Conflict, "stream '" + name + "' is built in, not from a "
        "pipeline file");
  YAML::Node doc;
  std::string error, ignored;
  if (!parse_body (body, doc, error) || !take_name (doc, name, ignored, error))
    return refuse (StoreOutcome::Invalid, error);
  if (merge) {
    YAML::Node current;
    try {
      current = YAML::LoadFile (file);
    } catch (const YAML::Exception & e) {
      return refuse (StoreOutcome::Conflict, "cannot read " + file + ": " + e.msg);
    }
    doc = merge_patch (current, doc);
    doc.remove ("name");
  }
  // A file whose stream is named by its name: key keeps that key.
  if (std::filesystem::path (file).stem ().string () != name)
    doc["name"] = name;
  block_style (doc);
  YAML::Emitter out;
  out << doc;
  return write (name, file, std::string (out.c_str ()) + "\n", admin);
}

StoreResult
PipelineStore::remove (const std::string & name, const std::string & file) const
{
  if (!usable () || file.empty ())
    return refuse (StoreOutcome::Conflict, "the built-in stream has no pipeline file");
  std::string why;
  if (shared_ && !shared_->remove (name, why))
    return refuse (StoreOutcome::WriteFailed, "the cluster's store: " + why);
  if (g_unlink (file.c_str ()) != 0 && errno != ENOENT)
    return refuse (StoreOutcome::WriteFailed, "cannot remove " + file + ": " + g_strerror (errno));
  return { StoreOutcome::Done, {}, file };
}

}  // namespace camgate
