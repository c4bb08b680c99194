#include "events/webhooks.h"

#include "config/stream_spec.h"

#include <algorithm>

namespace camgate {

namespace {

constexpr guint kFirstBackoffMs = 1000;
constexpr guint kMaxBackoffMs = 60 * 1000;
constexpr guint kRequestTimeoutS = 10;

std::string
label_of (const std::string & url)
{
  GUri *uri = g_uri_parse (url.c_str (), G_URI_FLAGS_NONE, nullptr);
  if (!uri)
    return "(not a URL)";
  std::string out = url_origin (uri) + g_uri_get_path (uri);
  g_uri_unref (uri);
  return out;
}

}  // namespace

Webhooks::Webhooks (EventBus & bus, const std::vector<WebhookConfig> & hooks)
    : bus_ (bus)
{
  for (const auto & config : hooks) {
    auto hook = std::make_shared<Hook> ();
    hook->config = config;
    hook->label = label_of (config.url);
    hooks_.push_back (std::move (hook));
  }
  if (hooks_.empty ())
    return;
  session_ = soup_session_new ();
  soup_session_set_timeout (session_, kRequestTimeoutS);
  soup_session_set_user_agent (session_, "camgate-webhooks");
  cancellable_ = g_cancellable_new ();
  listener_ = bus_.listen ([this](const Event & event) { take (event); });
}

Webhooks::~Webhooks ()
{
  if (listener_)
    bus_.forget (listener_);
  for (auto & hook : hooks_)
    if (hook->retry_source)
      g_source_remove (hook->retry_source);
  hooks_.clear ();                 // callbacks still to come find nothing
  if (cancellable_) {
    g_cancellable_cancel (cancellable_);
    g_object_unref (cancellable_);
  }
  if (session_) {
    soup_session_abort (session_);
    g_object_unref (session_);
  }
}

bool
Webhooks::wants (const std::vector<std::string> & patterns,
    const std::string & type)
{
  if (patterns.empty ())
    return true;
  return std::any_of (patterns.begin (), patterns.end (),
      [&](const std::string & p) {
        if (p.size () >= 2 && p.compare (p.size () - 2, 2, ".*") == 0)
          return type.compare (0, p.size () - 1, p, 0, p.size () - 1) == 0;
        return p == type;
      });
}

std::string
Webhooks::signature (const std::string & secret, const std::string & timestamp,
    const std::string & body)
{
  const std::string signed_text = timestamp + "." + body;
  gchar *hex = g_compute_hmac_for_string (G_CHECKSUM_SHA256,
      reinterpret_cast<const guchar *> (secret.data ()), secret.size (),
      signed_text.data (), signed_text.size ());
  std::string out = std::string ("sha256=") + hex;
  g_free (hex);
  return out;
}

void
Webhooks::take (const Event & event)
{
  for (auto & hook : hooks_) {
    if (!wants (hook->config.events, event.type))
      continue;
    hook->waiting.push_back (event);
    // The one being sent stays at the front until it is answered.
    while (hook->waiting.size () > hook->config.queue) {
      auto drop = hook->sending ? std::next (hook->waiting.begin ())
          : hook->waiting.begin ();
      if (drop == hook->waiting.end ())
        break;
      hook->waiting.erase (drop);
      hook->dropped++;
    }
    if (!hook->sending && !hook->retry_source)
      send_next (hook);
  }
}

void
Webhooks::send_next (const std::shared_ptr<Hook> & hook)
{
  if (hook->waiting.empty ())
    return;
  const Event & event = hook->waiting.front ();
  SoupMessage *message = soup_message_new ("POST", hook->config.url.c_str ());
  if (!message) {
    hook->waiting.clear ();        // the URL was checked when read
    return;
  }
  const std::string timestamp = std::to_string (g_get_real_time ()
      / G_USEC_PER_SEC);
  auto *headers = soup_message_get_request_headers (message);
  soup_message_headers_replace (headers, "X-Camgate-Event",
      event.type.c_str ());
  soup_message_headers_replace (headers, "X-Camgate-Delivery",
      std::to_string (event.id).c_str ());
  soup_message_headers_replace (headers, "X-Camgate-Timestamp",
      timestamp.c_str ());
  if (!hook->config.secret.empty ())
    soup_message_headers_replace (headers, "X-Camgate-Signature",
        signature (hook->config.secret, timestamp, event.json).c_str ());
  GBytes *body = g_bytes_new (event.json.data (), event.json.size ());
  soup_message_set_request_body_from_bytes (message, "application/json",
      body);
  g_bytes_unref (body);
  hook->sending = true;
  auto *sending = new Pending { this, hook, message };
  soup_session_send_and_read_async (session_, message, G_PRIORITY_DEFAULT,
      cancellable_, +[](GObject * session, GAsyncResult * result,
          gpointer data) {
        auto *s = static_cast<Pending *> (data);
        GError *error = nullptr;
        GBytes *reply = soup_session_send_and_read_finish (SOUP_SESSION
            (session), result, &error);
        const guint status = soup_message_get_status (s->message);
        if (reply)
          g_bytes_unref (reply);
        const bool cancelled = error && g_error_matches (error, G_IO_ERROR,
            G_IO_ERROR_CANCELLED);
        const std::string why = error ? error->message
            : "HTTP " + std::to_string (status);
        g_clear_error (&error);
        auto hook = s->hook.lock ();
        if (hook && !cancelled)
          s->owner->sent (hook, SOUP_STATUS_IS_SUCCESSFUL (status), why);
        g_object_unref (s->message);
        delete s;
      }, sending);
}

void
Webhooks::sent (const std::shared_ptr<Hook> & hook, bool ok,
    const std::string & why)
{
  hook->sending = false;
  if (ok) {
    // Logged once when a receiver fails, once when it takes events again.
    if (hook->backoff_ms > kFirstBackoffMs)
      g_message ("webhook %s: delivering again", hook->label.c_str ());
    hook->delivered++;
    hook->backoff_ms = kFirstBackoffMs;
    if (!hook->waiting.empty ())
      hook->waiting.pop_front ();
    send_next (hook);
    return;
  }
  if (hook->backoff_ms == kFirstBackoffMs)
    g_message ("webhook %s: %s; retrying with backoff", hook->label.c_str (),
        why.c_str ());
  hook->failed++;
  hook->retry_source = g_timeout_add_full (G_PRIORITY_DEFAULT,
      hook->backoff_ms, +[](gpointer data) -> gboolean {
        auto *retry = static_cast<Pending *> (data);
        if (auto h = retry->hook.lock ()) {
          h->retry_source = 0;
          retry->owner->send_next (h);
        }
        return G_SOURCE_REMOVE;
      }, new Pending { this, hook }, +[](gpointer data) {
        delete static_cast<Pending *> (data);
      });
  hook->backoff_ms = std::min (hook->backoff_ms * 2, kMaxBackoffMs);
}

std::vector<Webhooks::Figures>
Webhooks::figures () const
{
  std::vector<Figures> out;
  for (const auto & hook : hooks_)
    out.push_back ({ hook->label, hook->delivered, hook->failed,
          hook->dropped, hook->waiting.size () });
  return out;
}

}  // namespace camgate
