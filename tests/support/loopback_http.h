// A test's own HTTP server (a fake etcd, ONVIF device, webhook receiver…)
// on 127.0.0.1, on a free port: tests run in parallel.
#pragma once

#include <libsoup/soup.h>

namespace camgate::testing {

// Makes `server` listen on a free IPv4 loopback port: that port, or 0 when
// it could not listen.
inline int
listen_on_loopback (SoupServer * server)
{
  if (!soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY,
          nullptr))
    return 0;
  GSList *uris = soup_server_get_uris (server);
  const int port = uris ? g_uri_get_port (static_cast<GUri *> (uris->data)) : 0;
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return port;
}

}  // namespace camgate::testing
