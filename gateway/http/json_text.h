// The text of a JsonBuilder's document (which it consumes): every JSON the
// gateway answers with ends this way.
#pragma once

#include <json-glib/json-glib.h>

#include <string>

namespace camgate {

// "name": "value" in the object being built.
inline void
json_member (JsonBuilder * builder, const char *name, const std::string & value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value.c_str ());
}

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
