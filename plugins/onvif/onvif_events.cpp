#include "onvif_events.h"

#include <algorithm>

namespace camgate::onvif {

namespace {

std::string
lower (std::string s)
{
  std::transform (s.begin (), s.end (), s.begin (), ::tolower);
  return s;
}

std::string
duration_s (guint seconds)
{
  return "PT" + std::to_string (seconds) + "S";
}

// The value of the first SimpleItem under `node` whose Value is a boolean.
std::optional<bool>
boolean_item (xmlNode * node)
{
  for (xmlNode *item : find_all (node, "SimpleItem")) {
    const std::string value = lower (attribute (item, "Value"));
    if (value == "true" || value == "1")
      return true;
    if (value == "false" || value == "0")
      return false;
  }
  return std::nullopt;
}

}  // namespace

std::string
create_pull_point_subscription (guint termination_s)
{
  return "<tev:CreatePullPointSubscription><tev:InitialTerminationTime>"
      + duration_s (termination_s) + "</tev:InitialTerminationTime>"
      "</tev:CreatePullPointSubscription>";
}

std::string
pull_messages (guint timeout_s, guint message_limit)
{
  return "<tev:PullMessages><tev:Timeout>" + duration_s (timeout_s)
      + "</tev:Timeout><tev:MessageLimit>" + std::to_string (message_limit)
      + "</tev:MessageLimit></tev:PullMessages>";
}

std::string
subscribe (const std::string & consumer, guint termination_s)
{
  return "<wsnt:Subscribe><wsnt:ConsumerReference><wsa:Address>"
      + escape (consumer) + "</wsa:Address></wsnt:ConsumerReference>"
      "<wsnt:InitialTerminationTime>" + duration_s (termination_s)
      + "</wsnt:InitialTerminationTime></wsnt:Subscribe>";
}

std::string
renew_subscription (guint termination_s)
{
  return "<wsnt:Renew><wsnt:TerminationTime>" + duration_s (termination_s)
      + "</wsnt:TerminationTime></wsnt:Renew>";
}

std::string
unsubscribe ()
{
  return "<wsnt:Unsubscribe/>";
}

std::optional<int64_t>
parse_xs_datetime (const std::string & text)
{
  GTimeZone *utc = g_time_zone_new_utc ();
  GDateTime *parsed = g_date_time_new_from_iso8601 (text.c_str (), utc);
  g_time_zone_unref (utc);
  if (!parsed)
    return std::nullopt;
  const int64_t out = g_date_time_to_unix (parsed);
  g_date_time_unref (parsed);
  return out;
}

bool
parse_subscription (xmlNode * root, Subscription & out)
{
  xmlNode *response = find (root, "CreatePullPointSubscriptionResponse");
  if (!response)
    response = find (root, "SubscribeResponse");
  out.address = text_of (find (response, "SubscriptionReference"), "Address");
  out.current_time = parse_xs_datetime (text_of (response, "CurrentTime"));
  out.termination_time = parse_xs_datetime (text_of (response,
          "TerminationTime"));
  return out.address.rfind ("http://", 0) == 0
      || out.address.rfind ("https://", 0) == 0;
}

std::optional<int64_t>
parse_renewal (xmlNode * root)
{
  return parse_xs_datetime (text_of (find (root, "RenewResponse"),
          "TerminationTime"));
}

std::string
event_kind (const std::string & topic)
{
  const std::string t = lower (topic);
  if (t.find ("motion") != std::string::npos)
    return "motion";
  if (t.find ("tamper") != std::string::npos
      || t.find ("globalscenechange") != std::string::npos)
    return "tamper";
  if (t.find ("digitalinput") != std::string::npos)
    return "input";
  return "";
}

std::vector<CameraEvent>
parse_notifications (xmlNode * root)
{
  std::vector<CameraEvent> out;
  xmlNode *response = find (root, "PullMessagesResponse");
  if (!response)
    response = find (root, "Notify");
  for (xmlNode *notification : children (response, "NotificationMessage")) {
    CameraEvent event;
    event.topic = text_of (notification, "Topic");
    event.kind = event_kind (event.topic);
    // wsnt:Message wraps the tt:Message with the state.
    xmlNode *wrapper = children (notification, "Message").empty () ? nullptr
        : children (notification, "Message").front ();
    xmlNode *message = children (wrapper, "Message").empty () ? wrapper
        : children (wrapper, "Message").front ();
    auto state = boolean_item (find (message, "Data"));
    if (!state)
      continue;
    event.active = *state;
    event.initial = attribute (message, "PropertyOperation") == "Initialized";
    auto sources = find_all (find (message, "Source"), "SimpleItem");
    if (!sources.empty ())
      event.source = attribute (sources.front (), "Value");
    out.push_back (std::move (event));
  }
  return out;
}

}  // namespace camgate::onvif
