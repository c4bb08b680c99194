#include "rtsp/request_limits.h"

// The kernel's tcp_info: glibc's copy lacks tcpi_bytes_received.
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace camgate {

namespace {

// Bytes the kernel has received on the client's socket (0 if unknown).
uint64_t
bytes_received (GstRTSPClient * client)
{
  GstRTSPConnection *connection = gst_rtsp_client_get_connection (client);
  GSocket *socket = connection
      ? gst_rtsp_connection_get_read_socket (connection) : nullptr;
  if (!socket)
    return 0;
  struct tcp_info info = {};
  socklen_t size = sizeof info;
  if (getsockopt (g_socket_get_fd (socket), IPPROTO_TCP, TCP_INFO, &info,
          &size) != 0)
    return 0;
  return info.tcpi_bytes_received;
}

// What sessions the client has: any, and whether one of them publishes.
void
sessions_of (GstRTSPClient * client, bool & any, bool & publishing)
{
  GList *sessions = gst_rtsp_client_session_filter (client, nullptr, nullptr);
  any = sessions != nullptr;
  publishing = false;
  for (GList *s = sessions; s && !publishing; s = s->next) {
    GList *medias = gst_rtsp_session_filter (GST_RTSP_SESSION (s->data),
        nullptr, nullptr);
    for (GList *m = medias; m && !publishing; m = m->next) {
      GstRTSPMedia *media = gst_rtsp_session_media_get_media (
          GST_RTSP_SESSION_MEDIA (m->data));
      publishing = gst_rtsp_media_get_transport_mode (media)
          & GST_RTSP_TRANSPORT_MODE_RECORD;
    }
    g_list_free_full (medias, g_object_unref);
  }
  g_list_free_full (sessions, g_object_unref);
}

}  // namespace

RtspRequestGuard::RtspRequestGuard (GstRTSPServer * server,
    RtspRequestLimits limits)
    : server_ (GST_RTSP_SERVER (g_object_ref (server))), limits_ (limits)
{
  connected_id_ = g_signal_connect (server_, "client-connected",
      G_CALLBACK (on_client_connected), this);
}

RtspRequestGuard::~RtspRequestGuard ()
{
  g_signal_handler_disconnect (server_, connected_id_);
  // Clients outlive this only while the server closes them.
  std::lock_guard<std::mutex> lk (lock_);
  for (const auto & [client, state] : clients_)
    g_signal_handlers_disconnect_by_data (client, this);
  g_object_unref (server_);
}

void
RtspRequestGuard::on_client_connected (GstRTSPServer *,
    GstRTSPClient * client, gpointer data)
{
  auto *self = static_cast<RtspRequestGuard *> (data);
  const gint64 now = g_get_monotonic_time ();
  {
    std::lock_guard<std::mutex> lk (self->lock_);
    self->clients_[client] = Client { 0, now, 0, now };
  }
  g_signal_connect (client, "send-message", G_CALLBACK (on_send_message),
      self);
  g_signal_connect (client, "closed", G_CALLBACK (on_closed), self);
}

void
RtspRequestGuard::on_send_message (GstRTSPClient * client, GstRTSPContext *,
    GstRTSPMessage *, gpointer data)
{
  // Every request gets an answer; interleaved media is not sent this way.
  auto *self = static_cast<RtspRequestGuard *> (data);
  const uint64_t received = bytes_received (client);
  std::lock_guard<std::mutex> lk (self->lock_);
  auto it = self->clients_.find (client);
  if (it != self->clients_.end ()) {
    it->second.answered_bytes = received;
    it->second.answered_us = g_get_monotonic_time ();
  }
}

void
RtspRequestGuard::on_closed (GstRTSPClient * client, gpointer data)
{
  auto *self = static_cast<RtspRequestGuard *> (data);
  std::lock_guard<std::mutex> lk (self->lock_);
  self->clients_.erase (client);
}

const char *
RtspRequestGuard::broken_limit (GstRTSPClient * client, Client & state,
    gint64 now)
{
  const uint64_t received = bytes_received (client);
  if (received > state.seen_bytes) {
    state.seen_bytes = received;
    state.seen_us = now;
  }
  const uint64_t unanswered = received > state.answered_bytes
      ? received - state.answered_bytes : 0;
  bool any_session = false, publishing = false;
  sessions_of (client, any_session, publishing);
  if (publishing)
    return nullptr;
  const uint64_t seconds = (now - state.answered_us) / G_USEC_PER_SEC;
  if (unanswered > limits_.max_unanswered_bytes
      + seconds * limits_.rtcp_bytes_per_second)
    return "it sent a request larger than the limit";
  if (!any_session && unanswered > 0
      && now - state.answered_us > limits_.read_timeout_us)
    return "its request was not complete in time";
  if (!any_session && now - state.seen_us > 6 * limits_.read_timeout_us)
    return "idle without a session";
  return nullptr;
}

void
RtspRequestGuard::sweep ()
{
  struct Pass
  {
    RtspRequestGuard *self;
    gint64 now;
  } pass { this, g_get_monotonic_time () };
  gst_rtsp_server_client_filter (server_,
      [](GstRTSPServer *, GstRTSPClient * client, gpointer data) {
        auto *p = static_cast<Pass *> (data);
        Client state;
        {
          std::lock_guard<std::mutex> lk (p->self->lock_);
          auto it = p->self->clients_.find (client);
          if (it == p->self->clients_.end ())
            return GST_RTSP_FILTER_KEEP;
          state = it->second;
        }
        const char *why = p->self->broken_limit (client, state, p->now);
        {
          std::lock_guard<std::mutex> lk (p->self->lock_);
          auto it = p->self->clients_.find (client);
          if (it != p->self->clients_.end ()) {
            it->second.seen_bytes = state.seen_bytes;
            it->second.seen_us = state.seen_us;
          }
        }
        if (!why)
          return GST_RTSP_FILTER_KEEP;
        GstRTSPConnection *connection = gst_rtsp_client_get_connection (client);
        g_message ("rtsp: closing the connection of %s: %s", connection
            ? gst_rtsp_connection_get_ip (connection) : "a client", why);
        return GST_RTSP_FILTER_REMOVE;
      }, &pass);
}

}  // namespace camgate
