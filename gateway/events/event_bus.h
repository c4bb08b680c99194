// EventBus: what happens in the gateway, as events for those outside it
// (`GET /api/v1/events`, webhooks): a stream's state changing, a publisher
// connecting or leaving. Published from any thread; listeners are told on
// the main context, in publishing order. The last few are kept so that a
// client that reconnects (SSE's Last-Event-ID) misses none of them.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace camgate {

struct Event
{
  using Fields = std::vector<std::pair<std::string, std::string>>;

  uint64_t id = 0;                 // increasing, from 1, per process
  std::string type;                // "stream.state", "publisher.connected", …
  std::string stream;              // "" for the gateway as a whole
  std::string json;                // the object sent: id, time, type, stream
                                   // and the event's own fields
  Fields fields;                   // the event's own fields

  // The field named `name`, "" when it has none.
  std::string field (const std::string & name) const
  {
    for (const auto & [key, value] : fields)
      if (key == name)
        return value;
    return "";
  }
};

class EventBus
{
public:
  using Fields = Event::Fields;
  using Listener = std::function<void (const Event &)>;

  // The gateway's one bus.
  static EventBus & gateway ();

  // Any thread.
  void publish (const std::string & type, const std::string & stream,
      const Fields & fields = {});
  // The kept events after `id` (all kept ones for 0), oldest first.
  std::vector<Event> since (uint64_t id) const;

  // Main context. A listener may forget itself (or another) while told.
  uint64_t listen (Listener listener);
  void forget (uint64_t listener);

private:
  struct Delivery
  {
    EventBus *bus;
    Event event;
  };
  static int deliver (void *delivery);

  mutable std::mutex lock_;
  uint64_t next_id_ = 1;
  std::deque<Event> kept_;
  uint64_t next_listener_ = 1;
  std::map<uint64_t, Listener> listeners_;   // main context
};

}  // namespace camgate
