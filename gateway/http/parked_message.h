// ParkedMessage: an HTTP request answered later. Paused when parked and
// unpaused exactly once: by resume(), by its deadline (answered 503), or
// when it goes unresumed (answered 503), unless its client has left
// meanwhile (libsoup drops the message then, and it must not be touched
// again). libsoup 3.2 does not read a paused request's connection, so it
// would never see that client close it: the socket is watched here, and a
// client's FIN ends the request (answered, so libsoup closes the
// connection). Main context only.
#pragma once

#include <libsoup/soup.h>

#include <functional>

namespace camgate {

class ParkedMessage
{
public:
  // `on_gone` runs once if the client leaves, or the deadline passes (0:
  // none), before the request is resumed; it may destroy this object.
  explicit ParkedMessage (SoupServerMessage * message,
      std::function<void ()> on_gone = {}, guint deadline_ms = 0);
  ~ParkedMessage ();
  ParkedMessage (const ParkedMessage &) = delete;
  ParkedMessage & operator= (const ParkedMessage &) = delete;

  SoupServerMessage *message () const { return message_; }
  // Unpauses the message; false, doing nothing, when the client has left,
  // the deadline passed or it was resumed already.
  bool resume ();

private:
  enum class End { ClientLeft, ClientClosed, Deadline };
  void abandon (End end);
  static gboolean on_socket (GSocket * socket, GIOCondition condition,
      gpointer self);

  SoupServerMessage *message_;
  std::function<void ()> on_gone_;
  gulong disconnected_id_ = 0;
  guint deadline_ = 0;
  GSource *socket_watch_ = nullptr;
  bool gone_ = false;              // the client left
  bool resumed_ = false;
};

}  // namespace camgate
