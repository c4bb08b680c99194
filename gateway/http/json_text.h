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

// "name": number in the object being built (distinct names: an integer
// literal would be ambiguous between two overloads).
inline void
json_int_member (JsonBuilder * builder, const char *name, gint64 value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

inline void
json_number_member (JsonBuilder * builder, const char *name, double value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_double_value (builder, value);
}

// The string member `name` of a request's JSON object; "" when it is
// missing or not a string (requests are untrusted: {"name": 5} must not
// reach a std::string as NULL).
inline std::string
json_string_member (JsonObject * object, const char *name)
{
  JsonNode *node = json_object_get_member (object, name);
  if (!node || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return {};
  return json_node_get_string (node);
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
