#include "service/service_manager.h"

#include <systemd/sd-daemon.h>

#include <cstdint>

namespace camgate {

ServiceManager::~ServiceManager ()
{
  if (watchdog_source_)
    g_source_remove (watchdog_source_);
}

void
ServiceManager::ready (const std::string & status)
{
  sd_notifyf (0, "READY=1\nSTATUS=%s\nMAINPID=%lu", status.c_str (),
      static_cast<unsigned long> (getpid ()));
  uint64_t usec = 0;
  if (watchdog_source_ || sd_watchdog_enabled (0, &usec) <= 0 || usec == 0)
    return;
  // Twice per watchdog period: one late tick is not a restart.
  watchdog_source_ = g_timeout_add (std::max<uint64_t> (1, usec / 2000),
      on_watchdog, this);
}

void
ServiceManager::reloading ()
{
  sd_notify (0, "RELOADING=1");
}

void
ServiceManager::stopping ()
{
  sd_notify (0, "STOPPING=1");
}

gboolean
ServiceManager::on_watchdog (gpointer)
{
  sd_notify (0, "WATCHDOG=1");
  return G_SOURCE_CONTINUE;
}

}  // namespace camgate
