/* camgate GStreamer plugin: registers every element of the camgate plugin set.
 * Element families live in their own folders (health/, cmaf/, onvif/) and add
 * one GST_ELEMENT_REGISTER line here each. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>

static gboolean
plugin_init (GstPlugin * plugin)
{
  (void) plugin;
  return TRUE;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, camgate,
    "camgate camera gateway elements", plugin_init, VERSION, "LGPL",
    "camgate", "https://github.com/camgate/camgate")
