#include "http/idle_connections.h"

#include <sys/socket.h>

#include <cerrno>

namespace camgate {

struct IdleConnections::Idle
{
  IdleConnections *owner;
  GSocket *socket;                 // owned ref
  SoupServerMessage *last;         // owned ref: the message to steal through
  GSource *watch;
  guint timeout;
};

namespace {

// libsoup's soup_server_message_is_keepalive() for HTTP/1.x (not public).
bool
kept_alive (SoupServerMessage * message)
{
  auto request = soup_server_message_get_request_headers (message);
  auto response = soup_server_message_get_response_headers (message);
  if (soup_message_headers_get_encoding (response) == SOUP_ENCODING_EOF)
    return false;
  if (soup_server_message_get_http_version (message) == SOUP_HTTP_1_0)
    return soup_message_headers_header_contains (response, "Connection",
        "Keep-Alive");
  return !soup_message_headers_header_contains (request, "Connection", "close")
      && !soup_message_headers_header_contains (response, "Connection",
      "close");
}

}  // namespace

IdleConnections::~IdleConnections ()
{
  detach ();
}

void
IdleConnections::attach (SoupServer * server)
{
  server_ = server;
  g_signal_connect (server, "request-started",
      G_CALLBACK (on_request_started), this);
  g_signal_connect (server, "request-finished",
      G_CALLBACK (on_request_finished), this);
}

void
IdleConnections::detach ()
{
  while (!idle_.empty ())
    forget (idle_.begin ()->first);
  if (server_)
    g_signal_handlers_disconnect_by_data (server_, this);
  server_ = nullptr;
}

void
IdleConnections::forget (GSocket * socket)
{
  auto it = idle_.find (socket);
  if (it == idle_.end ())
    return;
  Idle *idle = it->second;
  idle_.erase (it);
  g_source_destroy (idle->watch);
  g_source_unref (idle->watch);
  if (idle->timeout)
    g_source_remove (idle->timeout);
  g_object_unref (idle->last);
  g_object_unref (idle->socket);
  delete idle;
}

void
IdleConnections::on_request_started (SoupServer *, SoupServerMessage * message,
    gpointer self)
{
  // A pipelined request can start without the socket becoming readable.
  if (GSocket *socket = soup_server_message_get_socket (message))
    static_cast<IdleConnections *> (self)->forget (socket);
}

void
IdleConnections::on_request_finished (SoupServer *,
    SoupServerMessage * message, gpointer data)
{
  auto *self = static_cast<IdleConnections *> (data);
  GSocket *socket = soup_server_message_get_socket (message);
  auto uri = soup_server_message_get_uri (message);
  if (!socket || soup_server_message_get_http_version (message)
      > SOUP_HTTP_1_1 || !kept_alive (message) || (uri
          && g_strcmp0 (g_uri_get_scheme (uri), "https") == 0))
    return;
  self->forget (socket);
  auto *idle = new Idle { self, G_SOCKET (g_object_ref (socket)),
    SOUP_SERVER_MESSAGE (g_object_ref (message)), nullptr, 0 };
  // Above libsoup's own reader (default priority): in the main loop
  // iteration where the peer's FIN arrives, this runs and libsoup does not.
  idle->watch = g_socket_create_source (socket, static_cast<GIOCondition>
      (G_IO_IN | G_IO_HUP | G_IO_ERR), nullptr);
  g_source_set_priority (idle->watch, G_PRIORITY_HIGH);
  g_source_set_callback (idle->watch, G_SOURCE_FUNC (on_socket_ready), idle,
      nullptr);
  g_source_attach (idle->watch, nullptr);
  idle->timeout = g_timeout_add_seconds (kIdleTimeoutS, on_idle_timeout, idle);
  self->idle_[socket] = idle;
}

gboolean
IdleConnections::on_socket_ready (GSocket * socket, GIOCondition condition,
    gpointer data)
{
  auto *idle = static_cast<Idle *> (data);
  IdleConnections *self = idle->owner;
  if (g_socket_is_closed (socket)) {
    self->forget (socket);         // libsoup closed it itself
    return G_SOURCE_REMOVE;
  }
  char byte;
  ssize_t peeked = recv (g_socket_get_fd (socket), &byte, 1,
      MSG_PEEK | MSG_DONTWAIT);
  const bool gone = (condition & (G_IO_HUP | G_IO_ERR)) || peeked == 0
      || (peeked < 0 && errno != EAGAIN && errno != EWOULDBLOCK
      && errno != EINTR);
  if (gone)
    self->close_connection (socket);
  else if (peeked > 0)
    self->forget (socket);         // the next request: libsoup reads it
  // forget() destroyed this source; returning REMOVE is harmless then.
  return G_SOURCE_REMOVE;
}

gboolean
IdleConnections::on_idle_timeout (gpointer data)
{
  auto *idle = static_cast<Idle *> (data);
  idle->timeout = 0;
  idle->owner->close_connection (idle->socket);
  return G_SOURCE_REMOVE;
}

void
IdleConnections::close_connection (GSocket * socket)
{
  auto it = idle_.find (socket);
  if (it == idle_.end ())
    return;
  auto *last = SOUP_SERVER_MESSAGE (g_object_ref (it->second->last));
  g_object_ref (socket);
  forget (socket);
  if (!g_socket_is_closed (socket)) {
    // The server disconnects (and drops) the connection and hands us its
    // stream, which we close: the fd is released now.
    GIOStream *stream = soup_server_message_steal_connection (last);
    if (stream) {
      g_io_stream_close (stream, nullptr, nullptr);
      g_object_unref (stream);
    }
  }
  g_object_unref (last);
  g_object_unref (socket);
}

}  // namespace camgate
