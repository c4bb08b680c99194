// ParkedMessage: an HTTP request answered later. Paused when parked,
// unpaused by resume() unless its client has left meanwhile (libsoup drops
// the message then, and it must not be touched again).
#pragma once

#include <libsoup/soup.h>

namespace camgate {

class ParkedMessage
{
public:
  explicit ParkedMessage (SoupServerMessage * message);
  ~ParkedMessage ();
  ParkedMessage (const ParkedMessage &) = delete;
  ParkedMessage & operator= (const ParkedMessage &) = delete;

  SoupServerMessage *message () const { return message_; }
  // Unpauses the message; false, doing nothing, when the client has left.
  bool resume ();

private:
  SoupServerMessage *message_;
  gulong disconnected_id_ = 0;
  bool gone_ = false;
};

}  // namespace camgate
