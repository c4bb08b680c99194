// camgatebrokenh264enc: a test-only "hardware" H.264 encoder that registers
// like one (Codec/Encoder/Video/Hardware, above every real encoder's rank)
// and cannot open its device, as a GPU encoder on a machine without the
// GPU does. `transcode.encoder: auto` must try it, say why it failed, and
// fall back to software.
#include <gst/gst.h>

#define CAMGATE_TYPE_BROKEN_ENCODER (camgate_broken_encoder_get_type ())
G_DECLARE_FINAL_TYPE (CamgateBrokenEncoder, camgate_broken_encoder, CAMGATE,
    BROKEN_ENCODER, GstElement);

struct _CamgateBrokenEncoder
{
  GstElement parent;
};

G_DEFINE_TYPE (CamgateBrokenEncoder, camgate_broken_encoder, GST_TYPE_ELEMENT);

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-raw"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-h264"));

static GstStateChangeReturn
camgate_broken_encoder_change_state (GstElement * element,
    GstStateChange transition)
{
  if (transition == GST_STATE_CHANGE_NULL_TO_READY) {
    GST_ELEMENT_ERROR (element, RESOURCE, OPEN_READ_WRITE,
        ("no encoder device found"), (nullptr));
    return GST_STATE_CHANGE_FAILURE;
  }
  return GST_ELEMENT_CLASS (camgate_broken_encoder_parent_class)->change_state
      (element, transition);
}

static void
camgate_broken_encoder_class_init (CamgateBrokenEncoderClass * klass)
{
  auto element_class = GST_ELEMENT_CLASS (klass);
  element_class->change_state = camgate_broken_encoder_change_state;
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Broken H.264 hardware encoder (tests)",
      "Codec/Encoder/Video/Hardware", "Registers, then cannot open its device",
      "camgate");
}

static void
camgate_broken_encoder_init (CamgateBrokenEncoder * self)
{
  gst_element_add_pad (GST_ELEMENT (self),
      gst_pad_new_from_static_template (&sink_template, "sink"));
  gst_element_add_pad (GST_ELEMENT (self),
      gst_pad_new_from_static_template (&src_template, "src"));
}

static gboolean
plugin_init (GstPlugin * plugin)
{
  return gst_element_register (plugin, "camgatebrokenh264enc",
      GST_RANK_PRIMARY + 100, CAMGATE_TYPE_BROKEN_ENCODER);
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, camgatebrokenenc,
    "A hardware encoder that cannot open its device (tests only)",
    plugin_init, "0.1", "LGPL", "camgate-tests", "https://example.invalid/camgate")
