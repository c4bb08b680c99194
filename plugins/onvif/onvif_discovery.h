// OnvifDiscovery: WS-Discovery over UDP. Probes (both dn:NetworkVideo-
// Transmitter and tds:Device, since cameras answer one or the other) go to
// the multicast group and to any unicast targets (multicast does not cross
// routers); ProbeMatches come back to the probing socket; Hello and Bye
// arrive on the group, or on the probing socket from devices that answer
// to where they were probed from. Messages are handed over parsed.
#pragma once

#include "onvif_protocol.h"

#include <gio/gio.h>

#include <functional>
#include <string>
#include <vector>

namespace camgate::onvif {

class OnvifDiscovery
{
public:
  // `host` is the address the message came from.
  using Handler = std::function<void (const DiscoveryMessage &,
      const std::string & host)>;

  // `targets`: "host" or "host:port" to probe directly (port 3702 default).
  explicit OnvifDiscovery (std::vector<std::string> targets);
  ~OnvifDiscovery ();
  OnvifDiscovery (const OnvifDiscovery &) = delete;
  OnvifDiscovery & operator= (const OnvifDiscovery &) = delete;

  // Opens the sockets. Joining the multicast group may fail (no multicast
  // route, port 3702 taken): discovery then works by unicast only, and
  // `warning` says why.
  bool open (std::string & error, std::string & warning);
  void probe ();
  // Blocks for `timeout_ms`, handing each message to `handler`.
  void receive_for (guint timeout_ms, const Handler & handler);
  // Handles messages from `context` (a thread's main context) until stop.
  void attach (GMainContext * context, Handler handler);
  void detach ();

private:
  bool receive_one (GSocket * socket, const Handler & handler);
  static gboolean on_readable (GSocket * socket, GIOCondition, gpointer self);

  std::vector<std::string> targets_;
  GSocket *probe_socket_ = nullptr;      // unicast, any port
  GSocket *group_socket_ = nullptr;      // port 3702, in the group
  std::vector<GSource *> sources_;
  Handler handler_;
  std::vector<std::string> sent_ids_;
};

}  // namespace camgate::onvif
