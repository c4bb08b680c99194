#include "http/stream_admin.h"

#include "http/http_server.h"
#include "http/json_text.h"
#include "http/streams_api.h"
#include "onvif/camera_watch.h"
#include "stream/stream_manager.h"

#include <json-glib/json-glib.h>

namespace camgate {

namespace {

guint
status_of (StoreOutcome outcome)
{
  switch (outcome) {
    case StoreOutcome::Done:
      return SOUP_STATUS_OK;
    case StoreOutcome::Created:
      return SOUP_STATUS_CREATED;
    case StoreOutcome::Invalid:
      return SOUP_STATUS_BAD_REQUEST;
    case StoreOutcome::NotAllowed:
      return SOUP_STATUS_FORBIDDEN;
    case StoreOutcome::Conflict:
      return SOUP_STATUS_CONFLICT;
    case StoreOutcome::WriteFailed:
      break;
  }
  return SOUP_STATUS_INTERNAL_SERVER_ERROR;
}

void
send_store_errors (SoupServerMessage * message, const StoreResult & result)
{
  const guint status = status_of (result.outcome);
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  std::string joined;
  for (const auto & e : result.errors)
    joined += (joined.empty () ? "" : "; ") + e;
  json_member (b, "error", joined);
  json_builder_set_member_name (b, "errors");
  json_builder_begin_array (b);
  for (const auto & e : result.errors)
    json_builder_add_string_value (b, e.c_str ());
  json_builder_end_array (b);
  json_builder_set_member_name (b, "status");
  json_builder_add_int_value (b, status);
  json_builder_end_object (b);
  send_json (message, status, finish_json (b));
}

std::vector<std::string>
stream_names (const StreamManager & streams)
{
  std::vector<std::string> names;
  for (const auto & s : streams.streams ())
    if (!s->spec ().file.empty ())
      names.push_back (s->spec ().name);
  return names;
}

// After a write: reload now (the folder monitor would, a moment later) and
// answer with the stream as it runs.
void
answer_written (StreamManager & streams,
    SoupServerMessage * message, const std::string & name, guint status)
{
  streams.reload ();
  std::string body;
  if (!render_stream (streams, name, body))
    return send_error (message, SOUP_STATUS_INTERNAL_SERVER_ERROR, "stream '"
        + name + "' was written but did not start; see the gateway log");
  if (status == SOUP_STATUS_CREATED) {
    std::string location = "/api/v1/streams/" + name;
    soup_message_headers_replace (soup_server_message_get_response_headers
        (message), "Location", location.c_str ());
  }
  send_json (message, status, body);
}

// The "name" of a JSON/YAML body, to check permissions before writing.
std::string
body_name (const std::string & body)
{
  JsonParser *parser = json_parser_new ();
  std::string name;
  if (json_parser_load_from_data (parser, body.c_str (), body.size (), nullptr)
      && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    name = json_string_member (json_node_get_object (json_parser_get_root
            (parser)), "name");
  g_object_unref (parser);
  return name;                     // "" when absent: the store explains
}

}  // namespace

void
change_stream (StreamManager & streams,
    const PipelineStore & store, SoupServerMessage * message,
    const std::string & name, const ManageCheck & may_manage,
    const AdminCheck & is_admin)
{
  const std::string method = soup_server_message_get_method (message);
  const std::string body = request_body (message);
  if (name.empty ()) {
    std::string wanted = body_name (body);
    if (!may_manage (wanted))
      return;
    StoreResult result = store.create (body, stream_names (streams),
        is_admin (wanted));
    if (!result.ok ())
      return send_store_errors (message, result);
    g_message ("api: created stream %s (%s)", wanted.c_str (),
        result.file.c_str ());
    return answer_written (streams, message, wanted, SOUP_STATUS_CREATED);
  }

  if (!may_manage (name))
    return;
  auto stream = streams.find (name);
  if (!stream)
    return send_error (message, SOUP_STATUS_NOT_FOUND, "no stream named '"
        + name + "'");
  const std::string file = stream->spec ().file;
  if (method == "DELETE") {
    StoreResult result = store.remove (name, file);
    if (!result.ok ())
      return send_store_errors (message, result);
    g_message ("api: deleted stream %s (%s)", name.c_str (), file.c_str ());
    streams.reload ();
    JsonBuilder *b = json_builder_new ();
    json_builder_begin_object (b);
    json_member (b, "deleted", name);
    json_builder_end_object (b);
    send_json (message, SOUP_STATUS_OK, finish_json (b, false));
    return;
  }
  StoreResult result = store.replace (name, file, body, method == "PATCH",
      is_admin (name));
  if (!result.ok ())
    return send_store_errors (message, result);
  g_message ("api: changed stream %s (%s)", name.c_str (), file.c_str ());
  answer_written (streams, message, name, SOUP_STATUS_OK);
}

void
add_camera (StreamManager & streams,
    const PipelineStore & store, const CameraWatch & cameras,
    SoupServerMessage * message, const std::string & camera_id,
    const ManageCheck & may_manage)
{
  std::string location = cameras.location (camera_id);
  if (location.empty ())
    return send_error (message, SOUP_STATUS_NOT_FOUND, "no camera '"
        + camera_id + "' (see GET /api/v1/cameras)");
  const std::string body = request_body (message);
  JsonParser *parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, body.c_str (), body.size (), nullptr)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser))) {
    g_object_unref (parser);
    return send_error (message, SOUP_STATUS_BAD_REQUEST, "expected a JSON "
        "object: {\"name\", \"user\", \"password\", \"profile\"}");
  }
  JsonObject *o = json_node_get_object (json_parser_get_root (parser));
  auto field = [o](const char *key) { return json_string_member (o, key); };
  const std::string name = field ("name"), user = field ("user"),
      password = field ("password"), profile = field ("profile");
  g_object_unref (parser);
  if (!may_manage (name))
    return;

  // onvif://host:port -> onvif://user:password@host:port[/profile]
  std::string uri = location;
  if (!user.empty ()) {
    gchar *u = g_uri_escape_string (user.c_str (), nullptr, FALSE);
    gchar *p = g_uri_escape_string (password.c_str (), nullptr, FALSE);
    uri.insert (uri.find ("://") + 3, std::string (u) + ":" + p + "@");
    g_free (u);
    g_free (p);
  }
  if (!profile.empty ()) {
    gchar *escaped = g_uri_escape_string (profile.c_str (), nullptr, FALSE);
    uri += std::string ("/") + escaped;
    g_free (escaped);
  }
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  json_member (b, "name", name);
  json_builder_set_member_name (b, "source");
  json_builder_begin_object (b);
  json_member (b, "uri", uri);
  json_builder_end_object (b);
  json_builder_end_object (b);
  StoreResult result = store.create (finish_json (b, false),
      stream_names (streams), false);
  if (!result.ok ())
    return send_store_errors (message, result);
  g_message ("api: added camera %s as stream %s", camera_id.c_str (),
      name.c_str ());
  answer_written (streams, message, name, SOUP_STATUS_CREATED);
}

}  // namespace camgate
