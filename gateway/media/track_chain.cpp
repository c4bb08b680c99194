#include "media/track_chain.h"

#include "media_codec.h"

#include <string>

namespace camgate {

GstPad *
add_track_chain (GstBin * bin, GstPad * pad, const char * owner)
{
  GstCaps *caps = gst_pad_get_current_caps (pad);
  if (!caps)
    caps = gst_pad_query_caps (pad, nullptr);
  const MediaCodec *codec = caps && !gst_caps_is_empty (caps)
      ? codec_for_caps (gst_caps_get_structure (caps, 0)) : nullptr;
  if (caps)
    gst_caps_unref (caps);
  if (!codec) {
    g_message ("%s: track %s left out (not a codec camgate carries)", owner,
        GST_PAD_NAME (pad));
    return nullptr;
  }
  std::string chain = "queue max-size-buffers=0 max-size-bytes=0 "
      "max-size-time=2000000000 ! ";
  if (!codec->video && codec->parser)
    chain += std::string (codec->parser) + " ! " + (codec->access_units
        ? std::string (codec->access_units) + " ! " : "");
  chain += payload_chain (*codec, codec->video ? 96 : 97);
  GstElement *track = gst_parse_bin_from_description (chain.c_str (), TRUE,
      nullptr);
  if (!track)
    return nullptr;
  gst_bin_add (bin, track);
  GstPad *sink = gst_element_get_static_pad (track, "sink");
  gst_pad_link (pad, sink);
  gst_object_unref (sink);
  gst_element_sync_state_with_parent (track);
  return gst_element_get_static_pad (track, "src");
}

}  // namespace camgate
