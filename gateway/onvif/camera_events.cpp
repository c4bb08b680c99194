#include "onvif/camera_events.h"

#include "events/event_bus.h"
#include "onvif_client.h"
#include "onvif_events.h"

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
      g_message ("stream %s: no camera events: %s", stream_.c_str (),
          error.c_str ());
      return;
    }
    if (g_cancellable_is_cancelled (cancellable_))
      return;
    // Said once while it keeps failing the same way.
    if (error != last_error)
      g_warning ("stream %s: camera events: %s (subscribing again)",
          stream_.c_str (), error.c_str ());
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
          error))
    return true;
  onvif::Subscription subscription;
  if (!onvif::parse_subscription (reply->root (), subscription)) {
    error = "CreatePullPointSubscription gave no subscription address";
    return true;
  }
  // Cameras may grant less than asked: renewed at half of what this one
  // granted, and no pull outlasts that.
  gint64 granted_s = kTerminationS;
  if (subscription.current_time && subscription.termination_time
      && *subscription.termination_time > *subscription.current_time)
    granted_s = std::min<gint64> (*subscription.termination_time
        - *subscription.current_time, kTerminationS);
  const gint64 renew_every_us = std::max<gint64> (granted_s * G_USEC_PER_SEC
      / 2, G_USEC_PER_SEC);
  const guint pull_timeout_s = std::clamp<gint64> (granted_s / 4, 1,
      kPullTimeoutS);
  g_message ("stream %s: following the camera's events (renewed every "
      "%" G_GINT64_FORMAT " s)", stream_.c_str (),
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
    // What the limit asked for, and as many states as a camera has (a
    // camera that says more is not followed into unbounded memory).
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

}  // namespace camgate
