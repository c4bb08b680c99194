#include "media/in_order_buffer.h"

struct _CamgateInOrderBuffer
{
  GstBaseTransform parent;
  guint latency_ms;
};

GST_DEBUG_CATEGORY_STATIC (camgate_in_order_buffer_debug);

G_DEFINE_TYPE_WITH_CODE (CamgateInOrderBuffer, camgate_in_order_buffer, GST_TYPE_BASE_TRANSFORM,
    GST_DEBUG_CATEGORY_INIT (camgate_in_order_buffer_debug, "camgateinorderbuffer", 0,
        "camgate in-order RTP buffer (jitterbuffer stand-in)"));

enum
{
  PROP_0,
  PROP_LATENCY,
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("application/x-rtp"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS ("application/x-rtp"));

static void
camgate_in_order_buffer_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  auto self = CAMGATE_IN_ORDER_BUFFER (object);
  if (prop_id == PROP_LATENCY)
    self->latency_ms = g_value_get_uint (value);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
camgate_in_order_buffer_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  auto self = CAMGATE_IN_ORDER_BUFFER (object);
  if (prop_id == PROP_LATENCY)
    g_value_set_uint (value, self->latency_ms);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static GstFlowReturn
camgate_in_order_buffer_transform_ip (GstBaseTransform *, GstBuffer *)
{
  return GST_FLOW_OK;
}

static void
camgate_in_order_buffer_class_init (CamgateInOrderBufferClass * klass)
{
  auto object_class = G_OBJECT_CLASS (klass);
  auto element_class = GST_ELEMENT_CLASS (klass);
  auto transform_class = GST_BASE_TRANSFORM_CLASS (klass);
  object_class->set_property = camgate_in_order_buffer_set_property;
  object_class->get_property = camgate_in_order_buffer_get_property;
  g_object_class_install_property (object_class, PROP_LATENCY,
      g_param_spec_uint ("latency", "Latency",
          "Accepted for rtpbin and ignored: nothing is buffered (ms)", 0,
          G_MAXUINT, 0,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)));
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "In-order RTP buffer",
      "Filter/Network/RTP", "Passes in-order RTP through without buffering",
      "camgate");
  transform_class->transform_ip = camgate_in_order_buffer_transform_ip;
  transform_class->passthrough_on_same_caps = TRUE;
}

static void
camgate_in_order_buffer_init (CamgateInOrderBuffer * self)
{
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), TRUE);
}
