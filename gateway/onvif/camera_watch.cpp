#include "onvif/camera_watch.h"

namespace camgate {

CameraWatch::CameraWatch (OnvifConfig config) : config_ (std::move (config))
{
}

CameraWatch::~CameraWatch ()
{
  stop ();
}

void
CameraWatch::start ()
{
  if (!config_.discovery || started_)
    return;
  provider_ = gst_device_provider_factory_get_by_name ("onvifdeviceprovider");
  if (!provider_) {
    g_warning ("ONVIF discovery unavailable: no onvifdeviceprovider");
    return;
  }
  std::string targets;
  for (const auto & t : config_.targets)
    targets += (targets.empty () ? "" : ",") + t;
  g_object_set (provider_, "targets", targets.c_str (), "interval",
      config_.interval_s, nullptr);
  if (!config_.user.empty ())
    g_object_set (provider_, "user", config_.user.c_str (), "password",
        config_.password.c_str (), nullptr);
  started_ = gst_device_provider_start (provider_);
}

void
CameraWatch::stop ()
{
  if (started_)
    gst_device_provider_stop (provider_);
  started_ = false;
  gst_clear_object (&provider_);
}

namespace {

// A short, stable, URL-safe id: from the device's WS-Discovery endpoint.
std::string
camera_id (GstDevice * device)
{
  GstStructure *props = gst_device_get_properties (device);
  const char *endpoint = props ? gst_structure_get_string (props,
      "onvif.endpoint") : nullptr;
  if (!endpoint || !*endpoint)
    endpoint = props ? gst_structure_get_string (props, "onvif.xaddr") : nullptr;
  gchar *hex = g_compute_checksum_for_string (G_CHECKSUM_SHA256,
      endpoint ? endpoint : "", -1);
  std::string id (hex, 12);
  g_free (hex);
  if (props)
    gst_structure_free (props);
  return id;
}

std::string
device_location (GstDevice * device)
{
  std::string out;
  GstElement *src = gst_device_create_element (device, nullptr);
  if (src) {
    gchar *location = nullptr;
    g_object_get (src, "location", &location, nullptr);
    out = location ? location : "";
    g_free (location);
    gst_object_unref (gst_object_ref_sink (src));
  }
  return out;
}

}  // namespace

std::string
CameraWatch::location (const std::string & id) const
{
  std::string out;
  GList *devices = provider_ ? gst_device_provider_get_devices (provider_)
      : nullptr;
  for (GList *l = devices; l && out.empty (); l = l->next)
    if (camera_id (GST_DEVICE (l->data)) == id)
      out = device_location (GST_DEVICE (l->data));
  g_list_free_full (devices, gst_object_unref);
  return out;
}

std::vector<DiscoveredCamera>
CameraWatch::cameras () const
{
  std::vector<DiscoveredCamera> out;
  GList *devices = provider_ ? gst_device_provider_get_devices (provider_)
      : nullptr;
  for (GList *l = devices; l; l = l->next) {
    GstDevice *device = GST_DEVICE (l->data);
    DiscoveredCamera camera;
    camera.id = camera_id (device);
    gchar *name = gst_device_get_display_name (device);
    camera.name = name ? name : "";
    g_free (name);
    GstStructure *props = gst_device_get_properties (device);
    const struct
    {
      const char *key, *member;
    } fields[] = { { "onvif.endpoint", "endpoint" }, { "onvif.xaddr", "xaddr" },
        { "onvif.manufacturer", "manufacturer" }, { "onvif.model", "model" },
        { "onvif.hardware", "hardware" }, { "onvif.scopes", "scopes" } };
    for (const auto & f : fields) {
      const char *value = props ? gst_structure_get_string (props, f.key)
          : nullptr;
      if (value && *value)
        camera.details.push_back ({ f.member, value });
    }
    if (props)
      gst_structure_free (props);
    // What to put in a pipeline file (credentials left out).
    camera.uri = device_location (device);
    out.push_back (std::move (camera));
  }
  g_list_free_full (devices, gst_object_unref);
  return out;
}

}  // namespace camgate
