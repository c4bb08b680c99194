// EventStream: `GET /api/v1/events`, the gateway's events as Server-Sent
// Events, each to the clients that may see its stream. A client that
// reconnects with Last-Event-ID gets what it missed (of the kept ones). A
// client that reads slower than events come is let go once 256 KiB wait for
// it; at most 64 clients at once; a comment every 15 s finds the ones that
// left. Main context only.
#pragma once

#include "events/event_bus.h"

#include <libsoup/soup.h>

#include <functional>
#include <list>
#include <string>

namespace camgate {

class EventStream
{
public:
  // Whether the client may see events of `stream` ("": the gateway's own).
  using MaySee = std::function<bool (const std::string & stream)>;

  explicit EventStream (EventBus & bus);
  ~EventStream ();
  EventStream (const EventStream &) = delete;
  EventStream & operator= (const EventStream &) = delete;

  void open (SoupServerMessage * message, MaySee may_see);
  size_t clients () const { return clients_.size (); }

private:
  struct Client
  {
    SoupServerMessage *message;
    MaySee may_see;
    size_t waiting = 0;            // bytes appended, not yet written
    bool gone = false;
    gulong finished_id = 0;
    gulong wrote_id = 0;
  };

  void deliver (const Event & event);
  void send (Client & client, const std::string & text);
  void end (Client & client);
  void sweep ();
  static gboolean on_keepalive (gpointer self);

  EventBus & bus_;
  uint64_t listener_ = 0;
  guint keepalive_ = 0;
  std::list<Client> clients_;
};

}  // namespace camgate
