#include "rtmp/rtmp_ingest.h"

#include "media/main_context.h"
#include "media/publisher_pipeline.h"
#include "service/stream_log.h"
#include "stream/publisher_door.h"
#include "tls/certificate_files.h"


namespace camgate {

namespace {

// How long a publisher's thread waits for the main loop's answer (a loop
// that is shutting down never gives one).
constexpr auto kDecisionWait = std::chrono::seconds (5);
// A connection that sends nothing for this long is dropped (rtmpserversrc).
constexpr guint kIdleTimeoutS = 10;

std::string
peer_address (GSocketConnection * connection)
{
  GSocketAddress *remote = g_socket_connection_get_remote_address (connection,
      nullptr);
  std::string text = "?";
  if (remote && G_IS_INET_SOCKET_ADDRESS (remote)) {
    gchar *ip = g_inet_address_to_string (g_inet_socket_address_get_address
        (G_INET_SOCKET_ADDRESS (remote)));
    text = ip;
    g_free (ip);
  }
  if (remote)
    g_object_unref (remote);
  return text;
}

// The stream name and the query parameters of `name` ("cam?user=u&pass=p").
std::string
split_name (const std::string & name, std::string & user,
    std::string & password)
{
  const size_t q = name.find ('?');
  if (q == std::string::npos)
    return name;
  GHashTable *params = g_uri_parse_params (name.c_str () + q + 1, -1, "&",
      G_URI_PARAMS_NONE, nullptr);
  if (params) {
    if (auto *u = static_cast<const char *> (g_hash_table_lookup (params,
                "user")))
      user = u;
    if (auto *p = static_cast<const char *> (g_hash_table_lookup (params,
                "pass")))
      password = p;
    g_hash_table_unref (params);
  }
  return name.substr (0, q);
}

}  // namespace

struct RtmpIngest::Connection
{
  std::weak_ptr<RtmpIngest *> ingest;
  uint64_t id = 0;
  std::string address;
  std::string stream;                 // once admitted
  bool tls = false;                   // RTMPS
  GIOStream *socket = nullptr;        // the TCP or the TLS connection
  std::unique_ptr<PublisherPipeline> pipeline;

  ~Connection ()
  {
    pipeline.reset ();
    if (socket) {
      g_io_stream_close (socket, nullptr, nullptr);
      g_object_unref (socket);
    }
  }
};

namespace {

using Connection = RtmpIngest::Connection;

// rtmpserversrc asks (its thread): the main context answers.
gchar *
on_publish (GstElement *, const gchar * app, const gchar * name,
    gpointer data)
{
  auto *c = static_cast<Connection *> (data);
  const std::string why = ask_main<std::string> ([ingest = c->ingest,
          id = c->id, app = std::string (app), name = std::string (name)]() {
        auto alive = ingest.lock ();
        return alive ? (*alive)->decide (id, app, name)
            : "the gateway is shutting down";
      }, kDecisionWait, "the gateway did not answer in time");
  return why.empty () ? nullptr : g_strdup (why.c_str ());
}

}  // namespace

RtmpIngest::RtmpIngest (StreamManager & streams, AccessControl & access,
    RtmpConfig config, TlsConfig tls)
    : streams_ (streams), access_ (access), config_ (std::move (config)),
      tls_ (std::move (tls)), token_ (std::make_shared<RtmpIngest *> (this))
{
}

RtmpIngest::~RtmpIngest ()
{
  stop ();
}

GSocketService *
RtmpIngest::listen (const std::string & address, int port,
    GCallback incoming, int & bound_port, std::string & error)
{
  GInetAddress *inet = g_inet_address_new_from_string (address.c_str ());
  if (!inet) {
    error = "RTMP: '" + address + "' is not an IP address";
    return nullptr;
  }
  GSocketAddress *where = g_inet_socket_address_new (inet,
      static_cast<guint16> (port));
  g_object_unref (inet);
  GSocketService *service = g_socket_service_new ();
  GSocketAddress *bound = nullptr;
  GError *gerror = nullptr;
  const bool ok = g_socket_listener_add_address (G_SOCKET_LISTENER (service),
      where, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, nullptr, &bound,
      &gerror);
  g_object_unref (where);
  if (!ok) {
    error = std::string ("RTMP port ") + std::to_string (port) + ": "
        + gerror->message;
    g_clear_error (&gerror);
    g_object_unref (service);
    return nullptr;
  }
  bound_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_object_unref (bound);
  g_signal_connect (service, "incoming", incoming, this);
  g_socket_service_start (service);
  return service;
}

bool
RtmpIngest::start (const std::string & address, std::string & error)
{
  service_ = listen (address, config_.port, G_CALLBACK (on_incoming), port_,
      error);
  if (!service_ || !tls_.enabled ())
    return service_ != nullptr;
  std::string why;
  certificate_ = load_certificate (tls_, why);
  if (!certificate_) {
    g_warning ("RTMPS: %s: no RTMPS publishers", why.c_str ());
    return true;
  }
  tls_service_ = listen (address, config_.tls_port,
      G_CALLBACK (on_tls_incoming), tls_port_, why);
  if (!tls_service_)
    g_warning ("%s: no RTMPS publishers", why.c_str ());
  return true;
}

void
RtmpIngest::replace_certificate (GTlsCertificate * certificate)
{
  // Read by each TLS accept, on this (the main) thread.
  if (tls_service_)
    g_set_object (&certificate_, certificate);
}

void
RtmpIngest::stop ()
{
  for (GSocketService **service : { &service_, &tls_service_ }) {
    if (!*service)
      continue;
    g_socket_service_stop (*service);
    g_socket_listener_close (G_SOCKET_LISTENER (*service));
    g_signal_handlers_disconnect_by_data (*service, this);
    g_clear_object (service);
  }
  // The connections' threads may wait for decide(): they are told no.
  token_.reset ();
  connections_.clear ();
  g_clear_object (&certificate_);
}

gboolean
RtmpIngest::on_incoming (GSocketService *, GSocketConnection * connection,
    GObject *, gpointer self)
{
  static_cast<RtmpIngest *> (self)->take (connection, false);
  return TRUE;
}

gboolean
RtmpIngest::on_tls_incoming (GSocketService *, GSocketConnection * connection,
    GObject *, gpointer self)
{
  static_cast<RtmpIngest *> (self)->take (connection, true);
  return TRUE;
}

void
RtmpIngest::take (GSocketConnection * connection, bool tls)
{
  const std::string address = peer_address (connection);
  if (connections_.size () >= kMaxConnections) {
    g_warning ("RTMP: connection from %s refused: already %zu connections",
        address.c_str (), kMaxConnections);
    g_io_stream_close (G_IO_STREAM (connection), nullptr, nullptr);
    return;
  }
  auto c = std::make_unique<Connection> ();
  c->ingest = token_;
  c->id = next_id_++;
  c->address = address;
  c->tls = tls;
  c->pipeline = std::make_unique<PublisherPipeline> ("rtmp-"
      + std::to_string (c->id), [weak = std::weak_ptr<RtmpIngest *> (token_),
          id = c->id](const std::string & why) {
        defer_on_main ([weak, id, why]() {
              if (auto alive = weak.lock ())
                (*alive)->forget (id, why);
            });
      });
  GstElement *src = gst_element_factory_make ("rtmpserversrc", "rtmp");
  if (!src) {
    g_warning ("RTMP: the rtmpserversrc element is missing");
    return;
  }
  GSocket *socket = g_socket_connection_get_socket (connection);
  if (tls) {
    // The handshake happens on the element's first read, bounded by the
    // socket's timeout like every read after it.
    g_socket_set_timeout (socket, kIdleTimeoutS);
    GError *gerror = nullptr;
    GIOStream *secured = g_tls_server_connection_new (G_IO_STREAM
        (connection), certificate_, &gerror);
    if (!secured) {
      g_warning ("RTMPS: connection from %s: %s", address.c_str (),
          gerror->message);
      g_clear_error (&gerror);
      gst_object_unref (gst_object_ref_sink (src));
      return;
    }
    c->socket = secured;
    g_object_set (src, "connection", secured, nullptr);
  } else {
    c->socket = G_IO_STREAM (g_object_ref (connection));
    g_object_set (src, "socket", socket, "timeout", kIdleTimeoutS, nullptr);
  }
  gst_bin_add (c->pipeline->bin (), src);
  g_signal_connect (src, "publish", G_CALLBACK (on_publish), c.get ());
  c->pipeline->take_tracks_of (src);
  PublisherPipeline *pipeline = c->pipeline.get ();
  connections_[c->id] = std::move (c);
  pipeline->play ();
}

std::string
RtmpIngest::decide (uint64_t id, const std::string & app,
    const std::string & name)
{
  auto found = connections_.find (id);
  if (found == connections_.end ())
    return "the connection is gone";
  Connection & c = *found->second;
  std::string user, password;
  const std::string stream = split_name (name, user, password);
  auto refuse = [&](const std::string & why) {
    // The name without its query: the password stays out of the log.
    g_message ("RTMP publisher %s on %s/%s refused: %s", c.address.c_str (),
        app.c_str (), stream.c_str (), why.c_str ());
    return why;
  };
  if (app != config_.app)
    return refuse ("unknown application '" + app + "' (publish to rtmp://"
        "<gateway>/" + config_.app + "/<stream>)");
  auto admitted = admit_publisher (streams_, access_, { c.tls ? "RTMPS"
        : "RTMP", c.address, stream, user, password });
  if (!admitted.lease)
    return refuse (admitted.why + (admitted.refusal
            == PublisherAdmission::Refusal::Unauthorized && user.empty ()
            ? " (?user=...&pass=...)" : ""));
  c.stream = stream;
  c.pipeline->set_lease (std::move (admitted.lease));
  log_stream (G_LOG_LEVEL_MESSAGE, stream, "RTMP publisher %s publishing",
      c.address.c_str ());
  return "";
}

void
RtmpIngest::forget (uint64_t id, const std::string & why)
{
  auto found = connections_.find (id);
  if (found == connections_.end ())
    return;
  Connection & c = *found->second;
  auto lease = c.pipeline->take_lease ();
  if (lease) {
    log_stream (G_LOG_LEVEL_MESSAGE, c.stream, "RTMP publisher %s gone (%s)",
        c.address.c_str (), why.c_str ());
    lease->end (why);
  }
  connections_.erase (found);
}

}  // namespace camgate
