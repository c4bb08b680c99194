// GoogleTest entry point shared by every camgate test binary.
#include <gst/gst.h>
#include <gtest/gtest.h>

int
main (int argc, char **argv)
{
  ::testing::InitGoogleTest (&argc, argv);
  gst_init (&argc, &argv);
  int result = RUN_ALL_TESTS ();
  gst_deinit ();
  return result;
}
