#include "http/snapshot.h"

#include "http/http_server.h"
#include "snapshot/snapshot_output.h"
#include "stream/stream_manager.h"

namespace camgate {

namespace {

constexpr gint64 kFreshUs = 2 * G_USEC_PER_SEC;
constexpr guint kWaitMs = 10 * 1000;

}  // namespace

void
SnapshotRoutes::reply (SoupServerMessage * message, GBytes * jpeg)
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
SnapshotRoutes::send (SoupServerMessage * message, const std::string & name)
{
  auto stream = streams_.find (name);
  auto output = stream ? stream->output<SnapshotOutput> () : nullptr;
  if (!output)
    return send_error (message, SOUP_STATUS_NOT_FOUND, "no stream named '"
        + name + "'");
  auto lease = stream->readers (ReaderKind::Snapshot)->lease ();
  gint64 made_us = 0;
  GBytes *jpeg = output->latest (made_us);
  // An idle on-demand source is not woken for a picture: the last run's,
  // where there is one.
  if (stream->state () == StreamState::Idle) {
    if (jpeg) {
      reply (message, jpeg);
      g_bytes_unref (jpeg);
      return;
    }
    return send_error (message, SOUP_STATUS_SERVICE_UNAVAILABLE, "stream '"
        + name + "' is idle (on demand) and has no picture yet");
  }
  const bool fresh = jpeg && g_get_monotonic_time () - made_us < kFreshUs;
  if (fresh)
    reply (message, jpeg);
  if (jpeg)
    g_bytes_unref (jpeg);
  // Even a fresh answer keeps the output lingering for the next request.
  stream->update_outputs ();
  if (fresh)
    return;

  const uint64_t id = next_id_++;
  auto waiting = std::make_unique<Waiting> ();
  waiting->lease = std::move (lease);
  waiting->output = output;
  // A client that leaves while it waits is forgotten.
  waiting->parked = std::make_unique<ParkedMessage> (message, [this, id]() {
        waiting_.erase (id);
      });
  struct Expiry
  {
    SnapshotRoutes *routes;
    uint64_t id;
  };
  waiting->deadline = g_timeout_add_full (G_PRIORITY_DEFAULT, kWaitMs,
      [](gpointer data) -> gboolean {
        auto *expiry = static_cast<Expiry *> (data);
        expiry->routes->waiting_.at (expiry->id)->deadline = 0;
        expiry->routes->expire (expiry->id);
        return G_SOURCE_REMOVE;
      }, new Expiry { this, id }, [](gpointer data) {
        delete static_cast<Expiry *> (data);
      });
  waiting_[id] = std::move (waiting);
  output->when_next_jpeg ([weak = std::weak_ptr<SnapshotRoutes *> (self_),
          id]() {
        if (auto self = weak.lock ())
          (*self)->answer (id);
      });
}

SnapshotRoutes::Waiting::~Waiting ()
{
  if (deadline)
    g_source_remove (deadline);
}

void
SnapshotRoutes::answer (uint64_t id)
{
  auto it = waiting_.find (id);
  if (it == waiting_.end ())
    return;
  auto output = it->second->output.lock ();
  gint64 made_us = 0;
  GBytes *jpeg = output ? output->latest (made_us) : nullptr;
  if (!jpeg)
    return;
  auto waiting = std::move (it->second);
  waiting_.erase (it);
  reply (waiting->parked->message (), jpeg);
  g_bytes_unref (jpeg);
  waiting->parked->resume ();
}

void
SnapshotRoutes::expire (uint64_t id)
{
  auto waiting = std::move (waiting_.at (id));
  waiting_.erase (id);
  auto output = waiting->output.lock ();
  const std::string why = output ? output->last_error () : "";
  send_error (waiting->parked->message (), SOUP_STATUS_SERVICE_UNAVAILABLE,
      !output ? "the stream went away" : "no keyframe from the camera in 10 s"
      + (why.empty () ? std::string () : " (" + why + ")"));
  waiting->parked->resume ();
}

}  // namespace camgate
