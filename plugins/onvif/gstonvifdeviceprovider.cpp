/**
 * SECTION:provider-onvifdeviceprovider
 * @title: onvifdeviceprovider
 * @short_description: ONVIF cameras on the network as GstDevices
 *
 * Finds cameras with WS-Discovery: a multicast probe, plus unicast probes
 * to the addresses in #GstOnvifDeviceProvider:targets (multicast does not
 * cross routers). Once started it follows Hello and Bye announcements and
 * probes again every #GstOnvifDeviceProvider:interval seconds. With
 * #GstOnvifDeviceProvider:user and #GstOnvifDeviceProvider:password each
 * device also gets its manufacturer and model (GetDeviceInformation).
 * Each device's properties (`onvif-proplist`) hold `onvif.endpoint`,
 * `onvif.xaddr` (the device service that answered), `onvif.hardware`,
 * its scopes and, with credentials, `onvif.manufacturer`, `onvif.model`
 * and `onvif.firmware`; create_element() gives an onvifsrc for it.
 *
 * ## Example
 * |[
 * gst-device-monitor-1.0 Source/Network
 * ]|
 *
 * Since: 0.1
 */
#include "gstonvifdeviceprovider.h"

#include "onvif_client.h"
#include "onvif_discovery.h"

#include <map>
#include <memory>
#include <sstream>
#include <thread>

GST_DEBUG_CATEGORY_STATIC (gst_onvif_device_provider_debug);
#define GST_CAT_DEFAULT gst_onvif_device_provider_debug

namespace {

constexpr guint kDefaultProbeTime = 3;
constexpr guint kDefaultInterval = 60;

}  // namespace

/* ---- GstOnvifDevice ---------------------------------------------------- */

struct _GstOnvifDevice
{
  GstDevice parent;
  gchar *location;                 // onvif://host:port (no credentials)
};

G_DEFINE_TYPE (GstOnvifDevice, gst_onvif_device, GST_TYPE_DEVICE);

static GstElement *
gst_onvif_device_create_element (GstDevice * device, const gchar * name)
{
  GstElement *src = gst_element_factory_make ("onvifsrc", name);
  if (src)
    g_object_set (src, "location", GST_ONVIF_DEVICE (device)->location,
        nullptr);
  return src;
}

static void
gst_onvif_device_finalize (GObject * object)
{
  g_free (GST_ONVIF_DEVICE (object)->location);
  G_OBJECT_CLASS (gst_onvif_device_parent_class)->finalize (object);
}

static void
gst_onvif_device_class_init (GstOnvifDeviceClass * klass)
{
  G_OBJECT_CLASS (klass)->finalize = gst_onvif_device_finalize;
  GST_DEVICE_CLASS (klass)->create_element = gst_onvif_device_create_element;
}

static void
gst_onvif_device_init (GstOnvifDevice *)
{
}

/* ---- GstOnvifDeviceProvider -------------------------------------------- */

enum
{
  PROP_0,
  PROP_TARGETS,
  PROP_USER,
  PROP_PASSWORD,
  PROP_PROBE_TIME,
  PROP_INTERVAL,
};

// The provider's C++ state.
struct GstOnvifDeviceProviderPrivate
{
  std::thread thread;              // while started
  std::map<std::string, GstDevice *> devices;   // by endpoint, owned
};

struct _GstOnvifDeviceProvider
{
  GstDeviceProvider parent;
  GMutex lock;
  gchar *targets;                  // comma-separated host[:port]
  gchar *user;
  gchar *password;
  guint probe_time;
  guint interval;
  // Started: a thread with its own main context listens and re-probes.
  GMainContext *context;
  GMainLoop *loop;
  GstOnvifDeviceProviderPrivate *priv;
};

#define gst_onvif_device_provider_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstOnvifDeviceProvider, gst_onvif_device_provider,
    GST_TYPE_DEVICE_PROVIDER,
    GST_DEBUG_CATEGORY_INIT (gst_onvif_device_provider_debug,
        "onvifdeviceprovider", 0, "ONVIF camera discovery"));
GST_DEVICE_PROVIDER_REGISTER_DEFINE (onvifdeviceprovider, "onvifdeviceprovider",
    GST_RANK_SECONDARY, GST_TYPE_ONVIF_DEVICE_PROVIDER);

static std::vector<std::string>
split_targets (const gchar * text)
{
  std::vector<std::string> out;
  std::istringstream in (text ? text : "");
  std::string item;
  while (std::getline (in, item, ','))
    if (!item.empty ())
      out.push_back (item);
  return out;
}

// A GstDevice for a discovered camera (GetDeviceInformation when the
// provider has credentials).
static GstDevice *
make_device (GstOnvifDeviceProvider * self,
    const camgate::onvif::DiscoveredDevice & found)
{
  if (found.xaddrs.empty ())
    return nullptr;
  std::string unreachable;
  const std::string xaddr = camgate::onvif::first_answering_address (
      found.xaddrs, 3, unreachable);
  if (!unreachable.empty ())
    GST_INFO_OBJECT (self, "%s: %s", found.endpoint.c_str (),
        unreachable.c_str ());
  g_mutex_lock (&self->lock);
  camgate::onvif::Credentials credentials { self->user ? self->user : "",
    self->password ? self->password : "" };
  g_mutex_unlock (&self->lock);

  std::string name = found.scope_value ("name");
  std::string hardware = found.scope_value ("hardware");
  camgate::onvif::DeviceInformation info;
  if (!credentials.empty ()) {
    camgate::onvif::OnvifClient client (xaddr, credentials, 3);
    std::string error;
    if (!client.connect (error) || !client.device_information (info, error))
      GST_INFO_OBJECT (self, "%s: %s", xaddr.c_str (), error.c_str ());
  }
  if (name.empty ())
    name = !info.model.empty () ? info.manufacturer + " " + info.model
        : !hardware.empty () ? hardware
        : camgate::onvif::device_authority (xaddr);

  GstStructure *props = gst_structure_new ("onvif-proplist",
      "device.api", G_TYPE_STRING, "onvif",
      "onvif.endpoint", G_TYPE_STRING, found.endpoint.c_str (),
      "onvif.xaddr", G_TYPE_STRING, xaddr.c_str (),
      "onvif.hardware", G_TYPE_STRING, hardware.c_str (), nullptr);
  if (!info.manufacturer.empty ())
    gst_structure_set (props, "onvif.manufacturer", G_TYPE_STRING,
        info.manufacturer.c_str (), "onvif.model", G_TYPE_STRING,
        info.model.c_str (), "onvif.firmware", G_TYPE_STRING,
        info.firmware.c_str (), nullptr);
  std::string scopes;
  for (const auto & s : found.scopes)
    scopes += (scopes.empty () ? "" : " ") + s;
  gst_structure_set (props, "onvif.scopes", G_TYPE_STRING, scopes.c_str (),
      nullptr);

  GstCaps *caps = gst_caps_new_empty_simple ("application/x-rtp");
  GstDevice *device = GST_DEVICE (g_object_new (GST_TYPE_ONVIF_DEVICE,
          "display-name", name.c_str (), "device-class",
          "Source/Video/Network", "caps", caps, "properties", props, nullptr));
  GST_ONVIF_DEVICE (device)->location = g_strdup (("onvif://"
          + camgate::onvif::device_authority (xaddr)).c_str ());
  gst_caps_unref (caps);
  gst_structure_free (props);
  return device;
}

static GList *
gst_onvif_device_provider_probe (GstDeviceProvider * provider)
{
  auto *self = GST_ONVIF_DEVICE_PROVIDER (provider);
  g_mutex_lock (&self->lock);
  auto targets = split_targets (self->targets);
  const guint wait_s = self->probe_time;
  g_mutex_unlock (&self->lock);

  camgate::onvif::OnvifDiscovery discovery (targets);
  std::string error, warning;
  if (!discovery.open (error, warning)) {
    GST_WARNING_OBJECT (self, "%s", error.c_str ());
    return nullptr;
  }
  if (!warning.empty ())
    GST_INFO_OBJECT (self, "%s", warning.c_str ());
  std::map<std::string, camgate::onvif::DiscoveredDevice> found;
  // Devices answer after a random delay, and UDP may drop: probe again
  // halfway.
  discovery.probe ();
  discovery.receive_for (wait_s * 500, [&](const auto & message, const auto &) {
        if (message.kind != camgate::onvif::DiscoveryKind::Bye)
          for (const auto & d : message.devices)
            found.emplace (d.endpoint, d);
      });
  discovery.probe ();
  discovery.receive_for (wait_s * 500, [&](const auto & message, const auto &) {
        if (message.kind != camgate::onvif::DiscoveryKind::Bye)
          for (const auto & d : message.devices)
            found.emplace (d.endpoint, d);
      });
  GList *out = nullptr;
  for (const auto & [endpoint, d] : found)
    if (GstDevice *device = make_device (self, d))
      out = g_list_append (out, gst_object_ref_sink (device));
  return out;
}

static void
handle_message (GstOnvifDeviceProvider * self,
    const camgate::onvif::DiscoveryMessage & message)
{
  for (const auto & d : message.devices) {
    auto it = self->priv->devices.find (d.endpoint);
    if (message.kind == camgate::onvif::DiscoveryKind::Bye) {
      if (it != self->priv->devices.end ()) {
        GST_INFO_OBJECT (self, "Bye from %s", d.endpoint.c_str ());
        gst_device_provider_device_remove (GST_DEVICE_PROVIDER (self),
            it->second);
        gst_object_unref (it->second);
        self->priv->devices.erase (it);
      }
    } else if (it == self->priv->devices.end ()) {
      if (GstDevice *device = make_device (self, d)) {
        GST_INFO_OBJECT (self, "found %s at %s", d.endpoint.c_str (),
            GST_ONVIF_DEVICE (device)->location);
        self->priv->devices.emplace (d.endpoint, GST_DEVICE (gst_object_ref (
                    device)));
        gst_device_provider_device_add (GST_DEVICE_PROVIDER (self), device);
      }
    }
  }
}

static gboolean
gst_onvif_device_provider_start (GstDeviceProvider * provider)
{
  auto *self = GST_ONVIF_DEVICE_PROVIDER (provider);
  g_mutex_lock (&self->lock);
  auto targets = split_targets (self->targets);
  const guint interval = self->interval;
  g_mutex_unlock (&self->lock);

  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->priv->thread = std::thread ([self, targets, interval]() {
        g_main_context_push_thread_default (self->context);
        camgate::onvif::OnvifDiscovery discovery (targets);
        std::string error, warning;
        if (discovery.open (error, warning)) {
          if (!warning.empty ())
            GST_INFO_OBJECT (self, "%s", warning.c_str ());
          discovery.attach (self->context, [self](const auto & message,
                  const auto &) { handle_message (self, message); });
          discovery.probe ();
          struct Probe
          {
            camgate::onvif::OnvifDiscovery *discovery;
          } probe { &discovery };
          GSource *timer = g_timeout_source_new_seconds (interval);
          g_source_set_callback (timer, +[](gpointer data) -> gboolean {
                static_cast<Probe *> (data)->discovery->probe ();
                return G_SOURCE_CONTINUE;
              }, &probe, nullptr);
          g_source_attach (timer, self->context);
          g_main_loop_run (self->loop);
          g_source_destroy (timer);
          g_source_unref (timer);
          discovery.detach ();
        } else {
          GST_WARNING_OBJECT (self, "%s", error.c_str ());
          g_main_loop_run (self->loop);
        }
        g_main_context_pop_thread_default (self->context);
      });
  return TRUE;
}

static void
gst_onvif_device_provider_stop (GstDeviceProvider * provider)
{
  auto *self = GST_ONVIF_DEVICE_PROVIDER (provider);
  if (!self->priv->thread.joinable ())
    return;
  // Quit from inside the loop: a quit before the thread entered it would be
  // lost (stop right after start).
  GSource *quit = g_idle_source_new ();
  g_source_set_callback (quit, +[](gpointer loop) -> gboolean {
        g_main_loop_quit (static_cast<GMainLoop *> (loop));
        return G_SOURCE_REMOVE;
      }, self->loop, nullptr);
  g_source_attach (quit, self->context);
  g_source_unref (quit);
  self->priv->thread.join ();
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  self->loop = nullptr;
  self->context = nullptr;
  for (auto & [endpoint, device] : self->priv->devices) {
    gst_device_provider_device_remove (provider, device);
    gst_object_unref (device);
  }
  self->priv->devices.clear ();
}

static void
gst_onvif_device_provider_set_property (GObject * object, guint id,
    const GValue * value, GParamSpec * pspec)
{
  auto *self = GST_ONVIF_DEVICE_PROVIDER (object);
  g_mutex_lock (&self->lock);
  switch (id) {
    case PROP_TARGETS:
      g_free (self->targets);
      self->targets = g_value_dup_string (value);
      break;
    case PROP_USER:
      g_free (self->user);
      self->user = g_value_dup_string (value);
      break;
    case PROP_PASSWORD:
      g_free (self->password);
      self->password = g_value_dup_string (value);
      break;
    case PROP_PROBE_TIME:
      self->probe_time = g_value_get_uint (value);
      break;
    case PROP_INTERVAL:
      self->interval = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
  g_mutex_unlock (&self->lock);
}

static void
gst_onvif_device_provider_get_property (GObject * object, guint id,
    GValue * value, GParamSpec * pspec)
{
  auto *self = GST_ONVIF_DEVICE_PROVIDER (object);
  g_mutex_lock (&self->lock);
  switch (id) {
    case PROP_TARGETS:
      g_value_set_string (value, self->targets);
      break;
    case PROP_USER:
      g_value_set_string (value, self->user);
      break;
    case PROP_PASSWORD:
      g_value_set_string (value, self->password);
      break;
    case PROP_PROBE_TIME:
      g_value_set_uint (value, self->probe_time);
      break;
    case PROP_INTERVAL:
      g_value_set_uint (value, self->interval);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
  g_mutex_unlock (&self->lock);
}

static void
gst_onvif_device_provider_finalize (GObject * object)
{
  auto *self = GST_ONVIF_DEVICE_PROVIDER (object);
  for (auto & [endpoint, device] : self->priv->devices)
    gst_object_unref (device);
  delete self->priv;
  g_free (self->targets);
  g_free (self->user);
  g_free (self->password);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_onvif_device_provider_class_init (GstOnvifDeviceProviderClass * klass)
{
  auto *gobject_class = G_OBJECT_CLASS (klass);
  auto *provider_class = GST_DEVICE_PROVIDER_CLASS (klass);
  gobject_class->set_property = gst_onvif_device_provider_set_property;
  gobject_class->get_property = gst_onvif_device_provider_get_property;
  gobject_class->finalize = gst_onvif_device_provider_finalize;
  provider_class->probe = GST_DEBUG_FUNCPTR (gst_onvif_device_provider_probe);
  provider_class->start = GST_DEBUG_FUNCPTR (gst_onvif_device_provider_start);
  provider_class->stop = GST_DEBUG_FUNCPTR (gst_onvif_device_provider_stop);

  const auto flags = (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_property (gobject_class, PROP_TARGETS,
      g_param_spec_string ("targets", "Targets",
          "Comma-separated host[:port] list probed by unicast too "
          "(multicast does not cross routers)", nullptr, flags));
  g_object_class_install_property (gobject_class, PROP_USER,
      g_param_spec_string ("user", "User", "ONVIF user, to read each "
          "device's manufacturer and model", nullptr, flags));
  g_object_class_install_property (gobject_class, PROP_PASSWORD,
      g_param_spec_string ("password", "Password", "ONVIF password", nullptr,
          flags));
  g_object_class_install_property (gobject_class, PROP_PROBE_TIME,
      g_param_spec_uint ("probe-time", "Probe time",
          "Seconds a probe() listens for answers", 1, 60, kDefaultProbeTime,
          flags));
  g_object_class_install_property (gobject_class, PROP_INTERVAL,
      g_param_spec_uint ("interval", "Interval",
          "Seconds between probes while started", 5, 3600, kDefaultInterval,
          flags));
  gst_device_provider_class_set_static_metadata (provider_class,
      "ONVIF camera discovery", "Source/Video/Network",
      "Finds ONVIF cameras with WS-Discovery",
      "camgate <https://github.com/camgate>");
}

static void
gst_onvif_device_provider_init (GstOnvifDeviceProvider * self)
{
  g_mutex_init (&self->lock);
  self->probe_time = kDefaultProbeTime;
  self->interval = kDefaultInterval;
  self->priv = new GstOnvifDeviceProviderPrivate ();
}
