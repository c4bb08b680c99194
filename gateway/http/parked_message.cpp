#include "http/parked_message.h"

#include "http/http_server.h"

#include <sys/socket.h>

namespace camgate {

ParkedMessage::ParkedMessage (SoupServerMessage * message,
    std::function<void ()> on_gone, guint deadline_ms)
    : message_ (SOUP_SERVER_MESSAGE (g_object_ref (message))),
      on_gone_ (std::move (on_gone))
{
  soup_server_message_pause (message_);
  disconnected_id_ = g_signal_connect (message_, "disconnected",
      G_CALLBACK (+[](SoupServerMessage *, gpointer self) {
          static_cast<ParkedMessage *> (self)->abandon (End::ClientLeft);
        }), this);
  if (deadline_ms)
    deadline_ = g_timeout_add (deadline_ms, +[](gpointer self) -> gboolean {
          auto *parked = static_cast<ParkedMessage *> (self);
          parked->deadline_ = 0;
          parked->abandon (End::Deadline);
          return G_SOURCE_REMOVE;
        }, this);
  if (GSocket *socket = soup_server_message_get_socket (message_)) {
    socket_watch_ = g_socket_create_source (socket, (GIOCondition) (G_IO_IN
            | G_IO_HUP | G_IO_ERR), nullptr);
    g_source_set_callback (socket_watch_, G_SOURCE_FUNC (on_socket), this,
        nullptr);
    g_source_attach (socket_watch_, nullptr);
  }
}

ParkedMessage::~ParkedMessage ()
{
  if (deadline_)
    g_source_remove (deadline_);
  if (socket_watch_) {
    g_source_destroy (socket_watch_);
    g_source_unref (socket_watch_);
  }
  if (!gone_ && !resumed_) {
    send_error (message_, SOUP_STATUS_SERVICE_UNAVAILABLE,
        "the request could not be answered");
    soup_server_message_unpause (message_);
  }
  g_signal_handler_disconnect (message_, disconnected_id_);
  g_object_unref (message_);
}

bool
ParkedMessage::resume ()
{
  if (gone_ || resumed_)
    return false;
  resumed_ = true;
  soup_server_message_unpause (message_);
  return true;
}

gboolean
ParkedMessage::on_socket (GSocket * socket, GIOCondition condition,
    gpointer data)
{
  auto *self = static_cast<ParkedMessage *> (data);
  char byte;
  const gssize peeked = recv (g_socket_get_fd (socket), &byte, 1,
      MSG_PEEK | MSG_DONTWAIT);
  const bool closed = (condition & (G_IO_HUP | G_IO_ERR)) || peeked == 0;
  // Either way, no more watching: a client that sends more (its next
  // request, or TLS records) is libsoup's to read once resumed.
  g_source_unref (self->socket_watch_);
  self->socket_watch_ = nullptr;
  if (closed)
    self->abandon (End::ClientClosed);
  return G_SOURCE_REMOVE;
}

void
ParkedMessage::abandon (End end)
{
  if (gone_ || resumed_)
    return;
  if (end == End::ClientLeft) {
    gone_ = true;
  } else {
    // Answered so libsoup finishes the message: it writes to a closed
    // connection and drops it, or the client gets the 503.
    send_error (message_, SOUP_STATUS_SERVICE_UNAVAILABLE,
        end == End::Deadline ? "no answer in time" : "the client left");
    resume ();
    gone_ = end == End::ClientClosed;
  }
  // Last: the callback may destroy this object.
  if (auto gone = std::move (on_gone_))
    gone ();
}

}  // namespace camgate
