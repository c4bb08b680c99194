// NotificationInbox: where cameras without a PullPoint deliver their events
// (ONVIF Basic Notification). A camera is subscribed with a consumer address
// on the gateway's HTTP port, POST /api/v1/onvif/events/<token>, whose token
// is a secret drawn for that one subscription: it is the only credential
// such a request carries (the camera cannot sign in). Messages for an unknown token
// are refused; a slot takes a bounded number of bounded messages.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace camgate {

class NotificationInbox
{
public:
  // The gateway's one inbox, fed by its HTTP server.
  static NotificationInbox & gateway ();

  // The HTTP server tells the port cameras can POST to (0: none).
  void set_http_port (int port);
  int http_port () const;

  // Opens a slot whose messages go to `receive` (on the HTTP server's
  // thread); returns its token. The path cameras POST to is path_for().
  std::string open (std::function<void (std::string)> receive);
  void close (const std::string & token);
  static std::string path_for (const std::string & token);

  // A message for `token`: false when no slot has it.
  bool deliver (const std::string & token, std::string body);

  // What one message may weigh (a Notify of a few dozen notifications).
  static constexpr size_t kMaxMessageBytes = 64 * 1024;

private:
  mutable std::mutex lock_;
  int http_port_ = 0;
  std::map<std::string, std::function<void (std::string)>> slots_;
};

}  // namespace camgate
