#include "http/cluster_api.h"

#include "cluster/cluster_node.h"
#include "http/http_server.h"
#include "http/json_text.h"

namespace camgate {

void
send_cluster (SoupServerMessage * message, const ClusterNode * cluster)
{
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "enabled");
  json_builder_add_boolean_value (b, cluster != nullptr);
  if (cluster) {
    const auto view = cluster->view ();
    json_member (b, "node", cluster->config ().node);
    json_builder_set_member_name (b, "registered");
    json_builder_add_boolean_value (b, view.registered);
    if (!view.error.empty ())
      json_member (b, "error", view.error);
    json_builder_set_member_name (b, "lease_ms");
    json_builder_add_int_value (b, cluster->config ().lease_ms);
    json_builder_set_member_name (b, "nodes");
    json_builder_begin_array (b);
    for (const auto & member : view.members) {
      json_builder_begin_object (b);
      json_member (b, "node", member.node);
      json_member (b, "rtsp", member.rtsp);
      json_member (b, "http", member.http);
      json_member (b, "since", member.since);
      json_builder_set_member_name (b, "self");
      json_builder_add_boolean_value (b, member.self);
      json_builder_set_member_name (b, "streams");
      json_builder_add_int_value (b, member.streams);
      json_builder_end_object (b);
    }
    json_builder_end_array (b);
    // Which node pulls each stream's camera.
    json_builder_set_member_name (b, "owners");
    json_builder_begin_object (b);
    for (const auto & [stream, node] : view.owners)
      json_member (b, stream.c_str (), node);
    json_builder_end_object (b);
  }
  json_builder_end_object (b);
  send_json (message, SOUP_STATUS_OK, finish_json (b));
}

}  // namespace camgate
