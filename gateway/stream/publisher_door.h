// The check every publisher protocol without its own (RTMP, SRT) goes
// through before it may feed a stream: a `publish` stream by that name, the
// publish permission for the user it names when the gateway has users
// (wrong passwords counted against its address), and the stream's one
// publisher slot. Main context only (StreamManager).
#pragma once

#include "auth/access_control.h"
#include "media/publisher_lease.h"
#include "stream/stream_manager.h"

#include <memory>
#include <string>

namespace camgate {

struct PublisherRequest
{
  std::string protocol;            // "RTMP", "SRT"
  std::string address;             // the publisher's IP
  std::string stream;
  std::string user;                // "" = none given
  std::string password;
};

struct PublisherAdmission
{
  enum class Refusal { None, NotFound, Forbidden, Unauthorized, Busy };
  Refusal refusal = Refusal::None;
  std::string why;                 // for the publisher and the log
  std::unique_ptr<PublisherLease> lease;   // when admitted and claimed
  std::string passphrase;          // the stream's own for SRT ("" = none)
};

// The checks, then the slot claimed: `lease` set when admitted.
PublisherAdmission admit_publisher (StreamManager & streams,
    AccessControl & access, const PublisherRequest & request);

// The checks alone, the slot found free but not claimed (for a protocol
// whose handshake goes on after its request is read: SRT claims once its
// encryption was agreed).
PublisherAdmission check_publisher (StreamManager & streams,
    AccessControl & access, const PublisherRequest & request);

}  // namespace camgate
