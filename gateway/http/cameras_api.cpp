#include "http/cameras_api.h"

#include "http/json_text.h"

namespace camgate {

std::string
cameras_json (const std::vector<DiscoveredCamera> & cameras)
{
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "cameras");
  json_builder_begin_array (b);
  for (const DiscoveredCamera & camera : cameras) {
    json_builder_begin_object (b);
    json_member (b, "id", camera.id);
    json_member (b, "name", camera.name);
    for (const auto & [member, value] : camera.details)
      json_member (b, member.c_str (), value);
    if (!camera.uri.empty ())
      json_member (b, "uri", camera.uri);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return finish_json (b);
}

}  // namespace camgate
