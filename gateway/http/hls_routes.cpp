#include "http/hls_routes.h"

#include "http/http_server.h"
#include "http/parked_message.h"
#include "hls/hls_output.h"
#include "stream/stream_manager.h"

#include <cstdlib>
#include <cstring>

namespace camgate {

namespace {

// How often a request waiting for a stream with no segment store yet (its
// packager starting) looks again; everything else is woken by events.
constexpr gint64 kNoStoreRecheckUs = 100 * 1000;
// A player that made no request for this long has left. Players ask at
// least once a target duration; a blocked request waits up to three.
constexpr gint64 kReaderIdleUs = 20 * G_USEC_PER_SEC;

bool
parse_number (const char *text, uint64_t & out)
{
  if (!text || !*text)
    return false;
  char *end = nullptr;
  unsigned long long v = g_ascii_strtoull (text, &end, 10);
  if (*end || v > (1ull << 53))
    return false;
  out = v;
  return true;
}

// GStreamer's DASH demuxers fetch the MPD with souphttpsrc ("GStreamer
// souphttpsrc 1.22.0 libsoup/3.2.3"). The lead-in entry their timeline
// arithmetic needs is valid DASH, so a later version that no longer needs it
// plays as well.
bool
gstreamer_client (SoupServerMessage * message)
{
  const char *agent = soup_message_headers_get_one
      (soup_server_message_get_request_headers (message), "User-Agent");
  return agent && g_str_has_prefix (agent, "GStreamer ");
}

// The packaging of the camera's own stream ("") or of a rendition.
std::shared_ptr<HlsOutput>
hls_output (const Stream * stream, const std::string & rendition)
{
  return stream ? stream->output_where<HlsOutput> ([&](const HlsOutput & o) {
        return o.rendition () == rendition;
      }) : nullptr;
}

std::shared_ptr<hls::SegmentStore>
store_of (const Stream * stream, const std::string & rendition = {})
{
  auto output = hls_output (stream, rendition);
  return output ? output->store () : nullptr;
}

std::vector<std::shared_ptr<HlsOutput>>
rendition_outputs (const Stream & stream)
{
  return stream.outputs_where<HlsOutput> ([](const HlsOutput & o) {
        return !o.rendition ().empty ();
      });
}

const char *
content_type (const std::string & file)
{
  if (g_str_has_suffix (file.c_str (), ".m3u8"))
    return "application/vnd.apple.mpegurl";
  if (g_str_has_suffix (file.c_str (), ".mpd"))
    return "application/dash+xml";
  return "video/mp4";
}

void
send (SoupServerMessage * message, const std::string & file,
    const void *data, size_t size, const char *cache)
{
  auto headers = soup_server_message_get_response_headers (message);
  soup_message_headers_replace (headers, "Access-Control-Allow-Origin", "*");
  soup_message_headers_replace (headers, "Cache-Control", cache);
  soup_server_message_set_status (message, SOUP_STATUS_OK, nullptr);
  soup_server_message_set_response (message, content_type (file),
      SOUP_MEMORY_COPY, static_cast<const char *> (data), size);
}

}  // namespace

HlsRoutes::HlsRoutes (StreamManager & streams)
    : streams_ (streams), readers_ (kReaderIdleUs),
      abr_readers_ (kReaderIdleUs)
{
  wakeup_->routes = this;
}

void
HlsRoutes::note_reader (SoupServerMessage * message, const std::string & name,
    bool abr)
{
  auto stream = streams_.find (name);
  GSocketAddress *remote = soup_server_message_get_remote_address (message);
  if (!stream || !remote)
    return;
  gchar *address = g_socket_connectable_to_string (G_SOCKET_CONNECTABLE
      (remote));
  const std::string key = name + " " + address;
  g_free (address);
  const gint64 now = g_get_monotonic_time ();
  readers_.seen (key, stream->readers (ReaderKind::Hls), now);
  // A player of the camera's stream alone never starts an encoder.
  auto renditions = rendition_outputs (*stream);
  if (!renditions.empty () && (abr || abr_readers_.holds (key))
      && abr_readers_.seen (key, renditions.front ()->abr_readers (), now))
    stream->update_outputs ();     // they start now, not at the next tick
  if (reader_sweep_)
    return;
  reader_sweep_ = g_timeout_add_seconds (1, [](gpointer data) -> gboolean {
        auto *self = static_cast<HlsRoutes *> (data);
        self->readers_.expire (g_get_monotonic_time ());
        self->abr_readers_.expire (g_get_monotonic_time ());
        if (!self->readers_.empty () || !self->abr_readers_.empty ())
          return G_SOURCE_CONTINUE;
        self->reader_sweep_ = 0;
        return G_SOURCE_REMOVE;
      }, this);
}

std::string
HlsRoutes::with_token (const std::string & text, const std::string & token,
    bool mpd)
{
  if (token.empty ())
    return text;
  // Tokens are base64url and '.': nothing to escape.
  auto add = [&](std::string uri) {
    return uri + (uri.find ('?') == std::string::npos ? "?" : "&") + "token="
        + token;
  };
  // The quoted values after each of `keys`.
  auto rewrite_attributes = [&](const std::string & line,
      std::initializer_list<const char *> keys) {
    std::string out = line;
    for (const char *key : keys) {
      size_t at = 0;
      while ((at = out.find (key, at)) != std::string::npos) {
        size_t start = at + strlen (key);
        size_t end = out.find ('"', start);
        if (end == std::string::npos)
          break;
        std::string uri = add (out.substr (start, end - start));
        out.replace (start, end - start, uri);
        at = start + uri.size ();
      }
    }
    return out;
  };
  std::string out;
  size_t begin = 0;
  while (begin < text.size ()) {
    size_t end = text.find ('\n', begin);
    if (end == std::string::npos)
      end = text.size ();
    std::string line = text.substr (begin, end - begin);
    if (mpd)
      line = rewrite_attributes (line, { "media=\"", "initialization=\"" });
    else if (!line.empty () && line[0] != '#')
      line = add (line);
    else
      line = rewrite_attributes (line, { "URI=\"" });
    out += line;
    if (end < text.size ())
      out += '\n';
    begin = end + 1;
  }
  return out;
}

HlsRoutes::~HlsRoutes ()
{
  wakeup_->routes = nullptr;
  for (auto & [raw, held] : observed_)
    held.first->unobserve (held.second);
  if (deadline_source_)
    g_source_remove (deadline_source_);
  if (reader_sweep_)
    g_source_remove (reader_sweep_);
  for (auto & feed : feeds_)
    end_feed (feed);
  for (auto & w : waiters_) {
    send_error (w.message, SOUP_STATUS_SERVICE_UNAVAILABLE, "shutting down");
    w.parked->resume ();
  }
}

bool
HlsRoutes::handle (SoupServerMessage * message, const std::string & path,
    GHashTable * query)
{
  // "/<stream>/<file>" or "/<stream>/<rendition>/<file>"
  if (path.size () < 3 || path[0] != '/')
    return false;
  auto slash = path.find ('/', 1);
  if (slash == std::string::npos)
    return false;
  const std::string name = path.substr (1, slash - 1);
  std::string file = path.substr (slash + 1);
  auto stream = streams_.find (name);
  if (!stream || !stream->spec ().outputs.hls.enabled)
    return false;
  std::string rendition;
  if (auto inner = file.find ('/'); inner != std::string::npos) {
    rendition = file.substr (0, inner);
    file = file.substr (inner + 1);
    // A rendition has its media playlist and files; the multivariant
    // playlist and the MPD are the stream's.
    if (file.empty () || file.find ('/') != std::string::npos
        || file == hls::SegmentStore::kMultivariant
        || file == hls::SegmentStore::kManifest
        || rendition.empty () || !hls_output (stream.get (), rendition))
      return false;
  }

  const char *method = soup_server_message_get_method (message);
  if (!g_str_equal (method, "GET") && !g_str_equal (method, "HEAD")) {
    soup_message_headers_replace (soup_server_message_get_response_headers
        (message), "Allow", "GET, HEAD");
    send_error (message, SOUP_STATUS_METHOD_NOT_ALLOWED, "read only");
    return true;
  }

  if (rendition.empty () && (file.empty () || file == "index.html")) {
    send_resource (message, "player.html", "text/html; charset=utf-8",
        "no-cache");
    return true;
  }

  note_reader (message, name, !rendition.empty ()
      || file == hls::SegmentStore::kMultivariant
      || file == hls::SegmentStore::kManifest);
  Waiter waiter { message, name, rendition, file };
  std::string error;
  if (!read_query (query, waiter, error)) {
    send_error (message, SOUP_STATUS_BAD_REQUEST, error);
    return true;
  }
  auto store = store_of (stream.get ());
  const unsigned td = store ? store->config ().target_duration
      : std::max<unsigned> (1, stream->spec ().outputs.hls.segment_ms / 1000);
  gint64 wait_us = 3 * td * G_USEC_PER_SEC;
  // Renditions start with the first multivariant request (an encoder, then
  // a segment start to line up with): wait longer for them, within what
  // players allow a manifest (hls.js: 10 s).
  // So does an idle on-demand source: the camera connects first.
  if (((file == hls::SegmentStore::kMultivariant
              || file == hls::SegmentStore::kManifest)
          && !rendition_outputs (*stream).empty ())
      || (stream->starts_on_demand ()
          && stream->state () != StreamState::Running))
    wait_us = std::max<gint64> (wait_us, HlsOutput::kStartWaitUs);
  waiter.deadline_us = g_get_monotonic_time () + wait_us;
  if (try_answer (waiter, false))
    return true;

  park (std::move (waiter));
  return true;
}

// The token to pass on, and a media playlist's blocking and skip
// parameters; false (and why) when they make no sense.
bool
HlsRoutes::read_query (GHashTable * query, Waiter & waiter, std::string & error)
{
  auto get = [query](const char *key) {
    return query ? static_cast<const char *> (g_hash_table_lookup (query, key))
        : nullptr;
  };
  // Only what a token can be (base64url and '.') is passed on: anything
  // else would be text injected into the playlist.
  if (const char *token = get ("token")) {
    const std::string text = token;
    if (text.size () < 512 && text.find_first_not_of ("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
            "abcdefghijklmnopqrstuvwxyz0123456789-_.") == std::string::npos)
      waiter.token = text;
  }
  if (waiter.file != hls::SegmentStore::kMediaPlaylist)
    return true;
  const char *msn = get ("_HLS_msn"), *part = get ("_HLS_part");
  const char *skip = get ("_HLS_skip");
  waiter.file.clear ();
  waiter.skip = skip && (g_str_equal (skip, "YES") || g_str_equal (skip, "v2"));
  if (part && !msn) {
    error = "_HLS_part needs _HLS_msn";
    return false;
  }
  waiter.msn = 0;
  waiter.part = std::nullopt;
  uint64_t part_value = 0;
  if (msn && (!parse_number (msn, waiter.msn)
          || (part && !parse_number (part, part_value)))) {
    error = "_HLS_msn and _HLS_part must be numbers";
    return false;
  }
  if (msn && part)
    waiter.part = static_cast<unsigned> (part_value);
  return true;
}

// Parks a request: answered when its store says something changed, or at
// its deadline. Looked at once more after the store is observed, in case it
// changed in between.
void
HlsRoutes::park (Waiter waiter)
{
  schedule (wakeup_);
  SoupServerMessage *message = waiter.message;
  // A client that leaves is forgotten (its request answered if libsoup
  // has not dropped it yet).
  waiter.parked = std::make_shared<ParkedMessage> (message, [this, message]() {
        waiters_.remove_if ([message](const Waiter & w) {
              return w.message == message;
            });
      });
  waiters_.push_back (std::move (waiter));
}

bool
HlsRoutes::try_answer (Waiter & w, bool expired)
{
  auto stream = streams_.find (w.stream);
  auto store = store_of (stream.get (), w.rendition);
  const bool playlist = w.file.empty ();
  const bool blocking = playlist && (w.msn > 0 || w.part);
  // Playlists and the MPD describe media: none before the first segment
  // (an MPD then had no tracks and an availabilityStartTime of 1970, and
  // dash.js never started).
  const bool describes = (playlist && !blocking)
      || w.file == hls::SegmentStore::kMultivariant
      || w.file == hls::SegmentStore::kManifest;

  if (!store || (describes && !store->has_media ())) {
    if (!expired)
      return false;                // nothing packaged yet: wait a little
    send_error (w.message, SOUP_STATUS_SERVICE_UNAVAILABLE,
        "the stream has no media yet");
    return true;
  }

  if (playlist) {
    if (blocking) {
      switch (store->readiness (w.msn, w.part)) {
        case hls::Readiness::BadRequest:
          send_error (w.message, SOUP_STATUS_BAD_REQUEST,
              "_HLS_msn/_HLS_part too far ahead of the live edge");
          return true;
        case hls::Readiness::Wait:
          if (!expired)
            return false;
          send_error (w.message, SOUP_STATUS_SERVICE_UNAVAILABLE,
              "the requested part did not arrive in time");
          return true;
        case hls::Readiness::Ready:
          break;
      }
    }
    std::string text = with_token (store->media_playlist (w.skip), w.token,
        false);
    send (w.message, "x.m3u8", text.data (), text.size (), "no-cache");
    return true;
  }
  if (w.file == hls::SegmentStore::kMultivariant
      || w.file == hls::SegmentStore::kManifest) {
    const bool mpd = w.file == hls::SegmentStore::kManifest;
    // A stream's renditions line up with it: players switch between them.
    RenditionStores renditions;
    if (!renditions_ready (*stream, expired, renditions))
      return false;
    std::string text;
    if (mpd) {
      auto presentation = store->dash_presentation (gstreamer_client
          (w.message));
      for (const auto & [name, rendition] : renditions)
        for (auto r : rendition->dash_presentation ().representations)
          if (r.video) {
            r.rendition = name;
            presentation.representations.push_back (std::move (r));
          }
      text = hls::render_dash_manifest (presentation);
    } else {
      std::vector<std::pair<std::string, hls::VariantInfo>> variants {
        { hls::SegmentStore::kMediaPlaylist, store->variant () } };
      for (const auto & [name, rendition] : renditions)
        variants.push_back ({ name + "/" + hls::SegmentStore::kMediaPlaylist,
              rendition->variant () });
      text = hls::multivariant_playlist (variants);
    }
    text = with_token (text, w.token, mpd);
    send (w.message, w.file, text.data (), text.size (), "no-cache");
    return true;
  }
  if (auto bytes = store->file (w.file)) {
    send (w.message, w.file, bytes->data (), bytes->size (),
        "max-age=60");
    return true;
  }
  // The segment being built goes out as its parts arrive; the
  // preload-hinted part is held until it is complete.
  if (!expired && store->is_pending (w.file)) {
    if (w.file.rfind ("seg", 0) == 0 && start_feed (w, store))
      return true;
    return false;
  }
  send_error (w.message, SOUP_STATUS_NOT_FOUND, "no " + w.file + " in "
      + w.stream);
  return true;
}

bool
HlsRoutes::renditions_ready (const Stream & stream, bool expired,
    RenditionStores & ready)
{
  // The request made the stream's renditions start (it counts as an HLS
  // reader): listed as each has media, in the configured order.
  for (const auto & output : rendition_outputs (stream)) {
    auto rendition = output->store ();
    if (rendition && rendition->has_media ())
      ready.push_back ({ output->rendition (), rendition });
    else if (!expired && output->starting (g_get_monotonic_time ()))
      return false;
  }
  return true;
}

bool
HlsRoutes::start_feed (Waiter & w, std::shared_ptr<hls::SegmentStore> store)
{
  std::vector<uint8_t> bytes;
  bool complete = false;
  if (!store->segment_from (w.file, 0, bytes, complete))
    return false;
  auto *headers = soup_server_message_get_response_headers (w.message);
  set_streamed_encoding (w.message);
  soup_message_headers_set_content_type (headers, "video/mp4", nullptr);
  soup_message_headers_replace (headers, "Cache-Control", "no-cache");
  soup_server_message_set_status (w.message, SOUP_STATUS_OK, nullptr);
  auto *body = soup_server_message_get_response_body (w.message);
  if (!bytes.empty ())
    soup_message_body_append (body, SOUP_MEMORY_COPY, bytes.data (),
        bytes.size ());
  if (complete) {
    soup_message_body_complete (body);
    return true;
  }
  const unsigned td = store->config ().target_duration;
  feeds_.push_back ({ w.message, false,
        std::move (store), w.file, bytes.size (), g_get_monotonic_time ()
        + 3 * td * G_USEC_PER_SEC, 0 });
  auto *feed = &feeds_.back ();
  g_object_ref (w.message);
  feed->finished_id = g_signal_connect (w.message, "finished",
      G_CALLBACK (+[](SoupServerMessage *, gpointer data) {
        static_cast<SegmentFeed *> (data)->gone = true;
      }), feed);
  schedule (wakeup_);
  return true;
}

void
HlsRoutes::end_feed (SegmentFeed & feed)
{
  if (!feed.gone) {
    soup_message_body_complete (soup_server_message_get_response_body
        (feed.message));
    soup_server_message_unpause (feed.message);
  }
  g_signal_handler_disconnect (feed.message, feed.finished_id);
  g_object_unref (feed.message);
}

void
HlsRoutes::feed_segments ()
{
  const gint64 now = g_get_monotonic_time ();
  for (auto it = feeds_.begin (); it != feeds_.end ();) {
    SegmentFeed & feed = *it;
    std::vector<uint8_t> bytes;
    bool complete = true;
    const bool known = !feed.gone && feed.store->segment_from (feed.file,
        feed.sent, bytes, complete);
    if (!bytes.empty ()) {
      soup_message_body_append (soup_server_message_get_response_body
          (feed.message), SOUP_MEMORY_COPY, bytes.data (), bytes.size ());
      feed.sent += bytes.size ();
      // libsoup paused the message when it ran out of body to write.
      soup_server_message_unpause (feed.message);
    }
    // Done, the client gone, or never to be done (the output stopped).
    if (known && !complete && now < feed.deadline_us) {
      ++it;
      continue;
    }
    end_feed (feed);
    it = feeds_.erase (it);
  }
}

void
HlsRoutes::wake ()
{
  const gint64 now = g_get_monotonic_time ();
  for (auto it = waiters_.begin (); it != waiters_.end ();) {
    if (try_answer (*it, now >= it->deadline_us)) {
      it->parked->resume ();
      it = waiters_.erase (it);
    } else {
      ++it;
    }
  }
}

void
HlsRoutes::schedule (const std::shared_ptr<Wakeup> & wakeup)
{
  if (wakeup->scheduled.exchange (true))
    return;
  g_idle_add_full (G_PRIORITY_DEFAULT, +[](gpointer data) -> gboolean {
        auto & held = *static_cast<std::shared_ptr<Wakeup> *> (data);
        held->scheduled = false;
        if (held->routes)
          held->routes->service ();
        return G_SOURCE_REMOVE;
      }, new std::shared_ptr<Wakeup> (wakeup), [](gpointer data) {
        delete static_cast<std::shared_ptr<Wakeup> *> (data);
      });
}

void
HlsRoutes::service ()
{
  wake ();
  feed_segments ();
  bool store_missing = false;
  observe_stores (store_missing);
  arm_deadline (store_missing);
}

void
HlsRoutes::observe_stores (bool & store_missing)
{
  std::map<hls::SegmentStore *, std::shared_ptr<hls::SegmentStore>> wanted;
  for (const auto & w : waiters_) {
    auto stream = streams_.find (w.stream);
    auto store = store_of (stream.get (), w.rendition);
    if (store)
      wanted[store.get ()] = store;
    else
      store_missing = true;
    // A multivariant playlist or an MPD may wait for renditions' stores.
    if (stream && w.rendition.empty () && (w.file
            == hls::SegmentStore::kMultivariant
            || w.file == hls::SegmentStore::kManifest)
        && !rendition_outputs (*stream).empty ())
      store_missing = true;
  }
  for (const auto & feed : feeds_)
    wanted[feed.store.get ()] = feed.store;
  for (auto it = observed_.begin (); it != observed_.end ();) {
    if (wanted.count (it->first)) {
      ++it;
      continue;
    }
    it->second.first->unobserve (it->second.second);
    it = observed_.erase (it);
  }
  for (auto & [raw, store] : wanted) {
    if (observed_.count (raw))
      continue;
    std::weak_ptr<Wakeup> weak = wakeup_;
    const int id = store->observe ([weak](const hls::StoreEvent &) {
          if (auto wakeup = weak.lock ())
            schedule (wakeup);
        });
    observed_[raw] = { store, id };
  }
}

void
HlsRoutes::arm_deadline (bool store_missing)
{
  if (deadline_source_) {
    g_source_remove (deadline_source_);
    deadline_source_ = 0;
  }
  if (waiters_.empty () && feeds_.empty ())
    return;
  const gint64 now = g_get_monotonic_time ();
  gint64 next = G_MAXINT64;
  for (const auto & w : waiters_)
    next = std::min (next, w.deadline_us);
  for (const auto & feed : feeds_)
    next = std::min (next, feed.deadline_us);
  if (store_missing)
    next = std::min (next, now + kNoStoreRecheckUs);
  const guint delay_ms = next <= now ? 0
      : static_cast<guint> ((next - now + 999) / 1000);
  deadline_source_ = g_timeout_add (delay_ms, +[](gpointer data) -> gboolean {
        auto *self = static_cast<HlsRoutes *> (data);
        self->deadline_source_ = 0;
        self->service ();
        return G_SOURCE_REMOVE;
      }, this);
}

}  // namespace camgate
