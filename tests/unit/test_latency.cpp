// latencystamp / latencyprobe: the code survives x264 at 300 kbit/s and a
// quarter-size scale; a damaged band is rejected, never misread.
#include "latency_code.h"

#include <gst/gst.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>

#include <vector>

namespace {

struct ProbeResult
{
  guint64 count = 0, rejects = 0;
  gint64 min = -1, max = -1;
};

ProbeResult
run (const std::string & launch, void (*prepare) (GstElement *) = nullptr)
{
  GError *error = nullptr;
  GstElement *pipeline = gst_parse_launch (launch.c_str (), &error);
  EXPECT_TRUE (pipeline) << (error ? error->message : "");
  ProbeResult result;
  if (!pipeline)
    return result;
  if (prepare)
    prepare (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
      (GstMessageType) (GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  EXPECT_TRUE (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS);
  if (msg)
    gst_message_unref (msg);
  gst_object_unref (bus);
  GstElement *probe = gst_bin_get_by_name (GST_BIN (pipeline), "probe");
  GstStructure *stats = nullptr;
  g_object_get (probe, "stats", &stats, nullptr);
  gst_structure_get_uint64 (stats, "count", &result.count);
  gst_structure_get_uint64 (stats, "rejects", &result.rejects);
  gst_structure_get_int64 (stats, "min", &result.min);
  gst_structure_get_int64 (stats, "max", &result.max);
  gst_structure_free (stats);
  gst_object_unref (probe);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  return result;
}

}  // namespace

TEST (LatencyCode, RoundTripAndChecksum)
{
  const int width = 320, band = camgate::latency::default_band_height (180);
  std::vector<uint8_t> plane (width * band, 128);
  camgate::latency::write_code (plane.data (), width, 1, width, band,
      0xDEADBEEF);
  auto read = camgate::latency::read_code (plane.data (), width, 1, width,
      band);
  ASSERT_TRUE (read);
  EXPECT_EQ (*read, 0xDEADBEEFu);
  // A flipped data cell breaks the checksum: rejected, not misread.
  auto cell = camgate::latency::cell_rect (10, width, band);
  for (int y = cell.y0; y < cell.y1; y++)
    for (int x = cell.x0; x < cell.x1; x++)
      plane[y * width + x] = plane[y * width + x] > 128 ? 16 : 235;
  EXPECT_FALSE (camgate::latency::read_code (plane.data (), width, 1, width,
          band));
  // A plain picture is not a code.
  std::vector<uint8_t> grey (width * band, 100);
  EXPECT_FALSE (camgate::latency::read_code (grey.data (), width, 1, width,
          band));
}

TEST (LatencyElements, SurvivesLowBitrateH264AndQuarterScale)
{
  ProbeResult r = run ("videotestsrc num-buffers=90 pattern=ball "
      "! video/x-raw,format=I420,width=640,height=360,framerate=30/1 "
      "! latencystamp ! x264enc bitrate=300 speed-preset=ultrafast "
      "tune=zerolatency ! avdec_h264 ! videoscale "
      "! video/x-raw,width=160,height=90 ! latencyprobe name=probe "
      "! fakesink");
  EXPECT_EQ (r.count, 90u);
  EXPECT_EQ (r.rejects, 0u);
  // Stamped and read on this machine a moment apart.
  EXPECT_GE (r.min, 0);
  EXPECT_LT (r.max, 10000);
}

TEST (LatencyElements, RgbFramesToo)
{
  ProbeResult r = run ("videotestsrc num-buffers=30 ! video/x-raw,format=BGRx,"
      "width=320,height=240 ! latencystamp ! videoconvert "
      "! video/x-raw,format=I420 ! latencyprobe name=probe ! fakesink");
  EXPECT_EQ (r.count, 30u);
  EXPECT_EQ (r.rejects, 0u);
}

TEST (LatencyElements, DamagedOrMissingBandIsRejected)
{
  // Frames without any stamp: every one rejected, none read.
  ProbeResult none = run ("videotestsrc num-buffers=30 pattern=snow "
      "! video/x-raw,format=I420,width=320,height=240 "
      "! latencyprobe name=probe ! fakesink");
  EXPECT_EQ (none.count, 0u);
  EXPECT_EQ (none.rejects, 30u);

  // A stamped band with two data cells ruined on the way (as a bad encoder
  // or a lost slice would): rejected, never misread.
  ProbeResult damaged = run ("videotestsrc num-buffers=30 pattern=black "
      "! video/x-raw,format=I420,width=320,height=240 ! latencystamp "
      "! identity name=damage ! latencyprobe name=probe ! fakesink",
      [](GstElement * pipeline) {
        GstElement *damage = gst_bin_get_by_name (GST_BIN (pipeline), "damage");
        GstPad *pad = gst_element_get_static_pad (damage, "src");
        gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER,
            [](GstPad *, GstPadProbeInfo * info, gpointer) {
              GstBuffer *buffer = gst_buffer_make_writable (
                  GST_PAD_PROBE_INFO_BUFFER (info));
              GstMapInfo map;
              gst_buffer_map (buffer, &map, GST_MAP_WRITE);
              const int band = camgate::latency::default_band_height (240);
              for (int index : { 7, 31 }) {
                auto cell = camgate::latency::cell_rect (index, 320, band);
                for (int y = cell.y0; y < cell.y1; y++)
                  for (int x = cell.x0; x < cell.x1; x++)
                    map.data[y * 320 + x] = map.data[y * 320 + x] > 128 ? 16
                        : 235;
              }
              gst_buffer_unmap (buffer, &map);
              GST_PAD_PROBE_INFO_DATA (info) = buffer;
              return GST_PAD_PROBE_OK;
            }, nullptr, nullptr);
        gst_object_unref (pad);
        gst_object_unref (damage);
      });
  EXPECT_EQ (damaged.count, 0u);
  EXPECT_EQ (damaged.rejects, 30u);
}
