// GoogleTest entry point shared by every camgate test binary.
#include "gstcmafchunkmux.h"
#include "gstcmafsink.h"
#include "gstrecordsink.h"
#include "gstlatencyprobe.h"
#include "gstlatencystamp.h"
#include "gstonvifdeviceprovider.h"
#include "gstonvifsrc.h"
#include "gstrtmpserversrc.h"
#include "gststreamhealth.h"

#include <gst/gst.h>
#include <gtest/gtest.h>

int
main (int argc, char **argv)
{
  ::testing::InitGoogleTest (&argc, argv);
  gst_init (&argc, &argv);
  // Our elements, registered statically: no plugin path or registry needed.
  GST_ELEMENT_REGISTER (streamhealth, nullptr);
  GST_ELEMENT_REGISTER (cmafchunkmux, nullptr);
  GST_ELEMENT_REGISTER (cmafsink, nullptr);
  GST_ELEMENT_REGISTER (recordsink, nullptr);
  GST_ELEMENT_REGISTER (latencystamp, nullptr);
  GST_ELEMENT_REGISTER (latencyprobe, nullptr);
  GST_ELEMENT_REGISTER (onvifsrc, nullptr);
  GST_ELEMENT_REGISTER (rtmpserversrc, nullptr);
  GST_DEVICE_PROVIDER_REGISTER (onvifdeviceprovider, nullptr);
  int result = RUN_ALL_TESTS ();
  gst_deinit ();
  return result;
}
