// Questions about GStreamer's element registry, shared by the configuration
// (is this name an H.264 encoder?) and the transcode layer (which hardware
// encoders and decoders are installed?).
#pragma once

#include <gst/gst.h>

namespace camgate {

// Whether a pad template of `factory` in `direction` can take `media_type`
// ("video/x-h264").
inline bool
factory_has_pad_for (GstElementFactory * factory, GstPadDirection direction,
    const char *media_type)
{
  for (const GList *l = gst_element_factory_get_static_pad_templates (factory);
      l; l = l->next) {
    auto *templ = static_cast<GstStaticPadTemplate *> (l->data);
    if (templ->direction != direction)
      continue;
    GstCaps *caps = gst_static_caps_get (&templ->static_caps);
    GstCaps *want = gst_caps_new_empty_simple (media_type);
    const bool match = gst_caps_can_intersect (caps, want);
    gst_caps_unref (want);
    gst_caps_unref (caps);
    if (match)
      return true;
  }
  return false;
}

}  // namespace camgate
