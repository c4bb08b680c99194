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
    json_int_member (b, "lease_ms", cluster->config ().lease_ms);
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
      json_int_member (b, "streams", member.streams);
      json_int_member (b, "viewers", member.viewers);
      json_number_member (b, "cpu", member.cpu);
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

void
rebalance_cluster (SoupServerMessage * message, ClusterNode * cluster,
    const std::string & body)
{
  if (!cluster)
    return send_error (message, SOUP_STATUS_NOT_FOUND, "this gateway runs "
        "alone (no cluster: in its config)");
  std::string stream, to;
  if (!body.empty ()) {
    JsonParser *parser = json_parser_new ();
    const bool ok = body.size () <= 4096 && json_parser_load_from_data (parser,
        body.c_str (), body.size (), nullptr)
        && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser));
    if (ok) {
      JsonObject *object = json_node_get_object (json_parser_get_root (parser));
      stream = json_string_member (object, "stream");
      to = json_string_member (object, "to");
    }
    g_object_unref (parser);
    if (!ok)
      return send_error (message, SOUP_STATUS_BAD_REQUEST, "body: expected "
          "{\"stream\": ..., \"to\": ...} (both optional)");
  }
  const ClusterNode::Move move = cluster->request_move (stream, to);
  if (!move.error.empty ())
    return send_error (message, move.bad_request ? SOUP_STATUS_BAD_REQUEST
        : SOUP_STATUS_SERVICE_UNAVAILABLE, move.error);
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "stream");
  if (move.stream.empty ()) {
    json_builder_add_null_value (b);
    json_member (b, "reason", "the cluster is balanced");
  } else {
    json_builder_add_string_value (b, move.stream.c_str ());
    json_member (b, "from", move.from);
    json_member (b, "to", move.to);
  }
  json_builder_end_object (b);
  send_json (message, move.stream.empty () ? SOUP_STATUS_OK
      : SOUP_STATUS_ACCEPTED, finish_json (b));
}

}  // namespace camgate
