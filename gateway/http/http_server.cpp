#include "http/http_server.h"

#include "http/metrics.h"
#include "http/streams_api.h"

#include <json-glib/json-glib.h>

namespace camgate {

namespace {

constexpr const char *kStreamsPrefix = "/api/v1/streams";

}  // namespace

void
send_json (SoupServerMessage * message, guint status, const std::string & body)
{
  soup_server_message_set_status (message, status, nullptr);
  soup_message_headers_replace (soup_server_message_get_response_headers
      (message), "Cache-Control", "no-store");
  soup_server_message_set_response (message, "application/json",
      SOUP_MEMORY_COPY, body.data (), body.size ());
}

void
send_error (SoupServerMessage * message, guint status, const std::string & text)
{
  JsonBuilder *builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_add_string_value (builder, text.c_str ());
  json_builder_set_member_name (builder, "status");
  json_builder_add_int_value (builder, status);
  json_builder_end_object (builder);
  JsonNode *root = json_builder_get_root (builder);
  gchar *body = json_to_string (root, FALSE);
  send_json (message, status, body);
  g_free (body);
  json_node_unref (root);
  g_object_unref (builder);
}

HttpServer::HttpServer (StreamManager & streams, RtspServer & rtsp)
    : streams_ (streams), rtsp_ (rtsp), hls_ (streams)
{
}

HttpServer::~HttpServer ()
{
  stop ();
}

bool
HttpServer::start (const GatewayConfig & config, std::string & error)
{
  server_ = soup_server_new ("server-header", "camgate/" VERSION " ", nullptr);
  soup_server_add_handler (server_, nullptr, on_request, this, nullptr);

  GInetAddress *address = g_inet_address_new_from_string (
      config.bind_address.c_str ());
  GSocketAddress *socket_address = g_inet_socket_address_new (address,
      config.http_port);
  g_object_unref (address);
  GError *gerror = nullptr;
  gboolean ok = soup_server_listen (server_, socket_address,
      (SoupServerListenOptions) 0, &gerror);
  g_object_unref (socket_address);
  if (!ok) {
    error = "cannot listen for HTTP on " + config.bind_address + ":"
        + std::to_string (config.http_port) + ": "
        + (gerror ? gerror->message : "unknown error");
    g_clear_error (&gerror);
    g_clear_object (&server_);
    return false;
  }
  GSList *listeners = soup_server_get_listeners (server_);
  if (listeners) {
    GSocketAddress *local = g_socket_get_local_address (
        G_SOCKET (listeners->data), nullptr);
    if (local) {
      port_ = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
      g_object_unref (local);
    }
  }
  g_slist_free (listeners);
  return true;
}

void
HttpServer::stop ()
{
  if (server_) {
    soup_server_disconnect (server_);
    g_clear_object (&server_);
  }
}

void
HttpServer::on_request (SoupServer *, SoupServerMessage * message,
    const char *path, GHashTable * query, gpointer self)
{
  static_cast<HttpServer *> (self)->route (message, path ? path : "", query);
}

void
HttpServer::route (SoupServerMessage * message, const std::string & path,
    GHashTable * query)
{
  const char *method = soup_server_message_get_method (message);
  const bool read = g_str_equal (method, "GET") || g_str_equal (method, "HEAD");
  auto method_not_allowed = [&](const char *allow) {
    soup_message_headers_replace (soup_server_message_get_response_headers
        (message), "Allow", allow);
    send_error (message, SOUP_STATUS_METHOD_NOT_ALLOWED,
        std::string (method) + " is not allowed on " + path);
  };

  if (path == "/metrics") {
    if (!read)
      return method_not_allowed ("GET, HEAD");
    std::string text = render_metrics (streams_, rtsp_);
    soup_server_message_set_status (message, SOUP_STATUS_OK, nullptr);
    soup_server_message_set_response (message,
        "text/plain; version=0.0.4; charset=utf-8", SOUP_MEMORY_COPY,
        text.data (), text.size ());
    return;
  }

  if (path == kStreamsPrefix || path == std::string (kStreamsPrefix) + "/") {
    if (!read)
      return method_not_allowed ("GET, HEAD");
    send_json (message, SOUP_STATUS_OK, render_stream_list (streams_, rtsp_));
    return;
  }

  const std::string prefix = std::string (kStreamsPrefix) + "/";
  if (path.rfind (prefix, 0) == 0) {
    // The path arrives percent-encoded; names are plain words, so anything
    // that needs decoding cannot name a stream.
    std::string name = path.substr (prefix.size ());
    if (!name.empty () && name.back () == '/')
      name.pop_back ();
    if (!read)
      return method_not_allowed ("GET, HEAD");
    std::string body;
    if (name.empty () || name.find ('/') != std::string::npos
        || !render_stream (streams_, rtsp_, name, body)) {
      send_error (message, SOUP_STATUS_NOT_FOUND, "no stream named '" + name
          + "'");
      return;
    }
    send_json (message, SOUP_STATUS_OK, body);
    return;
  }

  if (hls_.handle (message, path, query))
    return;
  send_error (message, SOUP_STATUS_NOT_FOUND, "nothing at " + path);
}

}  // namespace camgate
