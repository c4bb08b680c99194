#include "http/snapshot.h"

#include "http/http_server.h"
#include "stream/stream_manager.h"

namespace camgate {

namespace {

constexpr gint64 kFreshUs = 2 * G_USEC_PER_SEC;
constexpr gint64 kWaitUs = 10 * G_USEC_PER_SEC;
constexpr gint64 kIdleUs = 60 * G_USEC_PER_SEC;

}  // namespace

SnapshotService::SnapshotService (StreamManager & streams) : streams_ (streams)
{
  tick_ = g_timeout_add (250, on_tick, this);
}

SnapshotService::~SnapshotService ()
{
  g_source_remove (tick_);
  for (auto & [name, entry] : entries_)
    for (auto & w : entry.waiters) {
      send_error (w.message, SOUP_STATUS_SERVICE_UNAVAILABLE, "shutting down");
      release (w);
    }
}

void
SnapshotService::release (Waiter & w)
{
  g_signal_handler_disconnect (w.message, w.disconnected_id);
  soup_server_message_unpause (w.message);
  g_object_unref (w.message);
}

void
SnapshotService::reply (SoupServerMessage * message, GBytes * jpeg)
{
  auto *headers = soup_server_message_get_response_headers (message);
  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  soup_server_message_set_status (message, SOUP_STATUS_OK, nullptr);
  gsize size = 0;
  const char *data = static_cast<const char *> (g_bytes_get_data (jpeg, &size));
  soup_server_message_set_response (message, "image/jpeg", SOUP_MEMORY_COPY,
      data, size);
}

void
SnapshotService::send (SoupServerMessage * message, const std::string & name)
{
  auto stream = streams_.find (name);
  if (!stream)
    return send_error (message, SOUP_STATUS_NOT_FOUND, "no stream named '"
        + name + "'");
  Entry & entry = entries_[name];
  if (entry.stream.lock () != stream) {
    // New, or the stream was redefined: start over on its fanout.
    entry.output.reset ();
    entry.stream = stream;
    entry.output = std::make_unique<SnapshotOutput> (name, stream->fanout (),
        [this, name]() { answer_waiters (name); });
  }
  entry.last_request_us = g_get_monotonic_time ();
  gint64 made_us = 0;
  GBytes *jpeg = entry.output->latest (made_us);
  if (jpeg && entry.last_request_us - made_us < kFreshUs) {
    reply (message, jpeg);
    g_bytes_unref (jpeg);
    return;
  }
  if (jpeg)
    g_bytes_unref (jpeg);
  entry.output->update ();
  soup_server_message_pause (message);
  // A client that leaves while it waits is forgotten.
  gulong id = g_signal_connect (message, "disconnected",
      G_CALLBACK (+[](SoupServerMessage * m, gpointer data) {
          for (auto & [n, e] : static_cast<SnapshotService *> (data)->entries_)
            std::erase_if (e.waiters, [m](const Waiter & w) {
                  if (w.message != m)
                    return false;
                  g_signal_handler_disconnect (w.message, w.disconnected_id);
                  g_object_unref (w.message);
                  return true;
                });
        }), this);
  entry.waiters.push_back ({ SOUP_SERVER_MESSAGE (g_object_ref (message)),
          entry.last_request_us + kWaitUs, id });
}

void
SnapshotService::answer_waiters (const std::string & name)
{
  auto it = entries_.find (name);
  if (it == entries_.end () || it->second.waiters.empty ())
    return;
  gint64 made_us = 0;
  GBytes *jpeg = it->second.output->latest (made_us);
  if (!jpeg)
    return;
  for (auto & w : it->second.waiters) {
    reply (w.message, jpeg);
    release (w);
  }
  it->second.waiters.clear ();
  g_bytes_unref (jpeg);
}

gboolean
SnapshotService::on_tick (gpointer data)
{
  auto *self = static_cast<SnapshotService *> (data);
  const gint64 now = g_get_monotonic_time ();
  for (auto it = self->entries_.begin (); it != self->entries_.end ();) {
    Entry & entry = it->second;
    const bool gone = !entry.stream.lock ();
    // Requests that waited too long, or whose stream went away.
    for (auto w = entry.waiters.begin (); w != entry.waiters.end ();) {
      if (!gone && now < w->deadline_us) {
        ++w;
        continue;
      }
      std::string why = entry.output->last_error ();
      send_error (w->message, SOUP_STATUS_SERVICE_UNAVAILABLE, gone
          ? "the stream went away" : "no keyframe from the camera in 10 s"
          + (why.empty () ? std::string () : " (" + why + ")"));
      release (*w);
      w = entry.waiters.erase (w);
    }
    if (gone || (entry.waiters.empty () && now - entry.last_request_us
            > kIdleUs)) {
      it = self->entries_.erase (it);
      continue;
    }
    entry.output->update ();
    ++it;
  }
  return G_SOURCE_CONTINUE;
}

}  // namespace camgate
