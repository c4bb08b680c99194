#include "media/camera_udp_binding.h"

#include <gio/gio.h>
#include <gst/rtsp/gstrtspurl.h>

#include <string>

namespace camgate {

GInetAddress *
local_address_towards (const gchar * host, GSocketFamily family)
{
  GResolver *resolver = g_resolver_get_default ();
  GList *addresses = g_resolver_lookup_by_name (resolver, host, nullptr,
      nullptr);
  g_object_unref (resolver);
  GInetAddress *local = nullptr;
  for (GList *l = addresses; l && !local; l = l->next) {
    auto *remote = G_INET_ADDRESS (l->data);
    if (g_inet_address_get_family (remote) != family)
      continue;
    GSocket *probe = g_socket_new (family, G_SOCKET_TYPE_DATAGRAM,
        G_SOCKET_PROTOCOL_UDP, nullptr);
    GSocketAddress *to = g_inet_socket_address_new (remote, 9);
    if (probe && g_socket_connect (probe, to, nullptr, nullptr)) {
      GSocketAddress *from = g_socket_get_local_address (probe, nullptr);
      if (from) {
        local = G_INET_ADDRESS (g_object_ref (g_inet_socket_address_get_address
                (G_INET_SOCKET_ADDRESS (from))));
        g_object_unref (from);
      }
    }
    g_object_unref (to);
    if (probe)
      g_object_unref (probe);
  }
  g_resolver_free_addresses (addresses);
  return local;
}

namespace {

// The local address towards the camera, found once per location and
// family: every track brings an RTP and an RTCP udpsrc. rtspsrc adds them
// one at a time.
struct Route
{
  std::string location;
  GSocketFamily family = G_SOCKET_FAMILY_INVALID;
  std::string local;               // "" when none was found
};

const std::string &
local_address_for (Route & route, const gchar * location,
    GSocketFamily family)
{
  if (route.location == location && route.family == family)
    return route.local;
  route = Route { location, family, "" };
  GstRTSPUrl *url = nullptr;
  if (gst_rtsp_url_parse (location, &url) != GST_RTSP_OK)
    return route.local;
  if (GInetAddress *local = local_address_towards (url->host, family)) {
    g_autofree gchar *text = g_inet_address_to_string (local);
    route.local = text;
    g_object_unref (local);
  }
  gst_rtsp_url_free (url);
  return route.local;
}

void
rebind (GstElement * rtspsrc, GstElement * udpsrc, Route & route)
{
  g_autofree gchar *bound = nullptr;
  gint port = 0;
  GSocket *socket = nullptr;
  g_object_get (udpsrc, "address", &bound, "port", &port, "used-socket",
      &socket, nullptr);
  if (!socket)
    return;
  const GSocketFamily family = g_socket_get_family (socket);
  g_object_unref (socket);
  // Multicast (the group's address) and already bound sockets stay.
  GInetAddress *any = g_inet_address_new_any (family);
  g_autofree gchar *any_text = g_inet_address_to_string (any);
  g_object_unref (any);
  if (!bound || g_strcmp0 (bound, any_text) != 0 || port <= 0)
    return;

  g_autofree gchar *location = nullptr;
  g_object_get (rtspsrc, "location", &location, nullptr);
  if (!location)
    return;
  const std::string & local = local_address_for (route, location, family);
  if (local.empty ())
    return;
  // The port was announced to the camera already: free it and take it again
  // on the one address. Nothing arrives before PLAY, which comes later.
  gst_element_set_state (udpsrc, GST_STATE_NULL);
  g_object_set (udpsrc, "address", local.c_str (), "port", port, nullptr);
  if (gst_element_set_state (udpsrc, GST_STATE_READY)
      == GST_STATE_CHANGE_FAILURE)
    g_warning ("could not bind UDP port %d to %s for the camera", port,
        local.c_str ());
}

void
on_element_added (GstBin * rtspsrc, GstElement * element, gpointer route)
{
  GstElementFactory *factory = gst_element_get_factory (element);
  if (factory && g_str_equal (GST_OBJECT_NAME (factory), "udpsrc"))
    rebind (GST_ELEMENT (rtspsrc), element, *static_cast<Route *> (route));
}

}  // namespace

void
bind_camera_udp_to_route (GstElement * rtspsrc)
{
  g_signal_connect_data (rtspsrc, "element-added",
      G_CALLBACK (on_element_added), new Route (),
      [](gpointer route, GClosure *) { delete static_cast<Route *> (route); },
      (GConnectFlags) 0);
}

}  // namespace camgate
