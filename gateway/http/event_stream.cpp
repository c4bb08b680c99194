#include "http/event_stream.h"

#include "http/http_server.h"

#include <algorithm>

namespace camgate {

namespace {

constexpr size_t kMaxClients = 64;
constexpr size_t kMaxWaitingBytes = 256 * 1024;
constexpr guint kKeepaliveS = 15;

std::string
sse_text (const Event & event)
{
  return "id: " + std::to_string (event.id) + "\nevent: " + event.type
      + "\ndata: " + event.json + "\n\n";
}

}  // namespace

EventStream::EventStream (EventBus & bus)
    : bus_ (bus)
{
  listener_ = bus_.listen ([this](const Event & event) { deliver (event); });
  keepalive_ = g_timeout_add_seconds (kKeepaliveS, on_keepalive, this);
}

EventStream::~EventStream ()
{
  bus_.forget (listener_);
  g_source_remove (keepalive_);
  for (auto & client : clients_)
    end (client);
}

void
EventStream::open (SoupServerMessage * message, MaySee may_see)
{
  sweep ();
  if (clients_.size () >= kMaxClients)
    return send_error (message, SOUP_STATUS_SERVICE_UNAVAILABLE,
        "too many event clients");
  // A client reconnecting says the last id it got; a new one gets what
  // comes from now on.
  const char *last = soup_message_headers_get_one
      (soup_server_message_get_request_headers (message), "Last-Event-ID");
  const uint64_t last_seen = last ? g_ascii_strtoull (last, nullptr, 10)
      : G_MAXUINT64;

  auto *headers = soup_server_message_get_response_headers (message);
  set_streamed_encoding (message);
  soup_message_headers_set_content_type (headers, "text/event-stream",
      nullptr);
  soup_message_headers_replace (headers, "Cache-Control", "no-cache");
  soup_server_message_set_status (message, SOUP_STATUS_OK, nullptr);
  soup_message_body_set_accumulate (soup_server_message_get_response_body
      (message), FALSE);

  clients_.push_back ({ message, std::move (may_see) });
  Client & client = clients_.back ();
  g_object_ref (message);
  client.finished_id = g_signal_connect (message, "finished",
      G_CALLBACK (+[](SoupServerMessage *, gpointer data) {
        static_cast<Client *> (data)->gone = true;
      }), &client);
  client.wrote_id = g_signal_connect (message, "wrote-body-data",
      G_CALLBACK (+[](SoupServerMessage *, guint size, gpointer data) {
        auto *c = static_cast<Client *> (data);
        c->waiting -= std::min<size_t> (c->waiting, size);
      }), &client);
  // How long a browser waits before reconnecting, then what it missed.
  send (client, "retry: 3000\n\n");
  for (const auto & event : bus_.since (last_seen))
    if (client.may_see (event.stream))
      send (client, sse_text (event));
}

void
EventStream::deliver (const Event & event)
{
  for (auto & client : clients_)
    if (!client.gone && client.may_see (event.stream))
      send (client, sse_text (event));
  sweep ();
}

void
EventStream::send (Client & client, const std::string & text)
{
  if (client.gone)
    return;
  if (client.waiting + text.size () > kMaxWaitingBytes) {
    // It does not keep up: it can reconnect with Last-Event-ID.
    end (client);
    return;
  }
  client.waiting += text.size ();
  soup_message_body_append (soup_server_message_get_response_body
      (client.message), SOUP_MEMORY_COPY, text.data (), text.size ());
  // libsoup paused the message when it ran out of body to write.
  soup_server_message_unpause (client.message);
}

void
EventStream::end (Client & client)
{
  if (!client.message)
    return;
  if (!client.gone) {
    client.gone = true;
    soup_message_body_complete (soup_server_message_get_response_body
        (client.message));
    soup_server_message_unpause (client.message);
  }
  g_signal_handler_disconnect (client.message, client.finished_id);
  g_signal_handler_disconnect (client.message, client.wrote_id);
  g_object_unref (client.message);
  client.message = nullptr;
}

void
EventStream::sweep ()
{
  for (auto it = clients_.begin (); it != clients_.end ();) {
    if (it->gone || !it->message) {
      end (*it);
      it = clients_.erase (it);
    } else {
      ++it;
    }
  }
}

gboolean
EventStream::on_keepalive (gpointer data)
{
  auto *self = static_cast<EventStream *> (data);
  for (auto & client : self->clients_)
    self->send (client, ":\n\n");
  self->sweep ();
  return G_SOURCE_CONTINUE;
}

}  // namespace camgate
