/* camgate GStreamer plugin: registers every element of the camgate plugin
 * set. Element families live in their own folders (health/, cmaf/, latency/,
 * onvif/, rtmp/) and add one GST_ELEMENT_REGISTER line here each. */
#include "gstcmafchunkmux.h"
#include "gstcmafsink.h"
#include "gstlatencyprobe.h"
#include "gstlatencystamp.h"
#include "gstonvifdeviceprovider.h"
#include "gstonvifsrc.h"
#include "gstrecordsink.h"
#include "gstrtmpserversrc.h"
#include "gststreamhealth.h"

#include <gst/gst.h>

static gboolean
plugin_init (GstPlugin * plugin)
{
  gboolean ok = FALSE;
  ok |= GST_ELEMENT_REGISTER (streamhealth, plugin);
  ok |= GST_ELEMENT_REGISTER (cmafchunkmux, plugin);
  ok |= GST_ELEMENT_REGISTER (cmafsink, plugin);
  ok |= GST_ELEMENT_REGISTER (latencystamp, plugin);
  ok |= GST_ELEMENT_REGISTER (latencyprobe, plugin);
  ok |= GST_ELEMENT_REGISTER (onvifsrc, plugin);
  ok |= GST_ELEMENT_REGISTER (recordsink, plugin);
  ok |= GST_ELEMENT_REGISTER (rtmpserversrc, plugin);
  ok |= GST_DEVICE_PROVIDER_REGISTER (onvifdeviceprovider, plugin);
  return ok;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, camgate,
    "camgate camera gateway elements", plugin_init, VERSION, "LGPL",
    "camgate", "https://github.com/camgate/camgate")
