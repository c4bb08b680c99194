// CMAF headers and chunks: every field read back with a small test-side ISO
// BMFF reader, and real H.264 + AAC from GStreamer encoders written to a file
// that ffprobe must decode without an error.
#include "cmaf_samples.h"
#include "commands.h"
#include "segments.h"

#include <glib/gstdio.h>
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <string>

using namespace camgate::isobmff;

namespace {

// A parsed box: type, payload range and children (for container boxes).
struct Box
{
  std::string type;
  const uint8_t *data = nullptr;   // payload
  size_t size = 0;
  std::vector<Box> children;

  const Box *find (const std::string & path) const
  {
    auto slash = path.find ('/');
    std::string head = path.substr (0, slash);
    for (const auto & c : children)
      if (c.type == head)
        return slash == std::string::npos ? &c : c.find (path.substr (slash + 1));
    return nullptr;
  }
  uint32_t u32 (size_t at) const
  {
    return (uint32_t (data[at]) << 24) | (uint32_t (data[at + 1]) << 16)
        | (uint32_t (data[at + 2]) << 8) | data[at + 3];
  }
  uint16_t u16 (size_t at) const { return (data[at] << 8) | data[at + 1]; }
  uint64_t u64 (size_t at) const { return (uint64_t (u32 (at)) << 32) | u32 (at + 4); }
  std::string fourcc (size_t at) const
  {
    return std::string (reinterpret_cast<const char *> (data + at), 4);
  }
};

// Children start after this many payload bytes (0 = not a container).
size_t
children_offset (const std::string & type)
{
  static const std::map<std::string, size_t> containers = {
    { "moov", 0 }, { "trak", 0 }, { "mdia", 0 }, { "minf", 0 }, { "dinf", 0 },
    { "stbl", 0 }, { "mvex", 0 }, { "moof", 0 }, { "traf", 0 },
    { "stsd", 8 }, { "dref", 8 }, { "avc1", 78 }, { "hvc1", 78 }, { "mp4a", 28 },
    { "Opus", 28 } };
  auto it = containers.find (type);
  return it == containers.end () ? SIZE_MAX : it->second;
}

std::vector<Box>
parse (const uint8_t * data, size_t size)
{
  std::vector<Box> boxes;
  size_t at = 0;
  while (at + 8 <= size) {
    uint32_t box_size = (uint32_t (data[at]) << 24) | (data[at + 1] << 16)
        | (data[at + 2] << 8) | data[at + 3];
    EXPECT_GE (box_size, 8u);
    EXPECT_LE (at + box_size, size);
    if (box_size < 8 || at + box_size > size)
      break;
    Box box;
    box.type = std::string (reinterpret_cast<const char *> (data + at + 4), 4);
    box.data = data + at + 8;
    box.size = box_size - 8;
    size_t offset = children_offset (box.type);
    if (offset != SIZE_MAX)
      box.children = parse (box.data + offset, box.size - offset);
    boxes.push_back (box);
    at += box_size;
  }
  EXPECT_EQ (at, size) << "trailing bytes";
  return boxes;
}

}  // namespace

TEST (Isobmff, InitSegmentLayout)
{
  auto bytes = write_init_segment ({ video_track (), audio_track () });
  auto boxes = parse (bytes.data (), bytes.size ());
  ASSERT_EQ (boxes.size (), 2u);
  ASSERT_EQ (boxes[0].type, "ftyp");
  EXPECT_EQ (boxes[0].fourcc (0), "cmf2");
  std::string brands;
  for (size_t at = 8; at < boxes[0].size; at += 4)
    brands += boxes[0].fourcc (at) + " ";
  EXPECT_EQ (brands, "iso6 cmfc cmf2 caac ");

  const Box &moov = boxes[1];
  ASSERT_EQ (moov.type, "moov");
  const Box *mvhd = moov.find ("mvhd");
  ASSERT_TRUE (mvhd);
  EXPECT_EQ (mvhd->u32 (16), 0u);                  // duration 0: live
  EXPECT_EQ (mvhd->u32 (96), 3u);                  // next_track_ID

  ASSERT_EQ (std::count_if (moov.children.begin (), moov.children.end (),
          [](const Box & b) { return b.type == "trak"; }), 2);
  const Box &video = moov.children[1];
  const Box *tkhd = video.find ("tkhd");
  EXPECT_EQ (tkhd->u32 (0) & 0xffffff, 3u);        // enabled | in movie
  EXPECT_EQ (tkhd->u32 (12), 1u);                  // track_ID
  EXPECT_EQ (tkhd->u32 (76), 1920u << 16);
  EXPECT_EQ (tkhd->u32 (80), 1080u << 16);
  const Box *mdhd = video.find ("mdia/mdhd");
  EXPECT_EQ (mdhd->u32 (12), 90000u);
  EXPECT_EQ (mdhd->u32 (16), 0u);
  EXPECT_EQ (video.find ("mdia/hdlr")->fourcc (8), "vide");
  EXPECT_TRUE (video.find ("mdia/minf/vmhd"));
  EXPECT_TRUE (video.find ("mdia/minf/dinf/dref/url "));
  const Box *avcC = video.find ("mdia/minf/stbl/stsd/avc1/avcC");
  ASSERT_TRUE (avcC);
  EXPECT_EQ (std::vector<uint8_t> (avcC->data, avcC->data + avcC->size), kAvcC);
  const Box *avc1 = video.find ("mdia/minf/stbl/stsd/avc1");
  EXPECT_EQ (avc1->u16 (24), 1920);
  EXPECT_EQ (avc1->u16 (26), 1080);
  for (const char *empty : { "stts", "stsc", "stco" })
    EXPECT_EQ (video.find (std::string ("mdia/minf/stbl/") + empty)->u32 (4), 0u)
        << empty;

  const Box &audio = moov.children[2];
  EXPECT_EQ (audio.find ("mdia/mdhd")->u32 (12), 48000u);
  EXPECT_EQ (audio.find ("mdia/hdlr")->fourcc (8), "soun");
  const Box *mp4a = audio.find ("mdia/minf/stbl/stsd/mp4a");
  ASSERT_TRUE (mp4a);
  EXPECT_EQ (mp4a->u16 (16), 2);                   // channels
  EXPECT_EQ (mp4a->u32 (24), 48000u << 16);
  const Box *esds = audio.find ("mdia/minf/stbl/stsd/mp4a/esds");
  ASSERT_TRUE (esds);
  // The AudioSpecificConfig sits in DecoderSpecificInfo (tag 5).
  std::string body (reinterpret_cast<const char *> (esds->data), esds->size);
  auto dsi = body.find ("\x05\x80\x80\x80\x02");
  ASSERT_NE (dsi, std::string::npos);
  EXPECT_EQ (uint8_t (body[dsi + 5]), 0x11);
  EXPECT_EQ (uint8_t (body[dsi + 6]), 0x90);

  const Box *trex = moov.find ("mvex/trex");
  ASSERT_TRUE (trex);
  EXPECT_EQ (trex->u32 (4), 1u);
  EXPECT_EQ (trex->u32 (8), 1u);                   // sample description 1
}

TEST (Isobmff, ChunkLayoutAndDataOffsets)
{
  TrackRun video;
  video.track_id = 1;
  video.base_decode_time = 900000;
  video.samples = { { 3000, 5, true, 3000 }, { 3000, 3, false, -1500 } };
  video.data = { 1, 2, 3, 4, 5, 6, 7, 8 };
  TrackRun audio;
  audio.track_id = 2;
  audio.base_decode_time = 480000;
  audio.samples = { { 1024, 2, true, 0 } };
  audio.data = { 0xaa, 0xbb };

  auto bytes = write_chunk (7, { video, audio }, true);
  auto boxes = parse (bytes.data (), bytes.size ());
  ASSERT_EQ (boxes.size (), 3u);
  EXPECT_EQ (boxes[0].type, "styp");
  ASSERT_EQ (boxes[1].type, "moof");
  ASSERT_EQ (boxes[2].type, "mdat");
  EXPECT_EQ (boxes[1].find ("mfhd")->u32 (4), 7u);

  const Box &traf = boxes[1].children[1];
  const Box *tfhd = traf.find ("tfhd");
  EXPECT_EQ (tfhd->u32 (0), 0x020000u);            // default-base-is-moof
  EXPECT_EQ (tfhd->u32 (4), 1u);
  const Box *tfdt = traf.find ("tfdt");
  EXPECT_EQ (tfdt->data[0], 1);                     // version 1: 64 bit
  EXPECT_EQ (tfdt->u64 (4), 900000u);
  const Box *trun = traf.find ("trun");
  EXPECT_EQ (trun->data[0], 1);                     // signed offsets
  EXPECT_EQ (trun->u32 (0) & 0xffffff, 0xf01u);
  EXPECT_EQ (trun->u32 (4), 2u);
  // data_offset: from the moof's first byte to this run's first sample.
  const uint8_t *moof_start = boxes[1].data - 8;
  uint32_t offset = trun->u32 (8);
  EXPECT_EQ (moof_start[offset], 1);
  EXPECT_EQ (trun->u32 (12), 3000u);
  EXPECT_EQ (trun->u32 (16), 5u);
  EXPECT_EQ (trun->u32 (20), kSyncSampleFlags);
  EXPECT_EQ (static_cast<int32_t> (trun->u32 (24)), 3000);
  EXPECT_EQ (trun->u32 (36), kNonSyncSampleFlags);
  EXPECT_EQ (static_cast<int32_t> (trun->u32 (40)), -1500);

  const Box *audio_trun = boxes[1].children[2].find ("trun");
  EXPECT_EQ (audio_trun->data[0], 0);               // no offsets: version 0
  EXPECT_EQ (audio_trun->u32 (0) & 0xffffff, 0x701u);
  EXPECT_EQ (moof_start[audio_trun->u32 (8)], 0xaa);

  auto inner = write_chunk (8, { audio }, false);
  auto inner_boxes = parse (inner.data (), inner.size ());
  EXPECT_EQ (inner_boxes[0].type, "moof");          // no styp inside a segment
}

namespace {

struct Encoded
{
  std::vector<uint8_t> codec_data;
  std::vector<std::vector<uint8_t>> frames;
  std::vector<bool> keyframes;
  std::vector<GstClockTime> dts, pts;
};

Encoded
encode (const std::string & launch, int count)
{
  Encoded out;
  GstElement *pipeline = gst_parse_launch ((launch
          + " ! appsink name=sink sync=false").c_str (), nullptr);
  EXPECT_TRUE (pipeline);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  for (int i = 0; i < count; i++) {
    GstSample *sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink),
        10 * GST_SECOND);
    if (!sample)
      break;
    if (out.codec_data.empty ()) {
      const GstStructure *s =
          gst_caps_get_structure (gst_sample_get_caps (sample), 0);
      if (const GValue *v = gst_structure_get_value (s, "codec_data")) {
        GstMapInfo map;
        GstBuffer *cd = gst_value_get_buffer (v);
        gst_buffer_map (cd, &map, GST_MAP_READ);
        out.codec_data.assign (map.data, map.data + map.size);
        gst_buffer_unmap (cd, &map);
      }
    }
    GstBuffer *buffer = gst_sample_get_buffer (sample);
    GstMapInfo map;
    gst_buffer_map (buffer, &map, GST_MAP_READ);
    out.frames.emplace_back (map.data, map.data + map.size);
    gst_buffer_unmap (buffer, &map);
    out.keyframes.push_back (!GST_BUFFER_FLAG_IS_SET (buffer,
            GST_BUFFER_FLAG_DELTA_UNIT));
    out.dts.push_back (GST_BUFFER_DTS_OR_PTS (buffer));
    out.pts.push_back (GST_BUFFER_PTS (buffer));
    gst_sample_unref (sample);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  return out;
}

}  // namespace

TEST (Isobmff, FfprobeDecodesRealH264AndAac)
{
  if (!camgate::testing::have_program ("ffprobe"))
    GTEST_SKIP () << "ffprobe is not installed";
  // B-frames on purpose: composition offsets must be right.
  Encoded video = encode ("videotestsrc num-buffers=60 ! video/x-raw,width=320,"
      "height=240,framerate=30/1 ! x264enc bframes=2 key-int-max=30 "
      "! h264parse ! video/x-h264,stream-format=avc,alignment=au", 60);
  Encoded audio = encode ("audiotestsrc num-buffers=100 ! audio/x-raw,rate="
      "48000,channels=2 ! voaacenc ! aacparse ! audio/mpeg,stream-format=raw",
      90);
  ASSERT_EQ (video.frames.size (), 60u);
  ASSERT_FALSE (video.codec_data.empty ());
  ASSERT_GE (audio.frames.size (), 80u);

  TrackConfig v = video_track ();
  v.width = 320;
  v.height = 240;
  v.decoder_config = video.codec_data;
  TrackConfig a = audio_track ();
  a.decoder_config = audio.codec_data;
  auto file = write_init_segment ({ v, a });

  // One chunk per 10 video frames with the audio of the same time span.
  auto ticks = [](GstClockTime t, uint32_t rate) {
    return gst_util_uint64_scale (t, rate, GST_SECOND);
  };
  const GstClockTime video_base = video.dts.front ();
  size_t next_audio = 0;
  uint32_t sequence = 1;
  for (size_t first = 0; first < video.frames.size (); first += 10) {
    TrackRun vr, ar;
    vr.track_id = 1;
    ar.track_id = 2;
    vr.base_decode_time = ticks (video.dts[first] - video_base, 90000);
    for (size_t i = first; i < first + 10; i++) {
      Sample s;
      uint64_t dts = ticks (video.dts[i] - video_base, 90000);
      uint64_t next = i + 1 < video.dts.size ()
          ? ticks (video.dts[i + 1] - video_base, 90000) : dts + 3000;
      s.duration = static_cast<uint32_t> (next - dts);
      s.size = video.frames[i].size ();
      s.sync = video.keyframes[i];
      s.composition_offset = static_cast<int32_t> (
          ticks (video.pts[i] - video_base, 90000) - dts);
      vr.samples.push_back (s);
      vr.data.insert (vr.data.end (), video.frames[i].begin (),
          video.frames[i].end ());
    }
    GstClockTime span_end = first + 10 < video.dts.size ()
        ? video.dts[first + 10] : GST_CLOCK_TIME_NONE;
    ar.base_decode_time = next_audio * 1024;
    while (next_audio < audio.frames.size ()
        && (span_end == GST_CLOCK_TIME_NONE
            || audio.dts[next_audio] < span_end)) {
      ar.samples.push_back ({ 1024, static_cast<uint32_t> (
                  audio.frames[next_audio].size ()), true, 0 });
      ar.data.insert (ar.data.end (), audio.frames[next_audio].begin (),
          audio.frames[next_audio].end ());
      next_audio++;
    }
    std::vector<TrackRun> runs { vr };
    if (!ar.samples.empty ())
      runs.push_back (ar);
    auto chunk = write_chunk (sequence++, runs, video.keyframes[first]);
    file.insert (file.end (), chunk.begin (), chunk.end ());
  }

  std::string output = camgate::testing::ffprobe_frames (file);
  EXPECT_NE (output.find ("h264,60"), std::string::npos) << output;
  EXPECT_NE (output.find ("aac," + std::to_string (next_audio)),
      std::string::npos) << output;
  EXPECT_EQ (output.find ("rror"), std::string::npos) << output;
}
