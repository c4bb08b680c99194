#include "onvif/camera_events.h"

#include "events/event_bus.h"
#include "media/camera_udp_binding.h"
#include "onvif/notification_inbox.h"
#include "onvif_client.h"
#include "onvif_events.h"
#include "service/stream_log.h"

#include <algorithm>

namespace camgate {

namespace {

constexpr unsigned kFirstBackoffMs = 1000;
constexpr unsigned kMaxBackoffMs = 60000;
// Notifications per pull: more wait for the next one.
constexpr unsigned kMessageLimit = 32;
// States followed per camera (motion per video source, each input…).
constexpr size_t kMaxStates = 256;
// An empty answer quicker than this is followed by a pause.
constexpr gint64 kQuickAnswerUs = 100 * 1000;
constexpr unsigned kQuickAnswerPauseMs = 1000;
// Notify messages waiting for the thread; more push out the oldest.
constexpr size_t kMaxDelivered = 16;

// How often a subscription is renewed: at half of what the camera granted
// (cameras may grant less than asked), at most every second.
gint64
renewal_interval_us (const onvif::Subscription & subscription,
    gint64 asked_s)
{
  gint64 granted_s = asked_s;
  if (subscription.current_time && subscription.termination_time
      && *subscription.termination_time > *subscription.current_time)
    granted_s = std::min<gint64> (*subscription.termination_time
        - *subscription.current_time, asked_s);
  return std::max<gint64> (granted_s * G_USEC_PER_SEC / 2, G_USEC_PER_SEC);
}

// The address the camera reaches this gateway's HTTP port on, for a
// Notify consumer ("" when there is none).
std::string
consumer_base (const std::string & camera_host)
{
  const int port = NotificationInbox::gateway ().http_port ();
  if (port <= 0 || camera_host.empty ())
    return "";
  GInetAddress *local = local_address_towards (camera_host.c_str (),
      G_SOCKET_FAMILY_IPV4);
  if (!local)
    local = local_address_towards (camera_host.c_str (), G_SOCKET_FAMILY_IPV6);
  if (!local)
    return "";
  g_autofree gchar *text = g_inet_address_to_string (local);
  const bool v6 = g_inet_address_get_family (local) == G_SOCKET_FAMILY_IPV6;
  g_object_unref (local);
  return std::string ("http://") + (v6 ? "[" : "") + text + (v6 ? "]" : "")
      + ":" + std::to_string (port);
}

}  // namespace

CameraEvents::CameraEvents (std::string stream, std::string onvif_uri)
    : stream_ (std::move (stream)), uri_ (std::move (onvif_uri))
{
}

CameraEvents::~CameraEvents ()
{
  stop ();
  g_object_unref (cancellable_);
}

void
CameraEvents::update (const OutputTick &)
{
  if (thread_.joinable ())
    return;
  stopping_ = false;
  g_cancellable_reset (cancellable_);
  // Said again by the camera on subscribing.
  states_.clear ();
  thread_ = std::thread ([this]() { run (); });
}

void
CameraEvents::stop ()
{
  if (!thread_.joinable ())
    return;
  {
    std::lock_guard<std::mutex> lk (lock_);
    stopping_ = true;
  }
  wake_.notify_all ();
  g_cancellable_cancel (cancellable_);
  thread_.join ();
}

bool
CameraEvents::pause (unsigned ms)
{
  std::unique_lock<std::mutex> lk (lock_);
  wake_.wait_for (lk, std::chrono::milliseconds (ms), [this]() {
        return stopping_; });
  return !stopping_;
}

void
CameraEvents::run ()
{
  unsigned backoff_ms = kFirstBackoffMs;
  std::string last_error;
  for (;;) {
    std::string error;
    const gint64 began = g_get_monotonic_time ();
    if (!follow (error)) {
      log_stream (G_LOG_LEVEL_MESSAGE, stream_, "no camera events: %s",
          error.c_str ());
      return;
    }
    if (g_cancellable_is_cancelled (cancellable_))
      return;
    // Said once while it keeps failing the same way.
    if (error != last_error)
      log_stream (G_LOG_LEVEL_WARNING, stream_, "camera events: %s "
          "(subscribing again)", error.c_str ());
    last_error = error;
    // A subscription that lasted a while starts the backoff over.
    if (g_get_monotonic_time () - began > 2 * kTerminationS * G_USEC_PER_SEC)
      backoff_ms = kFirstBackoffMs;
    if (!pause (backoff_ms))
      return;
    backoff_ms = std::min (backoff_ms * 2, kMaxBackoffMs);
  }
}

bool
CameraEvents::follow (std::string & error)
{
  namespace onvif = camgate::onvif;
  std::string device_url, profile;
  onvif::Credentials credentials;
  if (!onvif::parse_onvif_uri (uri_, device_url, credentials, profile,
          error))
    return false;
  // Each call may wait the pull's timeout on the device, and then some.
  onvif::OnvifClient client (device_url, credentials, kPullTimeoutS + 5);
  client.set_cancellable (cancellable_);
  if (!client.connect (error))
    return true;
  if (client.event_service ().empty ()) {
    error = "the camera has no event service";
    return false;
  }
  std::unique_ptr<onvif::XmlDocument> reply;
  if (!client.event_call (client.event_service (), onvif::action::kEventPort,
          "CreatePullPointSubscriptionRequest",
          onvif::create_pull_point_subscription (kTerminationS), reply,
          error)) {
    // Cameras without a PullPoint push their events instead.
    const std::string pull_error = error;
    error.clear ();
    follow_notifications (client, error);
    if (!error.empty ())
      error = pull_error + "; and by Basic Notification: " + error;
    return true;
  }
  onvif::Subscription subscription;
  if (!onvif::parse_subscription (reply->root (), subscription)) {
    error = "CreatePullPointSubscription gave no subscription address";
    return true;
  }
  // No pull outlasts half the time between renewals.
  const gint64 renew_every_us = renewal_interval_us (subscription,
      kTerminationS);
  const guint pull_timeout_s = std::clamp<gint64> (renew_every_us / 2
      / G_USEC_PER_SEC, 1, kPullTimeoutS);
  log_stream (G_LOG_LEVEL_MESSAGE, stream_, "following the camera's events "
      "(renewed every %" G_GINT64_FORMAT " s)",
      renew_every_us / G_USEC_PER_SEC);
  gint64 renew_at_us = g_get_monotonic_time () + renew_every_us;
  while (!g_cancellable_is_cancelled (cancellable_)) {
    const gint64 asked_us = g_get_monotonic_time ();
    if (!client.event_call (subscription.address, onvif::action::kPullPoint,
            "PullMessagesRequest", onvif::pull_messages (pull_timeout_s,
                kMessageLimit), reply, error))
      return true;
    auto notifications = onvif::parse_notifications (reply->root ());
    // A camera that answers at once with nothing, ignoring the timeout,
    // is not asked again at network speed.
    if (notifications.empty () && g_get_monotonic_time () - asked_us
        < kQuickAnswerUs && !pause (kQuickAnswerPauseMs))
      return true;
    publish (std::move (notifications));
    if (g_get_monotonic_time () >= renew_at_us) {
      if (!client.event_call (subscription.address,
              onvif::action::kSubscriptionManager, "RenewRequest",
              onvif::renew_subscription (kTerminationS), reply, error))
        return true;
      renew_at_us = g_get_monotonic_time () + renew_every_us;
    }
  }
  return true;
}

void
CameraEvents::publish (std::vector<onvif::CameraEvent> notifications)
{
  // What the limit asked for, and as many states as a camera has (a camera
  // that says more is not followed into unbounded memory).
  if (notifications.size () > kMessageLimit)
    notifications.resize (kMessageLimit);
  for (const auto & event : notifications) {
    const std::string key = event.kind + " " + event.source;
    if (event.kind.empty () || (!states_.count (key)
            && states_.size () >= kMaxStates))
      continue;
    bool & known = states_[key];
    if (known == event.active)
      continue;
    known = event.active;
    EventBus::gateway ().publish ("camera." + event.kind, stream_,
        { { "state", event.active ? "start" : "stop" },
          { "topic", event.topic }, { "source", event.source } });
  }
}

void
CameraEvents::follow_notifications (onvif::OnvifClient & client,
    std::string & error)
{
  namespace onvif = camgate::onvif;
  const std::string base = consumer_base (client.host ());
  if (base.empty ()) {
    error = "the gateway has no HTTP port the camera could send to";
    return;
  }
  {
    std::lock_guard<std::mutex> lk (lock_);
    delivered_.clear ();
  }
  auto & inbox = NotificationInbox::gateway ();
  const std::string token = inbox.open ([this](std::string body) {
        std::lock_guard<std::mutex> lk (lock_);
        if (delivered_.size () >= kMaxDelivered)
          delivered_.pop_front ();
        delivered_.push_back (std::move (body));
        wake_.notify_all ();
      });
  if (token.empty ()) {
    error = "no random source for the subscription's address";
    return;
  }
  // Messages that come after the subscription is given up are refused.
  struct CloseSlot
  {
    const std::string & token;
    ~CloseSlot () { NotificationInbox::gateway ().close (token); }
  } close_slot { token };

  std::unique_ptr<onvif::XmlDocument> reply;
  if (!client.event_call (client.event_service (),
          onvif::action::kNotificationProducer, "SubscribeRequest",
          onvif::subscribe (base + NotificationInbox::path_for (token),
              kTerminationS), reply, error))
    return;
  onvif::Subscription subscription;
  if (!onvif::parse_subscription (reply->root (), subscription)) {
    error = "Subscribe gave no subscription address";
    return;
  }
  const gint64 renew_every_us = renewal_interval_us (subscription,
      kTerminationS);
  log_stream (G_LOG_LEVEL_MESSAGE, stream_, "the camera sends its events to "
      "%s (Basic Notification, renewed every %" G_GINT64_FORMAT " s)",
      base.c_str (), renew_every_us / G_USEC_PER_SEC);
  gint64 renew_at_us = g_get_monotonic_time () + renew_every_us;
  for (;;) {
    std::deque<std::string> bodies;
    {
      std::unique_lock<std::mutex> lk (lock_);
      const gint64 wait_us = std::max<gint64> (renew_at_us
          - g_get_monotonic_time (), 0);
      wake_.wait_for (lk, std::chrono::microseconds (wait_us), [this]() {
            return stopping_ || !delivered_.empty (); });
      if (stopping_)
        return;
      bodies.swap (delivered_);
    }
    for (const auto & body : bodies) {
      std::string parse_error;
      if (auto doc = onvif::XmlDocument::parse (body, parse_error))
        publish (onvif::parse_notifications (doc->root ()));
      else
        g_debug ("stream %s: an unreadable notification: %s",
            stream_.c_str (), parse_error.c_str ());
    }
    if (g_get_monotonic_time () >= renew_at_us) {
      if (!client.event_call (subscription.address,
              onvif::action::kSubscriptionManager, "RenewRequest",
              onvif::renew_subscription (kTerminationS), reply, error))
        return;
      renew_at_us = g_get_monotonic_time () + renew_every_us;
    }
  }
}

}  // namespace camgate
