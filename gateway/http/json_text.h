// The text of a JsonBuilder's document (which it consumes): every JSON the
// gateway answers with ends this way.
#pragma once

#include <json-glib/json-glib.h>

#include <string>

namespace camgate {

inline std::string
finish_json (JsonBuilder * builder, bool pretty = true)
{
  JsonNode *root = json_builder_get_root (builder);
  gchar *text = json_to_string (root, pretty);
  std::string out = text ? text : "null";
  g_free (text);
  json_node_unref (root);
  g_object_unref (builder);
  return out;
}

}  // namespace camgate
