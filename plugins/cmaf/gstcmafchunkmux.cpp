/**
 * SECTION:element-cmafchunkmux
 * @title: cmafchunkmux
 * @short_description: H.264/H.265 + AAC/Opus into low-latency CMAF chunks
 *
 * cmafchunkmux writes a CMAF header (ftyp + moov with mvex) and then chunks
 * ([styp] + moof + mdat), each chunk a low-latency part. Segments start on
 * video keyframes once #GstCmafChunkMux:segment-duration has passed; within a
 * segment a chunk closes before the sample that would make it longer than
 * #GstCmafChunkMux:chunk-duration (LL-HLS parts must not exceed the part
 * target), and a chunk that starts with a keyframe is independent. Until the first video keyframe
 * arrives nothing is written, so no undecodable segment is ever produced.
 *
 * Sink pads: `video` (H.264 avc/au, H.265 hvc1/hev1 au) and `audio` (AAC raw,
 * Opus). One moof carries one traf per track (tfhd default-base-is-moof, tfdt
 * v1, trun with per-sample duration, size, flags and — for B-frames — signed
 * composition offsets).
 *
 * With #GstCmafChunkMux:align-to naming another cmafchunkmux (the "leader",
 * typically in another pipeline on the same clock) packaging the same
 * pictures at another size or bitrate, segments line up with the leader's:
 * this muxer starts at a keyframe that starts one of the leader's segments
 * (found by clock time: its buffers may arrive up to a second later), takes
 * that segment's number and decode time, and then cuts a segment exactly
 * where the leader cut one. Decode times (tfdt) of matching keyframes are
 * identical, as adaptive-bitrate players need to switch between the two.
 *
 * Every output buffer carries a #GstCmafChunkMeta (header / segment start /
 * independent, duration, segment and part numbers) so a sink needs no box
 * parsing; the header is also the src caps' streamheader.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 videotestsrc is-live=true ! x264enc tune=zerolatency
 *     key-int-max=50 ! h264parse ! cmafchunkmux name=m ! filesink
 *     location=out.mp4 audiotestsrc is-live=true ! voaacenc ! aacparse ! m.audio
 * ]|
 *
 * Since: 0.1
 */
#include "gstcmafchunkmux.h"

#include "gstcmafcaps.h"
#include "gstcmafmeta.h"
#include "media_codec.h"
#include "segments.h"

#include <algorithm>
#include <deque>
#include <mutex>
#include <optional>
#include <vector>

GST_DEBUG_CATEGORY_STATIC (gst_cmaf_chunk_mux_debug);
#define GST_CAT_DEFAULT gst_cmaf_chunk_mux_debug

#define DEFAULT_CHUNK_DURATION (200 * GST_MSECOND)
#define DEFAULT_SEGMENT_DURATION (2 * GST_SECOND)
// Timestamps rounded by encoders and scaling land a nanosecond or so short of
// a boundary: count them as on it.
#define BOUNDARY_SLACK GST_MSECOND

// A follower's keyframe arrives after the leader's (it was encoded from
// it): by up to this much clock time.
#define MAX_FOLLOWER_LAG GST_SECOND
// A follower whose leader offers no keyframe to start at by then starts on
// its own (players may not switch between the two cleanly).
#define MAX_FOLLOWER_WAIT (10 * GST_SECOND)
// The leader's keyframes kept for followers.
#define KEPT_KEYFRAMES 64

enum
{
  PROP_0,
  PROP_CHUNK_DURATION,
  PROP_SEGMENT_DURATION,
  PROP_ALIGN_TO,
};

namespace isobmff = camgate::isobmff;

namespace {

struct Pending
{
  GstBuffer *buffer = nullptr;
  uint64_t dts = 0;                // ticks since the origin
  int64_t pts = 0;
  bool sync = false;
};

struct Track
{
  GstAggregatorPad *pad = nullptr;  // a reference, dropped with the track
  isobmff::TrackConfig config;
  bool video = false;
  std::optional<Pending> pending;
  uint32_t last_duration = 0;
  std::vector<isobmff::Sample> samples;  // committed to the open chunk
  std::vector<uint8_t> data;
  uint64_t run_start = 0;
  // Where the next buffer starts (running time) when it carries no time.
  std::optional<gint64> next_rt;
};

// A keyframe the muxer wrote, as a follower needs it.
struct Keyframe
{
  gint64 clock_time = 0;           // its decode time on the pipeline clock
  GstClockTime decode = 0;         // relative to the origin
  bool segment_start = false;
  guint64 segment = 0;             // the segment it is in
};

}  // namespace

struct GstCmafChunkMuxPrivate
{
  std::mutex lock;                 // properties
  GstClockTime chunk_duration = DEFAULT_CHUNK_DURATION;
  GstClockTime segment_duration = DEFAULT_SEGMENT_DURATION;

  // Only the aggregating thread reads or changes `tracks`; release_pad
  // (an application thread) queues the pad in `released`, and the next
  // aggregate drops its track. The track holds a pad reference until then.
  std::vector<Track> tracks;
  std::mutex released_lock;
  std::vector<GstPad *> released;
  bool header_sent = false;
  bool have_origin = false;
  gint64 origin = 0;               // running time of tick 0: first keyframe
  GstClockTime chunk_start = 0;    // relative to the origin
  GstClockTime segment_start = 0;
  bool chunk_is_segment_start = true;
  bool chunk_independent = true;
  guint64 segment = 0;
  guint part = 0;
  uint32_t sequence = 1;

  // Leader side: the last keyframes written, for followers' threads.
  std::mutex keyframes_lock;
  std::deque<Keyframe> keyframes;
  // Follower side (align_to under `lock`): the clock time of the first
  // keyframe that found no match, and whether it gave up following.
  GstCmafChunkMux *align_to = nullptr;
  std::optional<gint64> waiting_since;
  bool on_its_own = false;

  static void drop (Track & t)
  {
    if (t.pending)
      gst_buffer_unref (t.pending->buffer);
    gst_object_unref (t.pad);
  }

  // Drops the tracks of pads released since the last call.
  void forget_released ()
  {
    std::vector<GstPad *> gone;
    {
      std::lock_guard<std::mutex> lk (released_lock);
      gone.swap (released);
    }
    for (GstPad *pad : gone) {
      auto it = std::find_if (tracks.begin (), tracks.end (),
          [&](const Track & t) { return GST_PAD (t.pad) == pad; });
      if (it != tracks.end ()) {
        drop (*it);
        tracks.erase (it);
      }
    }
  }

  void reset ()
  {
    for (auto & t : tracks)
      drop (t);
    tracks.clear ();
    {
      std::lock_guard<std::mutex> lk (released_lock);
      released.clear ();
    }
    header_sent = false;
    have_origin = false;
    origin = 0;
    chunk_start = segment_start = 0;
    chunk_is_segment_start = chunk_independent = true;
    segment = 0;
    part = 0;
    sequence = 1;
    waiting_since.reset ();
    on_its_own = false;
    std::lock_guard<std::mutex> lk (keyframes_lock);
    keyframes.clear ();
  }
};

struct _GstCmafChunkMux
{
  GstAggregator parent;
  GstCmafChunkMuxPrivate *priv;
};

#define gst_cmaf_chunk_mux_parent_class parent_class
G_DEFINE_TYPE (GstCmafChunkMux, gst_cmaf_chunk_mux, GST_TYPE_AGGREGATOR);
GST_ELEMENT_REGISTER_DEFINE (cmafchunkmux, "cmafchunkmux", GST_RANK_NONE,
    GST_TYPE_CMAF_CHUNK_MUX);

static GstStaticPadTemplate video_template = GST_STATIC_PAD_TEMPLATE ("video",
    GST_PAD_SINK, GST_PAD_REQUEST, GST_STATIC_CAPS (GST_CMAF_VIDEO_CAPS));
static GstStaticPadTemplate audio_template = GST_STATIC_PAD_TEMPLATE ("audio",
    GST_PAD_SINK, GST_PAD_REQUEST, GST_STATIC_CAPS (GST_CMAF_AUDIO_CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("video/quicktime, variant=(string)iso-fragmented"));

namespace {

Track *
track_for (GstCmafChunkMuxPrivate * priv, GstAggregatorPad * pad)
{
  for (auto & t : priv->tracks)
    if (t.pad == pad)
      return &t;
  return nullptr;
}

std::vector<uint8_t>
buffer_bytes (GstBuffer * buffer)
{
  GstMapInfo map;
  std::vector<uint8_t> bytes;
  if (gst_buffer_map (buffer, &map, GST_MAP_READ)) {
    bytes.assign (map.data, map.data + map.size);
    gst_buffer_unmap (buffer, &map);
  }
  return bytes;
}

// Fills `config` from caps; false with a reason when they cannot be muxed.
bool
configure_track (GstCaps * caps, Track & track, std::string & error)
{
  const GstStructure *s = gst_caps_get_structure (caps, 0);
  const camgate::MediaCodec *codec = camgate::codec_for_caps (s);
  if (!codec || codec->cmaf != camgate::Carriage::AsIs) {
    error = std::string ("unsupported caps ") + gst_structure_get_name (s);
    return false;
  }
  auto & c = track.config;
  c.codec = codec->id;
  track.video = codec->video;
  const GValue *codec_data = gst_structure_get_value (s, "codec_data");
  if (codec->video) {
    c.timescale = 90000;
    gint width = 0, height = 0;
    gst_structure_get_int (s, "width", &width);
    gst_structure_get_int (s, "height", &height);
    c.width = static_cast<uint16_t> (width);
    c.height = static_cast<uint16_t> (height);
    if (!codec_data) {
      error = "video caps without codec_data (put h264parse/h265parse before "
          "the muxer)";
      return false;
    }
  } else if (codec->id == camgate::CodecId::AAC) {
    gint rate = 0, channels = 0;
    gst_structure_get_int (s, "rate", &rate);
    gst_structure_get_int (s, "channels", &channels);
    c.sample_rate = rate;
    c.timescale = rate > 0 ? rate : 48000;
    c.channels = static_cast<uint16_t> (channels);
    if (!codec_data) {
      error = "AAC caps without codec_data (put aacparse before the muxer)";
      return false;
    }
  } else {                         // Opus
    gint rate = 48000, channels = 2;
    gst_structure_get_int (s, "rate", &rate);
    gst_structure_get_int (s, "channels", &channels);
    c.sample_rate = rate;
    c.timescale = 48000;
    c.channels = static_cast<uint16_t> (channels);
    c.opus_pre_skip = 312;
    // The OpusHead in the streamheader knows the real pre-skip.
    const GValue *headers = gst_structure_get_value (s, "streamheader");
    if (headers && GST_VALUE_HOLDS_ARRAY (headers)
        && gst_value_array_get_size (headers) > 0) {
      auto head = buffer_bytes (gst_value_get_buffer (
              gst_value_array_get_value (headers, 0)));
      if (head.size () >= 12 && std::equal (head.begin (), head.begin () + 8,
              "OpusHead"))
        c.opus_pre_skip = head[10] | (head[11] << 8);
    }
  }
  if (codec_data)
    c.decoder_config = buffer_bytes (gst_value_get_buffer (codec_data));
  return true;
}

uint64_t
to_ticks (GstClockTime t, uint32_t timescale)
{
  return gst_util_uint64_scale (t, timescale, GST_SECOND);
}

// Signed running time: with B-frames the first DTS lies before the segment
// start (encoders shift PTS so that DTS is never negative in stream time).
bool
signed_running_time (const GstSegment * segment, GstClockTime ts,
    gint64 * out)
{
  if (!GST_CLOCK_TIME_IS_VALID (ts))
    return false;
  guint64 rt = 0;
  int sign = gst_segment_to_running_time_full (segment, GST_FORMAT_TIME, ts,
      &rt);
  if (sign == 0)
    return false;
  *out = sign > 0 ? (gint64) rt : -(gint64) rt;
  return true;
}

// Running time of a buffer's decode time. A depayloader that unpacks
// several frames from one packet (AAC from RTP) stamps only the first: the
// others follow on from the one before.
bool
decode_running_time (const Track & track, GstBuffer * buffer, gint64 * out)
{
  if (signed_running_time (&track.pad->segment, GST_BUFFER_DTS_OR_PTS (buffer),
          out))
    return true;
  if (!track.next_rt)
    return false;
  *out = *track.next_rt;
  return true;
}

// Adds the pending sample to the open chunk, now that its duration is known.
void
commit_pending (Track & track, uint32_t duration)
{
  Pending & p = *track.pending;
  if (track.samples.empty ())
    track.run_start = p.dts;
  GstMapInfo map;
  gst_buffer_map (p.buffer, &map, GST_MAP_READ);
  track.data.insert (track.data.end (), map.data, map.data + map.size);
  isobmff::Sample sample;
  sample.duration = duration;
  sample.size = static_cast<uint32_t> (map.size);
  sample.sync = p.sync;
  sample.composition_offset = static_cast<int32_t> (p.pts - (int64_t) p.dts);
  gst_buffer_unmap (p.buffer, &map);
  track.samples.push_back (sample);
  track.last_duration = duration;
  gst_buffer_unref (p.buffer);
  track.pending.reset ();
}

GstFlowReturn
send_header (GstCmafChunkMux * self)
{
  auto priv = self->priv;
  std::vector<isobmff::TrackConfig> configs;
  uint32_t id = 1;
  for (auto & t : priv->tracks) {
    t.config.track_id = id++;
    configs.push_back (t.config);
  }
  auto bytes = isobmff::write_init_segment (configs);
  GstBuffer *header = gst_buffer_new_memdup (bytes.data (), bytes.size ());
  GST_BUFFER_FLAG_SET (header, GST_BUFFER_FLAG_HEADER);
  GstCmafChunkMeta *meta = gst_buffer_add_cmaf_chunk_meta (header);
  meta->flags = GST_CMAF_CHUNK_HEADER;

  GstCaps *caps = gst_caps_new_simple ("video/quicktime", "variant",
      G_TYPE_STRING, "iso-fragmented", nullptr);
  GValue headers = G_VALUE_INIT, item = G_VALUE_INIT;
  g_value_init (&headers, GST_TYPE_ARRAY);
  g_value_init (&item, GST_TYPE_BUFFER);
  gst_value_set_buffer (&item, header);
  gst_value_array_append_and_take_value (&headers, &item);
  gst_caps_set_value (caps, "streamheader", &headers);
  g_value_unset (&headers);
  gst_aggregator_set_src_caps (GST_AGGREGATOR (self), caps);
  gst_caps_unref (caps);

  priv->header_sent = true;
  GST_INFO_OBJECT (self, "header of %zu bytes, %zu tracks", bytes.size (),
      configs.size ());
  return gst_aggregator_finish_buffer (GST_AGGREGATOR (self), header);
}

// Writes the open chunk (if it holds anything) and starts the next one at
// running time `next_start`.
GstFlowReturn
close_chunk (GstCmafChunkMux * self, GstClockTime next_start,
    bool next_is_segment_start, bool next_independent)
{
  auto priv = self->priv;
  std::vector<isobmff::TrackRun> runs;
  for (auto & t : priv->tracks) {
    if (t.samples.empty ())
      continue;
    isobmff::TrackRun run;
    run.track_id = t.config.track_id;
    run.base_decode_time = t.run_start;
    run.samples = std::move (t.samples);
    run.data = std::move (t.data);
    runs.push_back (std::move (run));
    t.samples.clear ();
    t.data.clear ();
  }
  GstFlowReturn ret = GST_FLOW_OK;
  if (!runs.empty ()) {
    auto bytes = isobmff::write_chunk (priv->sequence, runs,
        priv->chunk_is_segment_start);
    GstBuffer *chunk = gst_buffer_new_memdup (bytes.data (), bytes.size ());
    GstCmafChunkMeta *meta = gst_buffer_add_cmaf_chunk_meta (chunk);
    meta->flags = (GstCmafChunkFlags)
        ((priv->chunk_is_segment_start ? GST_CMAF_CHUNK_SEGMENT_START : 0)
        | (priv->chunk_independent ? GST_CMAF_CHUNK_INDEPENDENT : 0));
    meta->duration = next_start - priv->chunk_start;
    meta->segment_start =
        (GstClockTime) MAX (0, priv->origin + (gint64) priv->segment_start);
    meta->segment = priv->segment;
    meta->part = priv->part;
    meta->sequence = priv->sequence;
    GST_BUFFER_PTS (chunk) = GST_BUFFER_DTS (chunk) =
        (GstClockTime) MAX (0, priv->origin + (gint64) priv->chunk_start);
    GST_BUFFER_DURATION (chunk) = meta->duration;
    if (!priv->chunk_independent)
      GST_BUFFER_FLAG_SET (chunk, GST_BUFFER_FLAG_DELTA_UNIT);
    GST_LOG_OBJECT (self, "chunk %u: segment %" G_GUINT64_FORMAT " part %u, %"
        GST_TIME_FORMAT ", %zu bytes", priv->sequence, priv->segment,
        priv->part, GST_TIME_ARGS (meta->duration), bytes.size ());
    priv->sequence++;
    ret = gst_aggregator_finish_buffer (GST_AGGREGATOR (self), chunk);
    if (next_is_segment_start) {
      priv->segment++;
      priv->part = 0;
    } else {
      priv->part++;
    }
  }
  priv->chunk_start = next_start;
  if (next_is_segment_start)
    priv->segment_start = next_start;
  priv->chunk_is_segment_start = next_is_segment_start;
  priv->chunk_independent = next_independent;
  return ret;
}

// Whether the open chunk holds anything (of any track).
bool
chunk_has_samples (const GstCmafChunkMuxPrivate * priv)
{
  return std::any_of (priv->tracks.begin (), priv->tracks.end (),
      [](const Track & t) { return !t.samples.empty (); });
}

// The held-back sample's real duration is known once the next one arrives:
// when it would carry the open part past its target (a frame the encoder
// skipped, one that came late), the part ends before it. The estimate made
// when the sample arrived cannot see that.
GstFlowReturn
end_part_before_pending (GstCmafChunkMux * self, const Track & track,
    int64_t duration)
{
  auto priv = self->priv;
  const uint32_t timescale = track.config.timescale;
  const GstClockTime start = gst_util_uint64_scale (track.pending->dts,
      GST_SECOND, timescale);
  const GstClockTime end = gst_util_uint64_scale (track.pending->dts
      + duration, GST_SECOND, timescale);
  std::lock_guard<std::mutex> lk (priv->lock);
  const bool has_samples = chunk_has_samples (priv);
  if (!has_samples || start <= priv->chunk_start
      || end <= priv->chunk_start + priv->chunk_duration + BOUNDARY_SLACK)
    return GST_FLOW_OK;
  return close_chunk (self, start, false, track.pending->sync);
}

GstAggregatorPad *
earliest_pad (GstCmafChunkMux * self, bool timeout, bool * need_data,
    bool * all_eos)
{
  GstAggregatorPad *best = nullptr;
  gint64 best_time = G_MAXINT64;
  *need_data = false;
  *all_eos = true;
  for (auto & t : self->priv->tracks) {
    GstBuffer *buffer = gst_aggregator_pad_peek_buffer (t.pad);
    if (!buffer) {
      if (!gst_aggregator_pad_is_eos (t.pad)) {
        *all_eos = false;
        // Interleave needs every live pad's next buffer, unless the deadline
        // passed (a live track that sends nothing must not block the rest).
        if (!timeout)
          *need_data = true;
      }
      continue;
    }
    *all_eos = false;
    gint64 rt = G_MAXINT64;
    decode_running_time (t, buffer, &rt);
    gst_buffer_unref (buffer);
    if (!best || rt < best_time) {
      best = t.pad;
      best_time = rt;
    }
  }
  return best;
}

// The muxer a follower lines its segments up with (a reference), or null.
GstCmafChunkMux *
leader_of (GstCmafChunkMux * self)
{
  auto priv = self->priv;
  std::lock_guard<std::mutex> lk (priv->lock);
  if (priv->on_its_own || !priv->align_to)
    return nullptr;
  return GST_CMAF_CHUNK_MUX (gst_object_ref (priv->align_to));
}

gint64
clock_time_of (GstCmafChunkMux * self, gint64 running_time)
{
  return running_time + (gint64) gst_element_get_base_time (GST_ELEMENT
      (self));
}

// The leader's keyframe that a follower's keyframe at `clock_time` was made
// from: the latest one before it within MAX_FOLLOWER_LAG (both are timed by
// arrival, so allow the follower's to look a little early too).
std::optional<Keyframe>
leader_keyframe_at_clock (GstCmafChunkMux * leader, gint64 clock_time)
{
  const gint64 early = 100 * GST_MSECOND;
  auto priv = leader->priv;
  std::lock_guard<std::mutex> lk (priv->keyframes_lock);
  std::optional<Keyframe> found;
  for (const auto & k : priv->keyframes)
    if (k.clock_time <= clock_time + early
        && clock_time - k.clock_time <= (gint64) MAX_FOLLOWER_LAG)
      found = k;
  return found;
}

// The leader's keyframe at decode time `decode`, give or take `tolerance`.
std::optional<Keyframe>
leader_keyframe_at_decode (GstCmafChunkMux * leader, GstClockTime decode,
    GstClockTime tolerance)
{
  auto priv = leader->priv;
  std::lock_guard<std::mutex> lk (priv->keyframes_lock);
  for (const auto & k : priv->keyframes)
    if ((GstClockTime) ABS ((gint64) k.decode - (gint64) decode) <= tolerance)
      return k;
  return std::nullopt;
}

// Records a keyframe just placed (its chunk is open), for followers.
void
remember_keyframe (GstCmafChunkMuxPrivate * priv, gint64 clock_time,
    GstClockTime decode)
{
  Keyframe k;
  k.clock_time = clock_time;
  k.decode = decode;
  k.segment_start = priv->chunk_is_segment_start && priv->chunk_start == decode;
  k.segment = priv->segment;
  std::lock_guard<std::mutex> lk (priv->keyframes_lock);
  priv->keyframes.push_back (k);
  if (priv->keyframes.size () > KEPT_KEYFRAMES)
    priv->keyframes.pop_front ();
}

// A follower's first keyframe: starts at the leader's segment it was made
// from. False: drop it and wait for the next one.
bool
follow_from (GstCmafChunkMux * self, GstCmafChunkMux * leader, gint64 dts_rt)
{
  auto priv = self->priv;
  const gint64 now = clock_time_of (self, dts_rt);
  auto k = leader_keyframe_at_clock (leader, now);
  if (k && k->segment_start) {
    priv->have_origin = true;
    priv->origin = dts_rt - (gint64) k->decode;
    priv->chunk_start = priv->segment_start = k->decode;
    priv->segment = k->segment;
    GST_INFO_OBJECT (self, "lined up with %" GST_PTR_FORMAT " at segment %"
        G_GUINT64_FORMAT ", decode time %" GST_TIME_FORMAT, leader, k->segment,
        GST_TIME_ARGS (k->decode));
    return true;
  }
  if (!priv->waiting_since)
    priv->waiting_since = now;
  if (now - *priv->waiting_since < (gint64) MAX_FOLLOWER_WAIT)
    return false;
  GST_ELEMENT_WARNING (self, STREAM, MUX, (nullptr), ("%" GST_PTR_FORMAT
          " offered no segment start to line up with for %" GST_TIME_FORMAT
          ": segments start on their own", leader,
          GST_TIME_ARGS (MAX_FOLLOWER_WAIT)));
  std::lock_guard<std::mutex> lk (priv->lock);
  priv->on_its_own = true;
  return false;
}

// Final chunk at end of stream: the held-back samples get their previous
// duration.
GstFlowReturn
drain (GstCmafChunkMux * self)
{
  auto priv = self->priv;
  if (!priv->have_origin)
    return GST_FLOW_EOS;
  GstClockTime end = priv->chunk_start;
  for (auto & t : priv->tracks) {
    if (!t.pending)
      continue;
    uint32_t duration = t.last_duration ? t.last_duration
        : t.config.timescale / 25;
    uint64_t end_ticks = t.pending->dts + duration;
    commit_pending (t, duration);
    end = std::max (end, gst_util_uint64_scale (end_ticks, GST_SECOND,
            t.config.timescale));
  }
  close_chunk (self, end, false, false);
  return GST_FLOW_EOS;
}

}  // namespace

static GstFlowReturn
gst_cmaf_chunk_mux_aggregate (GstAggregator * agg, gboolean timeout)
{
  auto self = GST_CMAF_CHUNK_MUX (agg);
  auto priv = self->priv;
  priv->forget_released ();

  bool need_data, all_eos;
  GstAggregatorPad *pad = earliest_pad (self, timeout, &need_data, &all_eos);
  if (all_eos)
    return drain (self);
  if (need_data || !pad)
    return GST_AGGREGATOR_FLOW_NEED_DATA;

  if (!priv->header_sent) {
    GstFlowReturn ret = send_header (self);
    if (ret != GST_FLOW_OK)
      return ret;
  }

  Track *track = track_for (priv, pad);
  GstBuffer *buffer = gst_aggregator_pad_pop_buffer (pad);
  if (!track || !buffer) {
    if (buffer)
      gst_buffer_unref (buffer);
    return GST_FLOW_OK;
  }

  const bool has_video = std::any_of (priv->tracks.begin (),
      priv->tracks.end (), [](const Track & t) { return t.video; });
  const bool driving = track->video || !has_video;
  const bool sync = !track->video
      || !GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT);
  gint64 dts_rt = 0, pts_rt = 0;
  if (!decode_running_time (*track, buffer, &dts_rt)) {
    GST_WARNING_OBJECT (pad, "dropping a buffer without timestamps");
    gst_buffer_unref (buffer);
    return GST_FLOW_OK;
  }
  if (!signed_running_time (&pad->segment, GST_BUFFER_PTS (buffer), &pts_rt))
    pts_rt = dts_rt;
  {
    GstClockTime step = GST_BUFFER_DURATION (buffer);
    if (!GST_CLOCK_TIME_IS_VALID (step))
      step = gst_util_uint64_scale (track->last_duration, GST_SECOND,
          track->config.timescale);
    track->next_rt = dts_rt + (gint64) step;
  }

  GstCmafChunkMux *leader = driving && sync ? leader_of (self) : nullptr;
  if (!priv->have_origin) {
    // Nothing before the first keyframe: a segment must be decodable.
    if (!driving || !sync || (leader && !follow_from (self, leader, dts_rt))) {
      gst_clear_object (&leader);
      gst_buffer_unref (buffer);
      return GST_FLOW_OK;
    }
    if (!priv->have_origin) {
      priv->have_origin = true;
      priv->origin = dts_rt;
      priv->chunk_start = priv->segment_start = 0;
    }
  }
  // A follower's keyframe takes the decode time of the leader's it was made
  // from (they differ by rounding at most) and cuts where the leader cut.
  std::optional<Keyframe> lead;
  if (leader) {
    const GstClockTime frame = gst_util_uint64_scale (track->last_duration,
        GST_SECOND, track->config.timescale);
    lead = leader_keyframe_at_decode (leader, (GstClockTime) (dts_rt
            - priv->origin), MAX (2 * GST_MSECOND, frame / 2));
    if (lead)
      priv->origin = dts_rt - (gint64) lead->decode;
    gst_object_unref (leader);
  }
  if (dts_rt < priv->origin) {
    GST_LOG_OBJECT (pad, "dropping a buffer from before the first keyframe "
        "(%" G_GINT64_FORMAT " < %" G_GINT64_FORMAT ")", dts_rt, priv->origin);
    gst_buffer_unref (buffer);
    return GST_FLOW_OK;
  }

  // From here on, times are relative to the origin (the first keyframe).
  const GstClockTime dts = dts_rt - priv->origin;
  const uint32_t timescale = track->config.timescale;
  const uint64_t dts_ticks = to_ticks (dts, timescale);
  const int64_t pts_offset = pts_rt - priv->origin;
  const int64_t pts_ticks = pts_offset >= 0
      ? (int64_t) to_ticks (pts_offset, timescale)
      : -(int64_t) to_ticks (-pts_offset, timescale);

  GstFlowReturn ret = GST_FLOW_OK;
  if (track->pending) {
    int64_t duration = (int64_t) dts_ticks - (int64_t) track->pending->dts;
    // A gap or a step back in the input: keep the cadence rather than write a
    // nonsense duration (the next tfdt still follows from the durations).
    if (duration <= 0 || duration > (int64_t) timescale * 10)
      duration = track->last_duration ? track->last_duration : timescale / 25;
    if (driving)
      ret = end_part_before_pending (self, *track, duration);
    commit_pending (*track, static_cast<uint32_t> (duration));
  }

  if (driving && ret == GST_FLOW_OK) {
    std::lock_guard<std::mutex> lk (priv->lock);
    const bool has_samples = chunk_has_samples (priv);
    // A part must never be longer than the part target (players reject
    // such playlists): close the chunk before the sample that would cross
    // the boundary, estimating its end from the last sample's duration.
    const GstClockTime frame = gst_util_uint64_scale (track->last_duration,
        GST_SECOND, timescale);
    // A keyframe a hair before the segment boundary (timestamps paced by
    // arrival) still ends the segment: missing the cut would double it.
    const bool segment_due = lead ? lead->segment_start
        : dts + MAX (BOUNDARY_SLACK, frame / 2)
        >= priv->segment_start + priv->segment_duration;
    if (has_samples && sync && segment_due)
      ret = close_chunk (self, dts, true, true);
    else if (has_samples && dts + frame
        > priv->chunk_start + priv->chunk_duration + BOUNDARY_SLACK)
      ret = close_chunk (self, dts, false, sync);
  }
  if (driving && sync && ret == GST_FLOW_OK) {
    if (lead && lead->segment != priv->segment)
      GST_WARNING_OBJECT (self, "segment %" G_GUINT64_FORMAT " is the "
          "leader's %" G_GUINT64_FORMAT, priv->segment, lead->segment);
    remember_keyframe (priv, clock_time_of (self, dts_rt), dts);
  }
  track->pending = Pending { buffer, dts_ticks, pts_ticks, sync };
  return ret;
}

static gboolean
gst_cmaf_chunk_mux_sink_event (GstAggregator * agg, GstAggregatorPad * pad,
    GstEvent * event)
{
  auto self = GST_CMAF_CHUNK_MUX (agg);
  if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS) {
    GstCaps *caps;
    gst_event_parse_caps (event, &caps);
    auto priv = self->priv;
    Track *track = track_for (priv, pad);
    if (track && priv->header_sent) {
      // A codec change needs a new header, which players only take at a
      // discontinuity; not supported mid-stream.
      GST_ELEMENT_WARNING (self, STREAM, FORMAT, (nullptr),
          ("caps changed after the header was written: %" GST_PTR_FORMAT,
              caps));
    } else {
      Track fresh;
      fresh.pad = pad;
      std::string error;
      if (!configure_track (caps, track ? *track : fresh, error)) {
        GST_ELEMENT_ERROR (self, STREAM, FORMAT, (nullptr), ("%s",
                error.c_str ()));
        gst_event_unref (event);
        return FALSE;
      }
      if (!track) {
        fresh.pad = GST_AGGREGATOR_PAD (gst_object_ref (pad));
        // Video first: track 1 is the picture when there is one.
        if (fresh.video)
          priv->tracks.insert (priv->tracks.begin (), std::move (fresh));
        else
          priv->tracks.push_back (std::move (fresh));
      }
    }
  }
  return GST_AGGREGATOR_CLASS (parent_class)->sink_event (agg, pad, event);
}

static gboolean
gst_cmaf_chunk_mux_start (GstAggregator * agg)
{
  GST_CMAF_CHUNK_MUX (agg)->priv->reset ();
  return TRUE;
}

static gboolean
gst_cmaf_chunk_mux_stop (GstAggregator * agg)
{
  GST_CMAF_CHUNK_MUX (agg)->priv->reset ();
  return TRUE;
}

static void
gst_cmaf_chunk_mux_release_pad (GstElement * element, GstPad * pad)
{
  // The aggregating thread may be walking the tracks: it drops this one
  // itself, next time round (it keeps a reference to the pad until then).
  auto priv = GST_CMAF_CHUNK_MUX (element)->priv;
  {
    std::lock_guard<std::mutex> lk (priv->released_lock);
    priv->released.push_back (pad);
  }
  GST_ELEMENT_CLASS (parent_class)->release_pad (element, pad);
}

static void
gst_cmaf_chunk_mux_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  auto priv = GST_CMAF_CHUNK_MUX (object)->priv;
  std::lock_guard<std::mutex> lk (priv->lock);
  switch (prop_id) {
    case PROP_CHUNK_DURATION:
      priv->chunk_duration = g_value_get_uint64 (value);
      break;
    case PROP_SEGMENT_DURATION:
      priv->segment_duration = g_value_get_uint64 (value);
      break;
    case PROP_ALIGN_TO:{
      auto leader = static_cast<GstCmafChunkMux *> (g_value_dup_object (value));
      if (leader == GST_CMAF_CHUNK_MUX (object))
        gst_clear_object (&leader);
      gst_clear_object (&priv->align_to);
      priv->align_to = leader;
      break;
    }
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
gst_cmaf_chunk_mux_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  auto priv = GST_CMAF_CHUNK_MUX (object)->priv;
  std::lock_guard<std::mutex> lk (priv->lock);
  switch (prop_id) {
    case PROP_CHUNK_DURATION:
      g_value_set_uint64 (value, priv->chunk_duration);
      break;
    case PROP_SEGMENT_DURATION:
      g_value_set_uint64 (value, priv->segment_duration);
      break;
    case PROP_ALIGN_TO:
      g_value_set_object (value, priv->align_to);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
gst_cmaf_chunk_mux_finalize (GObject * object)
{
  auto self = GST_CMAF_CHUNK_MUX (object);
  self->priv->reset ();
  gst_clear_object (&self->priv->align_to);
  delete self->priv;
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_cmaf_chunk_mux_class_init (GstCmafChunkMuxClass * klass)
{
  auto object_class = G_OBJECT_CLASS (klass);
  auto element_class = GST_ELEMENT_CLASS (klass);
  auto agg_class = GST_AGGREGATOR_CLASS (klass);

  object_class->set_property = gst_cmaf_chunk_mux_set_property;
  object_class->get_property = gst_cmaf_chunk_mux_get_property;
  object_class->finalize = gst_cmaf_chunk_mux_finalize;

  auto flags = (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
      | GST_PARAM_MUTABLE_READY);
  g_object_class_install_property (object_class, PROP_CHUNK_DURATION,
      g_param_spec_uint64 ("chunk-duration", "Chunk duration",
          "Target duration of a chunk (LL-HLS part), in nanoseconds",
          10 * GST_MSECOND, 60 * GST_SECOND, DEFAULT_CHUNK_DURATION, flags));
  g_object_class_install_property (object_class, PROP_SEGMENT_DURATION,
      g_param_spec_uint64 ("segment-duration", "Segment duration",
          "Minimum duration of a segment; the next one starts at the first "
          "video keyframe after it, in nanoseconds", 10 * GST_MSECOND,
          600 * GST_SECOND, DEFAULT_SEGMENT_DURATION, flags));
  g_object_class_install_property (object_class, PROP_ALIGN_TO,
      g_param_spec_object ("align-to", "Align to",
          "Another cmafchunkmux, on the same clock, packaging the same "
          "pictures: start at one of its segments and cut segments where it "
          "cuts them, with the same numbers and decode times",
          GST_TYPE_CMAF_CHUNK_MUX, flags));

  gst_element_class_add_static_pad_template_with_gtype (element_class,
      &video_template, GST_TYPE_AGGREGATOR_PAD);
  gst_element_class_add_static_pad_template_with_gtype (element_class,
      &audio_template, GST_TYPE_AGGREGATOR_PAD);
  gst_element_class_add_static_pad_template_with_gtype (element_class,
      &src_template, GST_TYPE_AGGREGATOR_PAD);
  gst_element_class_set_static_metadata (element_class, "CMAF chunk muxer",
      "Codec/Muxer", "Muxes H.264/H.265 and AAC/Opus into CMAF headers and "
      "low-latency chunks", "camgate");
  element_class->release_pad =
      GST_DEBUG_FUNCPTR (gst_cmaf_chunk_mux_release_pad);

  agg_class->aggregate = GST_DEBUG_FUNCPTR (gst_cmaf_chunk_mux_aggregate);
  agg_class->sink_event = GST_DEBUG_FUNCPTR (gst_cmaf_chunk_mux_sink_event);
  agg_class->start = GST_DEBUG_FUNCPTR (gst_cmaf_chunk_mux_start);
  agg_class->stop = GST_DEBUG_FUNCPTR (gst_cmaf_chunk_mux_stop);

  GST_DEBUG_CATEGORY_INIT (gst_cmaf_chunk_mux_debug, "cmafchunkmux", 0,
      "cmafchunkmux");
}

static void
gst_cmaf_chunk_mux_init (GstCmafChunkMux * self)
{
  self->priv = new GstCmafChunkMuxPrivate ();
}
