// cmafchunkmux in real pipelines: header, chunk and segment boundaries, meta,
// waiting for a keyframe, and output that ffprobe decodes (H.264 with
// B-frames + AAC; H.265 + Opus).
#include "commands.h"
#include "fragment_reader.h"
#include "gstcmafmeta.h"

#include <glib/gstdio.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

using camgate::testing::ffprobe_frames;

namespace {

struct Output
{
  GstCaps *caps = nullptr;
  std::vector<GstBuffer *> buffers;
  ~Output ()
  {
    for (auto *b : buffers)
      gst_buffer_unref (b);
    if (caps)
      gst_caps_unref (caps);
  }
  std::vector<uint8_t> bytes () const
  {
    std::vector<uint8_t> all;
    for (auto *b : buffers) {
      GstMapInfo map;
      gst_buffer_map (b, &map, GST_MAP_READ);
      all.insert (all.end (), map.data, map.data + map.size);
      gst_buffer_unmap (b, &map);
    }
    return all;
  }
};

// What the appsink `sink` gives until EOS (or 20 s without a sample).
void
pull_all (GstElement * sink, Output & out)
{
  while (GstSample *sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink),
          20 * GST_SECOND)) {
    if (!out.caps)
      out.caps = gst_caps_ref (gst_sample_get_caps (sample));
    out.buffers.push_back (gst_buffer_ref (gst_sample_get_buffer (sample)));
    gst_sample_unref (sample);
  }
}

// The samples `launch` makes (an appsink is added at its end), run to EOS.
std::vector<GstSample *>
encoded_samples (const std::string & launch)
{
  GstElement *encoder = gst_parse_launch ((launch
          + " ! appsink name=enc sync=false").c_str (), nullptr);
  GstElement *enc = gst_bin_get_by_name (GST_BIN (encoder), "enc");
  gst_element_set_state (encoder, GST_STATE_PLAYING);
  std::vector<GstSample *> samples;
  while (GstSample *s = gst_app_sink_try_pull_sample (GST_APP_SINK (enc),
          10 * GST_SECOND))
    samples.push_back (s);
  gst_element_set_state (encoder, GST_STATE_NULL);
  gst_object_unref (enc);
  gst_object_unref (encoder);
  return samples;
}

// Runs `launch` (which must end in "cmafchunkmux name=m ! appsink name=out")
// to EOS and collects the muxer's output.
void
run (const std::string & launch, Output & out,
    const std::function<void (GstElement *)> & prepare = {})
{
  GError *error = nullptr;
  GstElement *pipeline = gst_parse_launch (launch.c_str (), &error);
  ASSERT_TRUE (pipeline) << (error ? error->message : "");
  if (prepare)
    prepare (pipeline);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "out");
  g_object_set (sink, "sync", FALSE, nullptr);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  pull_all (sink, out);
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  EXPECT_EQ (msg, nullptr) << "pipeline error";
  if (msg)
    gst_message_unref (msg);
  gst_object_unref (bus);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
}

}  // namespace

TEST (CmafChunkMux, HeaderChunksSegmentsAndMeta)
{
  Output out;
  run ("videotestsrc num-buffers=150 ! video/x-raw,width=320,height=240,"
      "framerate=30/1 ! x264enc key-int-max=30 bframes=2 ! h264parse "
      "! cmafchunkmux name=m chunk-duration=200000000 "
      "segment-duration=2000000000 ! appsink name=out "
      "audiotestsrc num-buffers=230 ! audio/x-raw,rate=48000 ! voaacenc "
      "! aacparse ! m.audio", out);
  ASSERT_GE (out.buffers.size (), 20u);

  // The header: flagged, described, and in the caps as streamheader.
  GstBuffer *header = out.buffers[0];
  EXPECT_TRUE (GST_BUFFER_FLAG_IS_SET (header, GST_BUFFER_FLAG_HEADER));
  GstCmafChunkMeta *meta = gst_buffer_get_cmaf_chunk_meta (header);
  ASSERT_NE (meta, nullptr);
  EXPECT_EQ (meta->flags, GST_CMAF_CHUNK_HEADER);
  const GValue *streamheader = gst_structure_get_value (
      gst_caps_get_structure (out.caps, 0), "streamheader");
  ASSERT_NE (streamheader, nullptr);
  EXPECT_EQ (gst_buffer_get_size (gst_value_get_buffer (
              gst_value_array_get_value (streamheader, 0))),
      gst_buffer_get_size (header));

  GstClockTime total = 0;
  guint64 segments = 0;
  guint expected_part = 0;
  for (size_t i = 1; i < out.buffers.size (); i++) {
    GstBuffer *chunk = out.buffers[i];
    meta = gst_buffer_get_cmaf_chunk_meta (chunk);
    ASSERT_NE (meta, nullptr) << i;
    bool segment_start = meta->flags & GST_CMAF_CHUNK_SEGMENT_START;
    bool independent = meta->flags & GST_CMAF_CHUNK_INDEPENDENT;
    if (segment_start) {
      // Segments start on keyframes, at least segment-duration apart.
      EXPECT_TRUE (independent) << i;
      EXPECT_EQ (meta->part, 0u);
      EXPECT_EQ (meta->segment, segments);
      segments++;
      expected_part = 0;
    } else {
      EXPECT_EQ (meta->part, expected_part) << i;
    }
    expected_part++;
    EXPECT_EQ (GST_BUFFER_FLAG_IS_SET (chunk, GST_BUFFER_FLAG_DELTA_UNIT),
        !independent);
    // Parts never exceed the target, and only the last part of a segment
    // may be much shorter.
    EXPECT_LE (meta->duration, 200 * GST_MSECOND + GST_MSECOND) << i;
    if (i + 1 < out.buffers.size ()) {
      GstCmafChunkMeta *next = gst_buffer_get_cmaf_chunk_meta (out.buffers[i + 1]);
      if (!(next->flags & GST_CMAF_CHUNK_SEGMENT_START)) {
        EXPECT_GE (meta->duration, 150 * GST_MSECOND) << i;
      }
    }
    total += meta->duration;
  }
  // 150 frames at 30 fps, a keyframe each second, 2 s segments.
  EXPECT_EQ (segments, 3u);
  EXPECT_NEAR ((double) total / GST_SECOND, 5.0, 0.05);
  EXPECT_EQ (ffprobe_frames (out.bytes ()), "h264,150\naac,230\n");
}

TEST (CmafChunkMux, FramesWithoutTimestampsFollowTheOneBefore)
{
  // As AAC frames unpacked from one RTP packet arrive: only the first of
  // every four carries a timestamp (the parser still knows each one's
  // duration). None may be lost, nor the video held back.
  Output out;
  run ("videotestsrc num-buffers=60 ! video/x-raw,width=320,height=240,"
      "framerate=30/1 ! x264enc key-int-max=30 ! h264parse "
      "! cmafchunkmux name=m ! appsink name=out "
      "audiotestsrc num-buffers=92 ! audio/x-raw,rate=48000 ! voaacenc "
      "! aacparse name=aac ! m.audio", out, [](GstElement * pipeline) {
        GstElement *aac = gst_bin_get_by_name (GST_BIN (pipeline), "aac");
        GstPad *pad = gst_element_get_static_pad (aac, "src");
        gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER,
            [](GstPad *, GstPadProbeInfo * info, gpointer) {
              static thread_local guint64 count = 0;
              if (count++ % 4 != 0) {
                GstBuffer *buffer = gst_buffer_make_writable (
                    GST_PAD_PROBE_INFO_BUFFER (info));
                GST_BUFFER_PTS (buffer) = GST_BUFFER_DTS (buffer) =
                    GST_CLOCK_TIME_NONE;
                GST_PAD_PROBE_INFO_DATA (info) = buffer;
              }
              return GST_PAD_PROBE_OK;
            }, nullptr, nullptr);
        gst_object_unref (pad);
        gst_object_unref (aac);
      });
  std::string probe = ffprobe_frames (out.bytes ());
  if (!probe.empty ()) {
    EXPECT_EQ (probe, "h264,60\naac,92\n");
  }
}

TEST (CmafChunkMux, WaitsForAKeyframe)
{
  // Encode 90 frames (keyframes at 0, 30, 60), then feed the muxer from
  // frame 5: it must drop everything before frame 30.
  auto samples = encoded_samples ("videotestsrc num-buffers=90 "
      "! video/x-raw,width=160,height=120,framerate=30/1 ! x264enc "
      "key-int-max=30 ! h264parse ! video/x-h264,stream-format=avc");
  ASSERT_EQ (samples.size (), 90u);

  GstElement *pipeline = gst_parse_launch ("appsrc name=src format=time "
      "! cmafchunkmux name=m ! appsink name=out sync=false", nullptr);
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "out");
  g_object_set (src, "caps", gst_sample_get_caps (samples[0]), nullptr);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  for (size_t i = 5; i < samples.size (); i++)
    gst_app_src_push_buffer (GST_APP_SRC (src),
        gst_buffer_ref (gst_sample_get_buffer (samples[i])));
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  Output out;
  pull_all (sink, out);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (pipeline);

  ASSERT_GE (out.buffers.size (), 2u);
  GstCmafChunkMeta *first = gst_buffer_get_cmaf_chunk_meta (out.buffers[1]);
  EXPECT_TRUE (first->flags & GST_CMAF_CHUNK_SEGMENT_START);
  EXPECT_TRUE (first->flags & GST_CMAF_CHUNK_INDEPENDENT);
  EXPECT_EQ (GST_BUFFER_PTS (out.buffers[1]),
      GST_BUFFER_DTS_OR_PTS (gst_sample_get_buffer (samples[30])));
  EXPECT_EQ (ffprobe_frames (out.bytes ()), "h264,60\n");
  for (auto *s : samples)
    gst_sample_unref (s);
}

TEST (CmafChunkMux, PartsStayWithinTheTargetWhenFramesComeLate)
{
  // A live camera's encoder skips frames now and then: one in five frames
  // of a 30 fps stream is missing (seeded), the rest come up to 8 ms late. A part
  // may only hold a frame whose real duration (up to the next frame) fits.
  auto samples = encoded_samples ("videotestsrc num-buffers=150 "
      "! video/x-raw,width=160,height=120,framerate=30/1 ! x264enc "
      "key-int-max=60 tune=zerolatency ! h264parse "
      "! video/x-h264,stream-format=avc,alignment=au");
  ASSERT_EQ (samples.size (), 150u);

  GstElement *pipeline = gst_parse_launch ("appsrc name=src format=time "
      "! cmafchunkmux name=m chunk-duration=200000000 "
      "segment-duration=2000000000 ! appsink name=out sync=false", nullptr);
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "out");
  g_object_set (src, "caps", gst_sample_get_caps (samples[0]), nullptr);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  GRand *rand = g_rand_new_with_seed (30);
  for (size_t i = 0; i < samples.size (); i++) {
    GstBuffer *frame = gst_sample_get_buffer (samples[i]);
    if (g_rand_int_range (rand, 0, 5) == 0 && GST_BUFFER_FLAG_IS_SET (frame,
            GST_BUFFER_FLAG_DELTA_UNIT))
      continue;
    frame = gst_buffer_copy (frame);
    GST_BUFFER_PTS (frame) = GST_BUFFER_DTS (frame) = i * GST_SECOND / 30
        + g_rand_int_range (rand, 0, 9) * GST_MSECOND;
    GST_BUFFER_DURATION (frame) = GST_CLOCK_TIME_NONE;
    gst_app_src_push_buffer (GST_APP_SRC (src), frame);
  }
  g_rand_free (rand);
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  Output out;
  pull_all (sink, out);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  for (auto *s : samples)
    gst_sample_unref (s);

  ASSERT_GE (out.buffers.size (), 20u);
  GstClockTime total = 0;
  for (size_t i = 1; i < out.buffers.size (); i++) {
    GstCmafChunkMeta *meta = gst_buffer_get_cmaf_chunk_meta (out.buffers[i]);
    ASSERT_NE (meta, nullptr);
    EXPECT_LE (meta->duration, 200 * GST_MSECOND + GST_MSECOND) << i;
    total += meta->duration;
  }
  EXPECT_NEAR ((double) total / GST_SECOND, 5.0, 0.1);
}

TEST (CmafChunkMux, H265AndOpusDecode)
{
  Output out;
  run ("videotestsrc num-buffers=60 ! video/x-raw,width=320,height=240,"
      "framerate=30/1 ! x265enc key-int-max=30 ! h265parse "
      "! video/x-h265,stream-format=hvc1 ! cmafchunkmux name=m "
      "! appsink name=out audiotestsrc num-buffers=100 ! audioconvert "
      "! opusenc ! opusparse ! m.audio", out);
  ASSERT_GE (out.buffers.size (), 5u);
  std::string frames = ffprobe_frames (out.bytes ());
  EXPECT_NE (frames.find ("hevc,60"), std::string::npos) << frames;
  EXPECT_NE (frames.find ("opus,"), std::string::npos) << frames;
  EXPECT_EQ (frames.find ("rror"), std::string::npos) << frames;
}

TEST (CmafChunkMux, APadReleasedWhileRunningDropsItsTrack)
{
  // The audio pad is released from the audio branch's streaming thread
  // while the muxer aggregates on its own: the muxer must finish the pad's
  // track there, go on with the video alone, and keep no reference.
  struct Release
  {
    GstElement *mux = nullptr;
    int buffers = 0;
    std::atomic<bool> done { false };
  } release;
  Output out;
  run ("videotestsrc is-live=true num-buffers=60 ! video/x-raw,framerate=30/1,"
      "width=160,height=120 ! x264enc tune=zerolatency key-int-max=15 "
      "! h264parse ! m.video audiotestsrc is-live=true ! audio/x-raw,"
      "rate=48000 ! voaacenc ! aacparse ! queue name=aq ! m.audio "
      "cmafchunkmux name=m chunk-duration=200000000 ! appsink name=out", out,
      [&](GstElement * pipeline) {
        release.mux = gst_bin_get_by_name (GST_BIN (pipeline), "m");
        GstElement *queue = gst_bin_get_by_name (GST_BIN (pipeline), "aq");
        GstPad *queue_src = gst_element_get_static_pad (queue, "src");
        gst_pad_add_probe (queue_src, GST_PAD_PROBE_TYPE_BUFFER,
            +[](GstPad * pad, GstPadProbeInfo *, gpointer data) {
              auto *r = static_cast<Release *> (data);
              if (r->done)
                return GST_PAD_PROBE_DROP;
              if (++r->buffers < 30)
                return GST_PAD_PROBE_OK;
              GstPad *peer = gst_pad_get_peer (pad);
              gst_pad_unlink (pad, peer);
              gst_element_release_request_pad (r->mux, peer);
              gst_object_unref (peer);
              r->done = true;
              return GST_PAD_PROBE_DROP;
            }, &release, nullptr);
        gst_object_unref (queue_src);
        gst_object_unref (queue);
      });
  EXPECT_TRUE (release.done);
  gst_clear_object (&release.mux);

  // The stream reached its end; the last chunk holds the video alone.
  ASSERT_GE (out.buffers.size (), 3u);
  GstMapInfo map;
  gst_buffer_map (out.buffers.back (), &map, GST_MAP_READ);
  camgate::isobmff::MovieFragment fragment;
  auto moof = camgate::isobmff::find_box (map.data, 0, map.size,
      camgate::isobmff::fourcc ("moof"));
  ASSERT_TRUE (moof);
  EXPECT_TRUE (camgate::isobmff::read_movie_fragment (map.data, *moof,
          fragment));
  EXPECT_EQ (fragment.trafs.size (), 1u);
  gst_buffer_unmap (out.buffers.back (), &map);
}

namespace {

// A chunk's segment number, whether it starts one, and its video decode
// time (tfdt).
struct ChunkTiming
{
  guint64 segment;
  bool segment_start;
  uint64_t decode_time;
};

std::vector<ChunkTiming>
chunk_timings (const Output & out)
{
  std::vector<ChunkTiming> timings;
  for (size_t i = 1; i < out.buffers.size (); i++) {
    GstCmafChunkMeta *meta = gst_buffer_get_cmaf_chunk_meta (out.buffers[i]);
    GstMapInfo map;
    gst_buffer_map (out.buffers[i], &map, GST_MAP_READ);
    auto moof = camgate::isobmff::find_box (map.data, 0, map.size,
        camgate::isobmff::fourcc ("moof"));
    camgate::isobmff::MovieFragment fragment;
    if (meta && moof && camgate::isobmff::read_movie_fragment (map.data,
            *moof, fragment) && !fragment.trafs.empty ())
      timings.push_back ({ meta->segment,
            (meta->flags & GST_CMAF_CHUNK_SEGMENT_START) != 0,
            fragment.trafs[0].decode_time });
    gst_buffer_unmap (out.buffers[i], &map);
  }
  return timings;
}

// A pipeline "appsrc name=src ! <mux> ! appsink name=out" on base time 0,
// so that two of them share clock times.
GstElement *
muxing_pipeline (const std::string & mux, GstCaps * caps)
{
  GstElement *pipeline = gst_parse_launch (("appsrc name=src format=time ! "
          + mux + " ! appsink name=out sync=false").c_str (), nullptr);
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  g_object_set (src, "caps", caps, nullptr);
  gst_object_unref (src);
  gst_element_set_start_time (pipeline, GST_CLOCK_TIME_NONE);
  gst_element_set_base_time (pipeline, 0);
  return pipeline;
}

// Pushes samples[from..] (their times moved by `shift(i)`) and collects the
// output until EOS.
void
feed (GstElement * pipeline, const std::vector<GstSample *> & samples,
    size_t from, const std::function<GstClockTime (size_t)> & shift,
    Output & out)
{
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "out");
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  for (size_t i = from; i < samples.size (); i++) {
    GstBuffer *buffer = gst_buffer_copy (gst_sample_get_buffer (samples[i]));
    GST_BUFFER_PTS (buffer) += shift (i);
    if (GST_BUFFER_DTS_IS_VALID (buffer))
      GST_BUFFER_DTS (buffer) += shift (i);
    gst_app_src_push_buffer (GST_APP_SRC (src), buffer);
  }
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  pull_all (sink, out);
  gst_object_unref (src);
  gst_object_unref (sink);
}

}  // namespace

TEST (CmafChunkMux, AFollowerCutsSegmentsWhereItsLeaderDoes)
{
  // Keyframes every 20 frames (0.67 s); the leader's 1 s segments start at
  // frames 0, 40, 80, 120...; the follower, asked for 0.5 s segments of its
  // own, starts at frame 50, 40 ms (and a few microseconds of rounding)
  // later on the clock, as an encoded rendition of the same pictures would.
  auto samples = encoded_samples ("videotestsrc num-buffers=240 "
      "! video/x-raw,width=160,height=120,framerate=30/1 ! x264enc "
      "key-int-max=20 ! h264parse ! video/x-h264,stream-format=avc");
  ASSERT_EQ (samples.size (), 240u);
  GstCaps *caps = gst_sample_get_caps (samples[0]);

  GstElement *leading = muxing_pipeline ("cmafchunkmux name=m "
      "segment-duration=1000000000", caps);
  Output led;
  feed (leading, samples, 0, [](size_t) { return 0; }, led);

  GstElement *following = muxing_pipeline ("cmafchunkmux name=m "
      "segment-duration=500000000", caps);
  GstElement *leader = gst_bin_get_by_name (GST_BIN (leading), "m");
  GstElement *follower = gst_bin_get_by_name (GST_BIN (following), "m");
  g_object_set (follower, "align-to", leader, nullptr);
  Output followed;
  feed (following, samples, 50, [](size_t i) {
        return 40 * GST_MSECOND + (i % 3) * 4 * GST_USECOND;
      }, followed);

  gst_element_set_state (following, GST_STATE_NULL);
  gst_element_set_state (leading, GST_STATE_NULL);
  gst_object_unref (follower);
  gst_object_unref (leader);
  gst_object_unref (following);
  gst_object_unref (leading);
  for (auto *s : samples)
    gst_sample_unref (s);

  auto leader_chunks = chunk_timings (led);
  auto follower_chunks = chunk_timings (followed);
  std::map<guint64, uint64_t> leader_starts;
  for (const auto & c : leader_chunks)
    if (c.segment_start)
      leader_starts[c.segment] = c.decode_time;
  ASSERT_GE (leader_starts.size (), 5u);
  std::map<guint64, uint64_t> follower_starts;
  for (const auto & c : follower_chunks)
    if (c.segment_start)
      follower_starts[c.segment] = c.decode_time;
  // It starts at frame 80 (frame 60, its first keyframe, starts no segment
  // of the leader's): segment 2, at 80/30 s.
  ASSERT_FALSE (follower_chunks.empty ());
  EXPECT_TRUE (follower_chunks.front ().segment_start);
  EXPECT_EQ (follower_chunks.front ().segment, 2u);
  EXPECT_NEAR ((double) follower_chunks.front ().decode_time, 80.0 * 3000, 1);
  // Every one of its segments is the leader's: same number, same decode
  // time, and none of the leader's is missing.
  EXPECT_GE (follower_starts.size (), 4u);
  ASSERT_FALSE (follower_starts.empty ());
  for (const auto & [segment, decode_time] : follower_starts) {
    EXPECT_TRUE (leader_starts.count (segment)) << segment;
    EXPECT_EQ (decode_time, leader_starts[segment]) << segment;
  }
  for (const auto & [segment, decode_time] : leader_starts) {
    if (segment >= 2 && segment <= follower_starts.rbegin ()->first) {
      EXPECT_TRUE (follower_starts.count (segment)) << segment;
    }
  }

}
