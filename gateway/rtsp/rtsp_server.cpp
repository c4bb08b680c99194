#include "rtsp/rtsp_server.h"

#include "auth/rtsp_auth.h"
#include "rtsp/gateway_server.h"
#include "rtsp/request_limits.h"
#include "rtsp/stream_media_factory.h"
#include "tls/certificate_files.h"

namespace camgate {

RtspServer::~RtspServer ()
{
  stop ();
}

namespace {

// Unicast addresses for RTP/RTCP over UDP: the bind address, or both
// wildcards when bound to "::" (which takes IPv4 clients as well).
GstRTSPAddressPool *
udp_address_pool (const GatewayConfig & config)
{
  GstRTSPAddressPool *pool = gst_rtsp_address_pool_new ();
  std::vector<std::string> addresses { config.bind_address };
  if (config.bind_address == "::")
    addresses = { GST_RTSP_ADDRESS_POOL_ANY_IPV4,
      GST_RTSP_ADDRESS_POOL_ANY_IPV6 };
  for (const auto & address : addresses)
    gst_rtsp_address_pool_add_range (pool, address.c_str (),
        address.c_str (), config.rtsp_udp_min_port, config.rtsp_udp_max_port,
        0);
  return pool;
}

}  // namespace

bool
RtspServer::listen (GstRTSPServer * server, const std::string & address,
    int port, guint & source_id, std::string & error)
{
  std::string service = std::to_string (port);
  gst_rtsp_server_set_address (server, address.c_str ());
  gst_rtsp_server_set_service (server, service.c_str ());
  GError *gerror = nullptr;
  GSource *source = gst_rtsp_server_create_source (server, nullptr, &gerror);
  if (!source) {
    error = "cannot listen for RTSP on " + address + ":" + service + ": "
        + (gerror ? gerror->message : "unknown error");
    g_clear_error (&gerror);
    return false;
  }
  source_id = g_source_attach (source, nullptr);
  g_source_unref (source);
  g_signal_connect (server, "client-connected",
      G_CALLBACK (on_client_connected), this);
  return true;
}

bool
RtspServer::start (const GatewayConfig & config, AccessControl & access,
    std::string & error)
{
  server_ = camgate_rtsp_server_new ();
  udp_pool_ = udp_address_pool (config);
  session_timeout_s_ = config.session_timeout_s;
  // Relayed RTSP is mostly socket work: allow a few client threads so one
  // slow client never holds the others' requests.
  GstRTSPThreadPool *threads = gst_rtsp_server_get_thread_pool (server_);
  gst_rtsp_thread_pool_set_max_threads (threads, 4);
  g_object_unref (threads);
  // In a cluster the users may arrive from etcd later.
  if (access.enabled () || config.cluster.enabled ()) {
    GstRTSPAuth *auth = camgate_rtsp_auth_new (access);
    gst_rtsp_server_set_auth (server_, auth);
    g_object_unref (auth);
  }
  if (!listen (server_, config.bind_address, config.rtsp_port, server_source_,
          error)) {
    stop ();
    return false;
  }
  port_ = gst_rtsp_server_get_bound_port (server_);

  if (config.tls.enabled ()) {
    GTlsCertificate *certificate = load_certificate (config.tls, error);
    if (!certificate) {
      stop ();
      return false;
    }
    tls_server_ = camgate_rtsp_server_new ();
    GstRTSPMountPoints *mounts = gst_rtsp_server_get_mount_points (server_);
    GstRTSPSessionPool *pool = gst_rtsp_server_get_session_pool (server_);
    threads = gst_rtsp_server_get_thread_pool (server_);
    gst_rtsp_server_set_mount_points (tls_server_, mounts);
    gst_rtsp_server_set_session_pool (tls_server_, pool);
    gst_rtsp_server_set_thread_pool (tls_server_, threads);
    g_object_unref (mounts);
    g_object_unref (pool);
    g_object_unref (threads);
    // The certificate rides on the auth object (gst-rtsp-server's way); it
    // guards like the plain one.
    GstRTSPAuth *auth = camgate_rtsp_auth_new (access);
    gst_rtsp_auth_set_tls_certificate (auth, certificate);
    gst_rtsp_server_set_auth (tls_server_, auth);
    g_object_unref (auth);
    g_object_unref (certificate);
    if (!listen (tls_server_, config.bind_address, config.tls.rtsps_port,
            tls_source_, error)) {
      stop ();
      return false;
    }
    tls_port_ = gst_rtsp_server_get_bound_port (tls_server_);
  }
  RtspRequestLimits limits;
  limits.read_timeout_us = config.read_timeout_ms * G_GINT64_CONSTANT (1000);
  for (GstRTSPServer *server : { server_, tls_server_ })
    if (server)
      request_guards_.push_back (std::make_unique<RtspRequestGuard> (server,
              limits));
  cleanup_source_ = g_timeout_add_seconds (1, on_cleanup_tick, this);
  return true;
}

void
RtspServer::replace_certificate (GTlsCertificate * certificate)
{
  if (!tls_server_)
    return;
  GstRTSPAuth *auth = gst_rtsp_server_get_auth (tls_server_);
  gst_rtsp_auth_set_tls_certificate (auth, certificate);
  g_object_unref (auth);
}

void
RtspServer::stop ()
{
  if (cleanup_source_) {
    g_source_remove (cleanup_source_);
    cleanup_source_ = 0;
  }
  request_guards_.clear ();
  for (guint *source : { &server_source_, &tls_source_ }) {
    if (*source)
      g_source_remove (*source);
    *source = 0;
  }
  for (GstRTSPServer **server : { &tls_server_, &server_ }) {
    if (!*server)
      continue;
    // Close every client connection now rather than at process exit.
    gst_rtsp_server_client_filter (*server,
        [](GstRTSPServer *, GstRTSPClient *, gpointer) {
          return GST_RTSP_FILTER_REMOVE;
        }, nullptr);
    g_clear_object (server);
  }
  g_clear_object (&udp_pool_);
}

gboolean
RtspServer::on_cleanup_tick (gpointer data)
{
  auto *self = static_cast<RtspServer *> (data);
  GstRTSPSessionPool *pool = gst_rtsp_server_get_session_pool (self->server_);
  gst_rtsp_session_pool_cleanup (pool);
  g_object_unref (pool);
  for (auto & guard : self->request_guards_)
    guard->sweep ();
  return G_SOURCE_CONTINUE;
}

void
RtspServer::on_client_connected (GstRTSPServer *, GstRTSPClient * client,
    gpointer self)
{
  g_signal_connect (client, "new-session", G_CALLBACK (on_new_session), self);
  g_signal_connect (client, "play-request", G_CALLBACK (on_play), self);
}

void
RtspServer::on_play (GstRTSPClient *, GstRTSPContext * ctx, gpointer data)
{
  auto *self = static_cast<RtspServer *> (data);
  static const char *const kLeaseKey = "camgate-reader";
  if (!ctx->sessmedia || !ctx->uri || !ctx->uri->abspath
      || g_object_get_data (G_OBJECT (ctx->sessmedia), kLeaseKey))
    return;                        // a PLAY after PAUSE: already a reader
  // "/<mount>" or "/<mount>/<track control>", where a mount is a stream
  // or one of its renditions ("cam/360p"): the longest that matches, as
  // gst-rtsp-server picks it.
  const std::string path = ctx->uri->abspath + 1;
  std::shared_ptr<ReaderCount> readers;
  {
    std::lock_guard<std::mutex> lk (self->lock_);
    size_t matched = 0;
    for (const auto & [name, target] : self->mounts_) {
      if (name.size () > matched && path.compare (0, name.size (), name) == 0
          && (path.size () == name.size () || path[name.size ()] == '/')) {
        matched = name.size ();
        readers = target->readers;
      }
    }
  }
  if (!readers)
    return;
  // The session's media holds the lease until TEARDOWN, the session's
  // timeout, or its TCP connection closing ends it.
  g_object_set_data_full (G_OBJECT (ctx->sessmedia), kLeaseKey,
      new ReaderCount::Lease (readers->lease ()), [](gpointer lease) {
        delete static_cast<ReaderCount::Lease *> (lease);
      });
}

void
RtspServer::on_new_session (GstRTSPClient *, GstRTSPSession * session,
    gpointer data)
{
  auto *self = static_cast<RtspServer *> (data);
  gst_rtsp_session_set_timeout (session, self->session_timeout_s_);
}

void
RtspServer::mount (std::shared_ptr<MountTarget> target)
{
  std::string path = "/" + target->name;
  GstRTSPMediaFactory *factory = camgate_stream_media_factory_new (target);
  gst_rtsp_media_factory_set_address_pool (factory, udp_pool_);
  {
    std::lock_guard<std::mutex> lk (lock_);
    mounts_[target->name] = target;
  }
  GstRTSPMountPoints *mounts = gst_rtsp_server_get_mount_points (server_);
  gst_rtsp_mount_points_add_factory (mounts, path.c_str (), factory);
  g_object_unref (mounts);
}

void
RtspServer::unmount (const std::string & name)
{
  std::string path = "/" + name;
  {
    std::lock_guard<std::mutex> lk (lock_);
    mounts_.erase (name);
  }
  if (!server_)
    return;
  GstRTSPMountPoints *mounts = gst_rtsp_server_get_mount_points (server_);
  gst_rtsp_mount_points_remove_factory (mounts, path.c_str ());
  g_object_unref (mounts);

  // End the sessions of this path: their media has no source any more.
  GstRTSPSessionPool *pool = gst_rtsp_server_get_session_pool (server_);
  gst_rtsp_session_pool_filter (pool,
      [](GstRTSPSessionPool *, GstRTSPSession * session, gpointer user_data) {
        auto *p = static_cast<const std::string *> (user_data);
        gint matched = 0;
        GstRTSPSessionMedia *media =
            gst_rtsp_session_get_media (session, p->c_str (), &matched);
        return media ? GST_RTSP_FILTER_REMOVE : GST_RTSP_FILTER_KEEP;
      }, &path);
  g_object_unref (pool);
}

}  // namespace camgate
