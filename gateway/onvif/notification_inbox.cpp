#include "onvif/notification_inbox.h"

#include "auth/password_hash.h"

namespace camgate {

NotificationInbox &
NotificationInbox::gateway ()
{
  static NotificationInbox inbox;
  return inbox;
}

void
NotificationInbox::set_http_port (int port)
{
  std::lock_guard<std::mutex> lk (lock_);
  http_port_ = port;
}

int
NotificationInbox::http_port () const
{
  std::lock_guard<std::mutex> lk (lock_);
  return http_port_;
}

std::string
NotificationInbox::open (std::function<void (std::string)> receive)
{
  const std::string token = random_hex (16);
  if (token.empty ())
    return token;
  std::lock_guard<std::mutex> lk (lock_);
  slots_[token] = std::move (receive);
  return token;
}

void
NotificationInbox::close (const std::string & token)
{
  std::lock_guard<std::mutex> lk (lock_);
  slots_.erase (token);
}

std::string
NotificationInbox::path_for (const std::string & token)
{
  return "/api/v1/onvif/events/" + token;
}

bool
NotificationInbox::deliver (const std::string & token, std::string body)
{
  // Under the lock: once close() returns, its receiver is never called.
  std::lock_guard<std::mutex> lk (lock_);
  auto slot = slots_.find (token);
  if (slot == slots_.end ())
    return false;
  slot->second (std::move (body));
  return true;
}

}  // namespace camgate
