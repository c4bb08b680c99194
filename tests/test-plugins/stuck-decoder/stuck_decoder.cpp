// camgatestuckh264dec: a test-only "hardware" H.264 decoder that registers
// like one (Codec/Decoder/Video/Hardware, above every real decoder's rank),
// takes every frame and never gives a picture back, as a hung GPU does.
// Trying it costs the gateway seconds, which must not hold up anything
// else. In a folder of its own: only the test that wants it loads it.
#include <gst/gst.h>

#define CAMGATE_TYPE_STUCK_DECODER (camgate_stuck_decoder_get_type ())
G_DECLARE_FINAL_TYPE (CamgateStuckDecoder, camgate_stuck_decoder, CAMGATE,
    STUCK_DECODER, GstElement);

struct _CamgateStuckDecoder
{
  GstElement parent;
};

G_DEFINE_TYPE (CamgateStuckDecoder, camgate_stuck_decoder, GST_TYPE_ELEMENT);

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-h264"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-raw"));

static GstFlowReturn
swallow_buffer (GstPad *, GstObject *, GstBuffer * buffer)
{
  gst_buffer_unref (buffer);
  return GST_FLOW_OK;
}

// Caps, segments and EOS alike go nowhere.
static gboolean
swallow_event (GstPad *, GstObject *, GstEvent * event)
{
  gst_event_unref (event);
  return TRUE;
}

static void
camgate_stuck_decoder_class_init (CamgateStuckDecoderClass * klass)
{
  auto element_class = GST_ELEMENT_CLASS (klass);
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Stuck H.264 hardware decoder (tests)",
      "Codec/Decoder/Video/Hardware", "Takes frames, never decodes one",
      "camgate");
}

static void
camgate_stuck_decoder_init (CamgateStuckDecoder * self)
{
  GstPad *sink = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (sink, swallow_buffer);
  gst_pad_set_event_function (sink, swallow_event);
  gst_element_add_pad (GST_ELEMENT (self), sink);
  gst_element_add_pad (GST_ELEMENT (self),
      gst_pad_new_from_static_template (&src_template, "src"));
}

static gboolean
plugin_init (GstPlugin * plugin)
{
  return gst_element_register (plugin, "camgatestuckh264dec",
      GST_RANK_PRIMARY + 100, CAMGATE_TYPE_STUCK_DECODER);
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, camgatestuckdec,
    "A hardware decoder that never decodes (tests only)",
    plugin_init, "0.1", "LGPL", "camgate-tests", "https://example.invalid/camgate")
