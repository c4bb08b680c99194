#include "transcode/encoder_choice.h"

#include "config/element_registry.h"

#include <algorithm>
#include <functional>
#include <cstring>
#include <map>
#include <mutex>

namespace camgate::transcode {

namespace {

const std::vector<std::string> kSoftware = { "x264enc", "openh264enc" };

// Name prefixes of each family's H.264 encoders.
const std::map<std::string, std::vector<std::string>> kFamilies = {
  { "nvenc", { "nvh264", "nvautogpuh264", "nvcudah264", "nvd3d11h264" } },
  { "va", { "vah264" } },
  { "qsv", { "qsvh264" } },
  { "vaapi", { "vaapih264" } },
  { "v4l2", { "v4l2h264" } },
};

// Hardware elements of `type` whose pad in `direction` takes `media_type`,
// best rank first.
std::vector<std::string>
hardware_elements (GstElementFactoryListType type, GstPadDirection direction,
    const char *media_type)
{
  std::vector<std::string> names;
  GList *factories = gst_element_factory_list_get_elements (type,
      GST_RANK_NONE);
  factories = g_list_sort (factories, gst_plugin_feature_rank_compare_func);
  for (GList *l = factories; l; l = l->next) {
    auto *factory = GST_ELEMENT_FACTORY (l->data);
    const gchar *klass = gst_element_factory_get_metadata (factory,
        GST_ELEMENT_METADATA_KLASS);
    if (klass && strstr (klass, "Hardware")
        && factory_has_pad_for (factory, direction, media_type))
      names.push_back (GST_OBJECT_NAME (factory));
  }
  gst_plugin_feature_list_free (factories);
  return names;
}

bool
in_family (const std::string & name, const std::string & family)
{
  auto it = kFamilies.find (family);
  if (it == kFamilies.end ())
    return family == "auto";
  for (const auto & prefix : it->second)
    if (name.rfind (prefix, 0) == 0)
      return true;
  return false;
}

// Runs `launch` to its end; "" when it got there, else why not.
std::string
try_pipeline (const std::string & launch)
{
  GError *error = nullptr;
  GstElement *pipeline = gst_parse_launch (launch.c_str (), &error);
  if (!pipeline) {
    std::string why = error ? error->message : "cannot be made";
    g_clear_error (&error);
    return why;
  }
  if (GstElement *encoder = gst_bin_get_by_name (GST_BIN (pipeline),
          "encoder")) {
    configure_encoder (encoder, 500000);
    gst_object_unref (encoder);
  }
  std::string why;
  const bool failed = gst_element_set_state (pipeline, GST_STATE_PLAYING)
      == GST_STATE_CHANGE_FAILURE;
  GstBus *bus = gst_element_get_bus (pipeline);
  if (failed) {
    // What the element said when it failed, if anything.
    why = "it does not start";
    if (GstMessage *message = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR)) {
      GError *err = nullptr;
      gst_message_parse_error (message, &err, nullptr);
      if (err)
        why = err->message;
      g_clear_error (&err);
      gst_message_unref (message);
    }
  }
  while (why.empty ()) {
    GstMessage *message = gst_bus_timed_pop_filtered (bus, 10 * GST_SECOND,
        (GstMessageType) (GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
    if (!message) {
      why = "no output within 10 s";
    } else if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR) {
      GError *err = nullptr;
      gst_message_parse_error (message, &err, nullptr);
      why = err ? err->message : "error";
      g_clear_error (&err);
    }
    if (!message || GST_MESSAGE_TYPE (message) == GST_MESSAGE_EOS) {
      if (message)
        gst_message_unref (message);
      break;
    }
    gst_message_unref (message);
  }
  gst_object_unref (bus);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  return why;
}

// Encodes a few small frames with `element`.
std::string
try_encode (const std::string & element)
{
  return try_pipeline ("videotestsrc num-buffers=5 ! video/x-raw,width=320,"
      "height=240,framerate=25/1 ! videoconvert ! " + element
      + " name=encoder ! fakesink");
}

// Decodes a few small frames of `media_type` with `element` (encoded here
// by the first software encoder of that codec).
std::string
try_decode (const std::string & element, const std::string & media_type)
{
  const bool h265 = media_type == "video/x-h265";
  const char *encode = h265 ? "x265enc ! h265parse" : "x264enc ! h264parse";
  return try_pipeline ("videotestsrc num-buffers=5 ! video/x-raw,width=320,"
      "height=240,framerate=25/1 ! " + std::string (encode) + " ! " + element
      + " ! fakesink");
}

// A test, once per key and process.
std::string
probe (const std::string & key, const std::function<std::string ()> & test)
{
  static std::mutex lock;
  static std::map<std::string, std::string> results;
  {
    std::lock_guard<std::mutex> lk (lock);
    auto it = results.find (key);
    if (it != results.end ())
      return it->second;
  }
  std::string why = test ();
  std::lock_guard<std::mutex> lk (lock);
  results[key] = why;
  return why;
}

void
set_if_present (GstElement * element, const char *property, const char *value)
{
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (element), property))
    gst_util_set_object_arg (G_OBJECT (element), property, value);
}

// A keyframe interval as long as the property allows (up to 1000 frames).
void
set_long_gop (GstElement * element, const char *property)
{
  GParamSpec *spec = g_object_class_find_property (G_OBJECT_GET_CLASS
      (element), property);
  if (!spec)
    return;
  if (G_IS_PARAM_SPEC_UINT (spec))
    g_object_set (element, property, MIN (1000u,
            G_PARAM_SPEC_UINT (spec)->maximum), nullptr);
  else if (G_IS_PARAM_SPEC_INT (spec))
    g_object_set (element, property, MIN (1000,
            G_PARAM_SPEC_INT (spec)->maximum), nullptr);
}

}  // namespace

void
configure_encoder (GstElement * encoder, uint32_t bitrate)
{
  GstElementFactory *factory = gst_element_get_factory (encoder);
  const std::string name = factory ? GST_OBJECT_NAME (factory) : "";
  // openh264enc counts bits per second, the others kbit/s.
  const uint32_t value = name == "openh264enc" ? bitrate : bitrate / 1000;
  set_if_present (encoder, "bitrate", std::to_string (value).c_str ());
  for (const char *property : { "bframes", "b-frames", "max-bframes" })
    set_if_present (encoder, property, "0");
  for (const char *property : { "key-int-max", "gop-size", "keyframe-period" })
    set_long_gop (encoder, property);
  set_if_present (encoder, "rc-lookahead", "0");
  set_if_present (encoder, "zerolatency", "true");
  if (name == "x264enc") {
    gst_util_set_object_arg (G_OBJECT (encoder), "tune", "zerolatency");
    gst_util_set_object_arg (G_OBJECT (encoder), "speed-preset", "veryfast");
    // No keyframes of its own at scene cuts: only the forced ones.
    g_object_set (encoder, "option-string", "scenecut=0", nullptr);
  }
}

std::vector<std::string>
hardware_candidates (const std::string & setting)
{
  std::vector<std::string> names;
  if (setting == "software")
    return names;
  for (auto & name : hardware_elements (GST_ELEMENT_FACTORY_TYPE_VIDEO_ENCODER,
          GST_PAD_SRC, "video/x-h264"))
    if (in_family (name, setting))
      names.push_back (name);
  return names;
}

EncoderChoice
choose_encoder (const std::string & setting)
{
  const bool named = setting != "auto" && setting != "software"
      && kFamilies.count (setting) == 0;
  std::vector<std::string> candidates;
  if (named)
    candidates.push_back (setting);
  else
    candidates = hardware_candidates (setting);
  const size_t hardware = candidates.size ();
  if (!named)
    candidates.insert (candidates.end (), kSoftware.begin (), kSoftware.end ());

  std::string failed;
  for (size_t i = 0; i < candidates.size (); i++) {
    const std::string & name = candidates[i];
    GstElementFactory *factory = gst_element_factory_find (name.c_str ());
    if (!factory)
      continue;
    gst_object_unref (factory);
    const std::string why = probe (name, [&] { return try_encode (name); });
    if (why.empty ()) {
      EncoderChoice choice { name, i < hardware, "" };
      if (named)
        choice.reason = "set in the file";
      else if (i < hardware)
        choice.reason = "hardware encoder, the best that works here";
      else if (hardware == 0)
        choice.reason = setting == "software" ? "software, as set"
            : "software: no hardware H.264 encoder" + std::string (setting
                == "auto" ? "" : " of the " + setting + " family") + " here";
      else
        choice.reason = "software";
      if (!failed.empty ())
        choice.reason += " (" + failed + ")";
      return choice;
    }
    g_message ("transcode: encoder %s does not work here: %s", name.c_str (),
        why.c_str ());
    failed += (failed.empty () ? "" : "; ") + name + " failed: " + why;
  }
  return { "", false, failed.empty () ? "no H.264 encoder is installed"
        : failed };
}

DecoderChoice
choose_decoder (const std::string & media_type, const std::string & software)
{
  std::string failed;
  for (const auto & name : hardware_elements
      (GST_ELEMENT_FACTORY_TYPE_DECODER, GST_PAD_SINK, media_type.c_str ())) {
    const std::string why = probe (name + " " + media_type,
        [&] { return try_decode (name, media_type); });
    if (why.empty ())
      return { name, true, "hardware decoder, the best that works here" };
    g_message ("transcode: decoder %s does not work here: %s", name.c_str (),
        why.c_str ());
    failed += (failed.empty () ? "" : "; ") + name + " failed: " + why;
  }
  return { software, false, failed.empty () ? "software: no hardware decoder "
        "here" : "software (" + failed + ")" };
}

}  // namespace camgate::transcode
