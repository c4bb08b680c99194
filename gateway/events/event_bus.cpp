#include "events/event_bus.h"

#include "http/json_text.h"

#include <glib.h>

namespace camgate {

namespace {

// Enough for a client to reconnect after a hiccup, not a history.
constexpr size_t kKept = 256;

std::string
event_json (uint64_t id, const std::string & type, const std::string & stream,
    const EventBus::Fields & fields)
{
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_int_value (b, static_cast<gint64> (id));
  GDateTime *now = g_date_time_new_now_utc ();
  gchar *time = g_date_time_format_iso8601 (now);
  g_date_time_unref (now);
  json_member (b, "time", time);
  g_free (time);
  json_member (b, "type", type);
  if (!stream.empty ())
    json_member (b, "stream", stream);
  for (const auto & [name, value] : fields)
    json_member (b, name.c_str (), value);
  json_builder_end_object (b);
  return finish_json (b, false);
}

}  // namespace

EventBus &
EventBus::gateway ()
{
  static EventBus *bus = new EventBus ();   // outlives every late delivery
  return *bus;
}

void
EventBus::publish (const std::string & type, const std::string & stream,
    const Fields & fields)
{
  {
    std::lock_guard<std::mutex> lk (lock_);
    const uint64_t id = next_id_++;
    kept_.push_back ({ id, type, stream, event_json (id, type, stream,
            fields), fields });
    if (kept_.size () > kKept)
      kept_.pop_front ();
    // Queued on the main context under the lock: listeners see the events
    // in id order.
    g_idle_add_full (G_PRIORITY_DEFAULT, deliver, new Delivery { this,
            kept_.back () }, nullptr);
  }
}

int
EventBus::deliver (void *data)
{
  auto *delivery = static_cast<Delivery *> (data);
  EventBus & bus = *delivery->bus;
  std::vector<uint64_t> ids;
  for (const auto & entry : bus.listeners_)
    ids.push_back (entry.first);
  for (uint64_t id : ids) {
    auto it = bus.listeners_.find (id);
    if (it == bus.listeners_.end ())
      continue;
    Listener listener = it->second;   // it may forget itself meanwhile
    listener (delivery->event);
  }
  delete delivery;
  return G_SOURCE_REMOVE;
}

std::vector<Event>
EventBus::since (uint64_t id) const
{
  std::lock_guard<std::mutex> lk (lock_);
  std::vector<Event> out;
  for (const auto & event : kept_)
    if (event.id > id)
      out.push_back (event);
  return out;
}

uint64_t
EventBus::listen (Listener listener)
{
  const uint64_t id = next_listener_++;
  listeners_.emplace (id, std::move (listener));
  return id;
}

void
EventBus::forget (uint64_t listener)
{
  listeners_.erase (listener);
}

}  // namespace camgate
