// IdleConnections: closes HTTP/1.1 keep-alive connections that their client
// has closed, or that stayed idle too long.
//
// libsoup 3.2 (Debian 12) never disconnects a kept-alive connection whose
// client closes it between two requests: the idle message it reads with has
// no completion callback, so the socket stays in CLOSE-WAIT and its fd is
// held until the process runs out of them (fixed upstream in 3.3). This
// watches each idle plain-HTTP connection's socket at a higher priority
// than libsoup's own reader, so it sees the peer's FIN first and hands the
// connection back through soup_server_message_steal_connection(), the one
// public way to make the server forget it, before closing it.
//
// TLS connections cannot be watched that way (a close_notify alert is data,
// like the next request), so HTTPS answers are sent with Connection: close.
#pragma once

#include <libsoup/soup.h>

#include <map>

namespace camgate {

class IdleConnections
{
public:
  // Idle keep-alive connections are closed after this long.
  static constexpr guint kIdleTimeoutS = 60;

  IdleConnections () = default;
  ~IdleConnections ();
  IdleConnections (const IdleConnections &) = delete;
  IdleConnections & operator= (const IdleConnections &) = delete;

  void attach (SoupServer * server);
  void detach ();
  size_t watched () const { return idle_.size (); }

private:
  struct Idle;

  static void on_request_started (SoupServer *, SoupServerMessage * message,
      gpointer self);
  static void on_request_finished (SoupServer *, SoupServerMessage * message,
      gpointer self);
  static gboolean on_socket_ready (GSocket * socket, GIOCondition condition,
      gpointer idle);
  static gboolean on_idle_timeout (gpointer idle);
  void forget (GSocket * socket);
  void close_connection (GSocket * socket);

  SoupServer *server_ = nullptr;
  std::map<GSocket *, Idle *> idle_;
};

}  // namespace camgate
