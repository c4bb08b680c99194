#include "rtsp/relay_src.h"

struct _CamgateRelaySrc
{
  GstAppSrc parent;
  guint pt;
};

G_DEFINE_TYPE (CamgateRelaySrc, camgate_relay_src, GST_TYPE_APP_SRC);

enum
{
  PROP_0,
  PROP_PT,
};

static void
camgate_relay_src_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  auto self = CAMGATE_RELAY_SRC (object);
  switch (prop_id) {
    case PROP_PT:
      // The packets keep the payload type they arrived with.
      self->pt = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
camgate_relay_src_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  auto self = CAMGATE_RELAY_SRC (object);
  switch (prop_id) {
    case PROP_PT:
      g_value_set_uint (value, self->pt);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
camgate_relay_src_class_init (CamgateRelaySrcClass * klass)
{
  auto object_class = G_OBJECT_CLASS (klass);
  object_class->set_property = camgate_relay_src_set_property;
  object_class->get_property = camgate_relay_src_get_property;
  g_object_class_install_property (object_class, PROP_PT,
      g_param_spec_uint ("pt", "Payload type",
          "RTP payload type of the relayed packets", 0, 127, 96,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)));
}

static void
camgate_relay_src_init (CamgateRelaySrc * self)
{
  self->pt = 96;
}

GstElement *
camgate_relay_src_new (const gchar * name, GstCaps * caps)
{
  auto self = CAMGATE_RELAY_SRC (g_object_new (CAMGATE_TYPE_RELAY_SRC, "name",
          name, nullptr));
  gint pt = 96;
  if (caps && gst_caps_get_size (caps) > 0)
    gst_structure_get_int (gst_caps_get_structure (caps, 0), "payload", &pt);
  self->pt = static_cast<guint> (pt);
  // Live, stamped on arrival, and never more than ~2 MiB behind: a stalled
  // output drops its oldest packets instead of growing without bound.
  g_object_set (self, "caps", caps, "is-live", TRUE, "format", GST_FORMAT_TIME,
      "do-timestamp", TRUE, "max-bytes", (guint64) 2 * 1024 * 1024,
      "block", FALSE, "leaky-type", 2 /* downstream: drop old */ , nullptr);
  return GST_ELEMENT (self);
}
