#include "onvif_discovery.h"

namespace camgate::onvif {

namespace {

GSocketAddress *
address_for (const std::string & target)
{
  // "host", "host:port", "[v6]:port"
  std::string host = target;
  guint16 port = kDiscoveryPort;
  auto colon = target.rfind (':');
  if (colon != std::string::npos && target.find (']') == std::string::npos
      && target.find (':') == colon) {
    host = target.substr (0, colon);
    port = static_cast<guint16> (std::atoi (target.c_str () + colon + 1));
  } else if (target.size () > 2 && target[0] == '[') {
    auto close = target.find (']');
    host = target.substr (1, close - 1);
    if (close + 1 < target.size () && target[close + 1] == ':')
      port = static_cast<guint16> (std::atoi (target.c_str () + close + 2));
  }
  GInetAddress *inet = g_inet_address_new_from_string (host.c_str ());
  if (!inet) {
    // A name: resolve it once.
    GResolver *resolver = g_resolver_get_default ();
    GList *addresses = g_resolver_lookup_by_name (resolver, host.c_str (),
        nullptr, nullptr);
    g_object_unref (resolver);
    if (!addresses)
      return nullptr;
    inet = G_INET_ADDRESS (g_object_ref (addresses->data));
    g_resolver_free_addresses (addresses);
  }
  GSocketAddress *out = g_inet_socket_address_new (inet, port);
  g_object_unref (inet);
  return out;
}

}  // namespace

OnvifDiscovery::OnvifDiscovery (std::vector<std::string> targets)
    : targets_ (std::move (targets))
{
}

OnvifDiscovery::~OnvifDiscovery ()
{
  detach ();
  g_clear_object (&probe_socket_);
  g_clear_object (&group_socket_);
}

bool
OnvifDiscovery::open (std::string & error, std::string & warning)
{
  GError *gerror = nullptr;
  probe_socket_ = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
      G_SOCKET_PROTOCOL_UDP, &gerror);
  GInetAddress *any = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
  GSocketAddress *local = g_inet_socket_address_new (any, 0);
  bool ok = probe_socket_ && g_socket_bind (probe_socket_, local, TRUE, &gerror);
  g_object_unref (local);
  if (!ok) {
    error = std::string ("cannot open a UDP socket: ") + (gerror
        ? gerror->message : "unknown error");
    g_clear_error (&gerror);
    g_object_unref (any);
    return false;
  }
  g_socket_set_blocking (probe_socket_, FALSE);
  g_socket_set_multicast_ttl (probe_socket_, 1);

  // Hello/Bye: the group on port 3702, shared with other listeners.
  group_socket_ = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
      G_SOCKET_PROTOCOL_UDP, nullptr);
  GSocketAddress *group_local = g_inet_socket_address_new (any, kDiscoveryPort);
  GInetAddress *group = g_inet_address_new_from_string (kDiscoveryGroup);
  if (!group_socket_
      || !g_socket_bind (group_socket_, group_local, TRUE, &gerror)
      || !g_socket_join_multicast_group (group_socket_, group, FALSE, nullptr,
          &gerror)) {
    warning = std::string ("multicast discovery unavailable (") + (gerror
        ? gerror->message : "no socket") + "): probing the given addresses "
        "only";
    g_clear_error (&gerror);
    g_clear_object (&group_socket_);
  } else {
    g_socket_set_blocking (group_socket_, FALSE);
  }
  g_object_unref (group);
  g_object_unref (group_local);
  g_object_unref (any);
  return true;
}

void
OnvifDiscovery::probe ()
{
  std::vector<GSocketAddress *> destinations;
  GInetAddress *group = g_inet_address_new_from_string (kDiscoveryGroup);
  destinations.push_back (g_inet_socket_address_new (group, kDiscoveryPort));
  g_object_unref (group);
  for (const auto & t : targets_)
    if (GSocketAddress *a = address_for (t))
      destinations.push_back (a);
  for (const char *type : { "dn:NetworkVideoTransmitter", "tds:Device" }) {
    gchar *uuid = g_uuid_string_random ();
    const std::string id = std::string ("uuid:") + uuid;
    g_free (uuid);
    sent_ids_.push_back (id);
    const std::string message = probe_message (id, type);
    for (auto *to : destinations)
      g_socket_send_to (probe_socket_, to, message.data (), message.size (),
          nullptr, nullptr);
  }
  for (auto *a : destinations)
    g_object_unref (a);
}

bool
OnvifDiscovery::receive_one (GSocket * socket, const Handler & handler)
{
  // A datagram holds at most 64 KiB; larger replies cannot arrive.
  static thread_local char buffer[65536];
  GSocketAddress *from = nullptr;
  gssize n = g_socket_receive_from (socket, &from, buffer, sizeof buffer,
      nullptr, nullptr);
  if (n <= 0) {
    g_clear_object (&from);
    return false;
  }
  std::string host;
  if (from && G_IS_INET_SOCKET_ADDRESS (from)) {
    gchar *text = g_inet_address_to_string (g_inet_socket_address_get_address
        (G_INET_SOCKET_ADDRESS (from)));
    host = text;
    g_free (text);
  }
  g_clear_object (&from);
  DiscoveryMessage message;
  std::string error;
  if (parse_discovery (std::string (buffer, n), message, error)
      && message.kind != DiscoveryKind::Other)
    handler (message, host);
  return true;
}

void
OnvifDiscovery::receive_for (guint timeout_ms, const Handler & handler)
{
  const gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000;
  while (g_get_monotonic_time () < deadline) {
    GPollFD fds[2] = {};
    int count = 0;
    for (GSocket *s : { probe_socket_, group_socket_ }) {
      if (!s)
        continue;
      fds[count].fd = g_socket_get_fd (s);
      fds[count].events = G_IO_IN;
      count++;
    }
    const gint64 left_ms = (deadline - g_get_monotonic_time ()) / 1000;
    if (g_poll (fds, count, (gint) MAX (left_ms, 0)) <= 0)
      continue;
    while (receive_one (probe_socket_, handler)) {
    }
    if (group_socket_)
      while (receive_one (group_socket_, handler)) {
      }
  }
}

gboolean
OnvifDiscovery::on_readable (GSocket * socket, GIOCondition, gpointer data)
{
  auto *self = static_cast<OnvifDiscovery *> (data);
  while (self->receive_one (socket, self->handler_)) {
  }
  return G_SOURCE_CONTINUE;
}

void
OnvifDiscovery::attach (GMainContext * context, Handler handler)
{
  handler_ = std::move (handler);
  for (GSocket *s : { probe_socket_, group_socket_ }) {
    if (!s)
      continue;
    GSource *source = g_socket_create_source (s, G_IO_IN, nullptr);
    g_source_set_callback (source, G_SOURCE_FUNC (on_readable), this, nullptr);
    g_source_attach (source, context);
    sources_.push_back (source);
  }
}

void
OnvifDiscovery::detach ()
{
  for (GSource *s : sources_) {
    g_source_destroy (s);
    g_source_unref (s);
  }
  sources_.clear ();
}

}  // namespace camgate::onvif
