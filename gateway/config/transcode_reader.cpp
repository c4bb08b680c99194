#include "config/transcode_reader.h"

#include "config/element_registry.h"

#include <gst/gst.h>

#include <algorithm>
#include <set>

namespace camgate {

const std::vector<std::string> kEncoderFamilies =
    { "auto", "software", "nvenc", "va", "qsv", "vaapi", "v4l2" };

namespace {

const std::vector<std::string> kTranscodeKeys =
    { "encoder", "on-demand", "renditions" };
const std::vector<std::string> kRenditionKeys =
    { "name", "height", "bitrate", "fps" };

void
read_encoder (YamlReader & reader, const YAML::Node & node, std::string & out)
{
  std::string text;
  if (!reader.scalar (node, "transcode.encoder", text))
    return;
  if (std::find (kEncoderFamilies.begin (), kEncoderFamilies.end (), text)
      != kEncoderFamilies.end () || is_h264_encoder_element (text)) {
    out = text;
    return;
  }
  std::string reason = "transcode.encoder: '" + text + "' is neither one of "
      "auto, software, nvenc, va, qsv, vaapi, v4l2 nor an H.264 encoder "
      "element installed here";
  if (auto guess = closest_match (text, kEncoderFamilies))
    reason += " (did you mean '" + *guess + "'?)";
  reader.error (node, reason);
}

void
read_rendition (YamlReader & reader, const YAML::Node & node, size_t index,
    RenditionSpec & out)
{
  const std::string where = "transcode.renditions[" + std::to_string (index)
      + "]";
  if (!node.IsMap ()) {
    reader.error (node, where + ": expected a mapping such as { name: 720p, "
        "height: 720, bitrate: 2500k }, got " + YamlReader::kind (node));
    return;
  }
  reader.check_keys (node, where, kRenditionKeys);
  if (const YAML::Node n = node["name"]) {
    if (reader.scalar (n, where + ".name", out.name)
        && (!is_valid_stream_name (out.name) || out.name == "source"
            || out.name == RenditionSpec::kAutomaticH264))
      reader.error (n, where + ".name: '" + out.name + "' must be a word of "
          "letters, digits, '-', '_' and '.' other than 'source' (the camera's "
          "own stream) and 'h264' (the camera's picture as H.264, which every "
          "stream with WebRTC has)");
  } else {
    reader.error (node, where + ": missing 'name:'");
  }
  if (const YAML::Node n = node["height"]) {
    if (reader.number (n, where + ".height", 64, 4320, out.height)
        && out.height % 2 != 0)
      reader.error (n, where + ".height: must be even (H.264 halves the "
          "colour resolution), got " + std::to_string (out.height));
  } else {
    reader.error (node, where + ": missing 'height:'");
  }
  if (const YAML::Node n = node["bitrate"]) {
    std::string text;
    if (reader.scalar (n, where + ".bitrate", text)) {
      auto bits = parse_bitrate (text);
      if (!bits || *bits < 64000 || *bits > 50000000)
        reader.error (n, where + ".bitrate: expected a bitrate 64k-50M such "
            "as 600k or 2.5M, got '" + text + "'");
      else
        out.bitrate = static_cast<uint32_t> (*bits);
    }
  } else {
    reader.error (node, where + ": missing 'bitrate:'");
  }
  if (const YAML::Node n = node["fps"])
    reader.number (n, where + ".fps", 1, 120, out.fps);
}

}  // namespace

bool
is_h264_encoder_element (const std::string & name)
{
  GstElementFactory *factory = gst_element_factory_find (name.c_str ());
  if (!factory)
    return false;
  const bool h264_encoder = gst_element_factory_list_is_type (factory,
      GST_ELEMENT_FACTORY_TYPE_VIDEO_ENCODER)
      && factory_has_pad_for (factory, GST_PAD_SRC, "video/x-h264");
  gst_object_unref (factory);
  return h264_encoder;
}

void
read_transcode (YamlReader & reader, const YAML::Node & node,
    TranscodeSpec & spec)
{
  if (!node.IsMap ()) {
    reader.error (node, "transcode: expected a mapping with renditions:, got "
        + YamlReader::kind (node));
    return;
  }
  reader.check_keys (node, "transcode", kTranscodeKeys);
  if (const YAML::Node n = node["encoder"])
    read_encoder (reader, n, spec.encoder);
  if (const YAML::Node n = node["on-demand"])
    reader.boolean (n, "transcode.on-demand", spec.on_demand);
  const YAML::Node list = node["renditions"];
  if (!list || !list.IsSequence () || list.size () == 0) {
    reader.error (list ? list : node, "transcode.renditions: expected a list "
        "of one or more renditions");
    return;
  }
  if (list.size () > TranscodeSpec::kMaxRenditions) {
    reader.error (list, "transcode.renditions: at most "
        + std::to_string (TranscodeSpec::kMaxRenditions) + " renditions, got "
        + std::to_string (list.size ()));
    return;
  }
  std::set<std::string> names;
  for (size_t i = 0; i < list.size (); i++) {
    RenditionSpec rendition;
    read_rendition (reader, list[i], i, rendition);
    if (!rendition.name.empty () && !names.insert (rendition.name).second)
      reader.error (list[i], "transcode.renditions[" + std::to_string (i)
          + "].name: '" + rendition.name + "' is used twice");
    spec.renditions.push_back (rendition);
  }
}

}  // namespace camgate
