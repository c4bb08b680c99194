// The ONVIF event service's messages (ver10/events/wsdl with
// WS-BaseNotification): a PullPoint subscription (subscribe, pull, renew), a
// Basic Notification one (the camera sends Notify to a consumer address),
// and the notifications a camera sends, with the topics that matter to a gateway (motion, tamper,
// digital inputs) named plainly. Pure functions over strings, as in
// onvif_protocol.h.
#pragma once

#include "onvif_xml.h"

#include <glib.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace camgate::onvif {

// WS-Addressing actions (subscriptions are addressed by wsa:To).
namespace action {
constexpr const char *kEventPort =
    "http://www.onvif.org/ver10/events/wsdl/EventPortType";
constexpr const char *kPullPoint =
    "http://www.onvif.org/ver10/events/wsdl/PullPointSubscription";
constexpr const char *kSubscriptionManager =
    "http://docs.oasis-open.org/wsn/bw-2/SubscriptionManager";
constexpr const char *kNotificationProducer =
    "http://docs.oasis-open.org/wsn/bw-2/NotificationProducer";
}

// Request bodies (inside <s:Body>).
std::string create_pull_point_subscription (guint termination_s);
std::string pull_messages (guint timeout_s, guint message_limit);
// Basic Notification: the camera POSTs Notify messages to `consumer`.
std::string subscribe (const std::string & consumer, guint termination_s);
std::string renew_subscription (guint termination_s);
std::string unsubscribe ();

struct Subscription
{
  std::string address;             // where PullMessages and Renew go
  // Device clock: now and when the subscription ends (UTC seconds).
  std::optional<int64_t> current_time, termination_time;
};
// CreatePullPointSubscriptionResponse or SubscribeResponse; false without
// an address.
bool parse_subscription (xmlNode * root, Subscription & out);
// RenewResponse: the new termination time, when given.
std::optional<int64_t> parse_renewal (xmlNode * root);

// One state in a notification: "motion", "tamper" or "input" (empty for
// topics camgate does not act on), and whether it is active.
struct CameraEvent
{
  std::string kind;
  std::string topic;               // "tns1:RuleEngine/CellMotionDetector/Motion"
  std::string source;              // the first Source item's value
  bool active = false;
  bool initial = false;            // PropertyOperation "Initialized"
};
// PullMessagesResponse or Notify: its notifications with a boolean state,
// in order.
std::vector<CameraEvent> parse_notifications (xmlNode * root);
// "motion", "tamper", "input" or "" for a topic.
std::string event_kind (const std::string & topic);
// "2024-01-15T10:30:00Z" (and with fractions or an offset) → UTC seconds.
std::optional<int64_t> parse_xs_datetime (const std::string & text);

}  // namespace camgate::onvif
