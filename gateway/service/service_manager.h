// ServiceManager: camgate under systemd (Type=notify). Tells the service
// manager when the gateway is ready, reloading or stopping, and pings its
// watchdog from the main loop, so a main loop that hangs gets the service
// restarted. Without a service manager (NOTIFY_SOCKET unset) every call
// does nothing. Main context only.
#pragma once

#include <glib.h>

#include <string>

namespace camgate {

class ServiceManager
{
public:
  ServiceManager () = default;
  ~ServiceManager ();
  ServiceManager (const ServiceManager &) = delete;
  ServiceManager & operator= (const ServiceManager &) = delete;

  // Ready to serve; `status` is what `systemctl status` shows. Starts the
  // watchdog pings when the unit asks for them (WatchdogSec=).
  void ready (const std::string & status);
  void reloading ();
  void stopping ();

private:
  static gboolean on_watchdog (gpointer self);
  guint watchdog_source_ = 0;
};

}  // namespace camgate
