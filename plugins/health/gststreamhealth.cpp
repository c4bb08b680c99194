/**
 * SECTION:element-streamhealth
 * @title: streamhealth
 * @short_description: watches a stream's health without touching it
 *
 * streamhealth is an in-place pass-through filter for any caps: parsed
 * H.264/H.265, audio, raw media, and RTP. It never alters, delays or drops a
 * buffer. Over a sliding #GstStreamHealth:window it measures bitrate, frame
 * (or buffer) rate and, for video, the keyframe interval; it counts timestamp
 * problems (gaps, jumps, DTS/PTS going backwards, DTS after PTS, DISCONT
 * flags) and, from a watchdog on the pipeline clock, notices a stall when no
 * buffer arrived for #GstStreamHealth:stall-timeout — without waiting for the
 * next buffer.
 *
 * For RTP H.264/H.265 the keyframe interval is read from the packets' NAL
 * headers and frames end at the RTP marker, so a relay can watch a camera
 * without depayloading it.
 *
 * It posts `stream-health` element messages every #GstStreamHealth:interval
 * and at once on every change of state (`healthy`, `degraded`, `stalled`) or
 * of its reasons:
 *
 * - `state` (string), `changed` (boolean: posted because the state or its
 *   reasons changed),
 *   `reasons` (array of strings: `stalled`, `gop-too-long`, `fps-below-min`,
 *   `timestamp-backwards`, `timestamp-gap`, `timestamp-jump`,
 *   `dts-after-pts`, `discont`, `packet-loss`)
 * - `bitrate` (guint64, bit/s), `fps` (gdouble, frames or buffers per
 *   second), `gop-frames` (guint), `gop-duration` (GstClockTime),
 *   `since-last-buffer` (GstClockTime)
 * - counters (guint64): `buffers`, `bytes`, `frames`, `keyframes`,
 *   `backwards`, `gaps`, `jumps`, `dts-after-pts`, `disconts`,
 *   `packets-lost`, `stalls`
 *
 * A timestamp problem keeps its reason for one #GstStreamHealth:window after
 * it was last seen. The same figures are in the read-only
 * #GstStreamHealth:stats property.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 -m videotestsrc is-live=true ! x264enc tune=zerolatency
 *     key-int-max=300 ! h264parse ! streamhealth max-gop=5000000000 ! fakesink
 * gst-launch-1.0 -m rtspsrc location=rtsp://camera/stream ! streamhealth
 *     stall-timeout=3000000000 ! fakesink
 * ]|
 *
 * Since: 0.1
 */
#include "gststreamhealth.h"

#include "media_codec.h"

#include <gst/rtp/gstrtpbuffer.h>

#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

GST_DEBUG_CATEGORY_STATIC (gst_stream_health_debug);
#define GST_CAT_DEFAULT gst_stream_health_debug

#define DEFAULT_STALL_TIMEOUT (3 * GST_SECOND)
#define DEFAULT_INTERVAL (1 * GST_SECOND)
#define DEFAULT_MIN_FPS 0.0
#define DEFAULT_MAX_GOP (5 * GST_SECOND)
#define DEFAULT_MAX_GAP (1 * GST_SECOND)
#define DEFAULT_WINDOW (5 * GST_SECOND)

enum
{
  PROP_0,
  PROP_STALL_TIMEOUT,
  PROP_INTERVAL,
  PROP_MIN_FPS,
  PROP_MAX_GOP,
  PROP_MAX_GAP,
  PROP_WINDOW,
  PROP_STATS,
};

namespace {

enum class Kind { Other, Video, RtpVideo, Rtp };

struct Arrival
{
  GstClockTime time;
  guint size;
  bool frame;                      // this buffer ends a frame
};

}  // namespace

struct GstStreamHealthPrivate
{
  std::mutex lock;

  /* properties */
  GstClockTime stall_timeout = DEFAULT_STALL_TIMEOUT;
  GstClockTime interval = DEFAULT_INTERVAL;
  gdouble min_fps = DEFAULT_MIN_FPS;
  GstClockTime max_gop = DEFAULT_MAX_GOP;
  GstClockTime max_gap = DEFAULT_MAX_GAP;
  GstClockTime window = DEFAULT_WINDOW;

  /* from caps */
  Kind kind = Kind::Other;
  // The video codec's RTP keyframe test, from the codec table; nullptr
  // when the stream is not video the table knows.
  bool (*starts_keyframe) (const uint8_t *, size_t) = nullptr;
  gint clock_rate = 0;

  /* measurements */
  std::deque<Arrival> arrivals;    // within the window
  guint64 window_bytes = 0;
  guint window_frames = 0;
  GstClockTime started = GST_CLOCK_TIME_NONE;
  GstClockTime first_arrival = GST_CLOCK_TIME_NONE;
  GstClockTime last_arrival = GST_CLOCK_TIME_NONE;
  GstClockTime last_ts = GST_CLOCK_TIME_NONE;
  GstClockTime last_ts_arrival = GST_CLOCK_TIME_NONE;

  bool have_rtp = false;
  guint32 last_rtp_ts = 0;
  guint16 last_seq = 0;
  bool frame_has_key = false;

  GstClockTime last_key_arrival = GST_CLOCK_TIME_NONE;
  GstClockTime last_key_ts = GST_CLOCK_TIME_NONE;
  guint frames_since_key = 0;
  guint gop_frames = 0;
  GstClockTime gop_duration = GST_CLOCK_TIME_NONE;

  guint64 buffers = 0, bytes = 0, frames = 0, keyframes = 0, backwards = 0,
      gaps = 0, jumps = 0, dts_after_pts = 0, disconts = 0, lost = 0,
      stalls = 0;

  // reason -> clock time it was last seen (timestamp problems fade after a
  // window)
  std::map<std::string, GstClockTime> events;
  std::string state = "healthy";
  std::vector<std::string> reported;  // reasons of the last message

  GstClockID watchdog = nullptr;
};

struct _GstStreamHealth
{
  GstBaseTransform parent;
  GstStreamHealthPrivate *priv;
};

#define gst_stream_health_parent_class parent_class
G_DEFINE_TYPE (GstStreamHealth, gst_stream_health, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE (streamhealth, "streamhealth", GST_RANK_NONE,
    GST_TYPE_STREAM_HEALTH);

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

namespace {

GstClockTime
clock_now (GstStreamHealth * self)
{
  GstClock *clock = gst_element_get_clock (GST_ELEMENT (self));
  if (!clock)
    return g_get_monotonic_time () * GST_USECOND;
  GstClockTime now = gst_clock_get_time (clock);
  gst_object_unref (clock);
  return now;
}

void
trim_window (GstStreamHealthPrivate * priv, GstClockTime now)
{
  while (!priv->arrivals.empty ()
      && now - priv->arrivals.front ().time > priv->window) {
    priv->window_bytes -= priv->arrivals.front ().size;
    if (priv->arrivals.front ().frame)
      priv->window_frames--;
    priv->arrivals.pop_front ();
  }
}

// Figures over the window that is actually filled so far.
void
window_rates (GstStreamHealthPrivate * priv, GstClockTime now,
    guint64 * bitrate, gdouble * fps, GstClockTime * span_out)
{
  GstClockTime span = 0;
  if (GST_CLOCK_TIME_IS_VALID (priv->first_arrival))
    span = MIN (priv->window, now - priv->first_arrival);
  *span_out = span;
  if (span < GST_MSECOND * 100) {
    *bitrate = 0;
    *fps = 0;
    return;
  }
  *bitrate = gst_util_uint64_scale (priv->window_bytes * 8, GST_SECOND, span);
  *fps = priv->window_frames * (gdouble) GST_SECOND / span;
}

std::vector<std::string>
current_reasons (GstStreamHealthPrivate * priv, GstClockTime now,
    bool * stalled)
{
  std::vector<std::string> reasons;
  GstClockTime reference = GST_CLOCK_TIME_IS_VALID (priv->last_arrival)
      ? priv->last_arrival : priv->started;
  *stalled = GST_CLOCK_TIME_IS_VALID (reference)
      && now > reference && now - reference >= priv->stall_timeout;
  if (*stalled)
    reasons.push_back ("stalled");

  bool video = priv->kind == Kind::Video || priv->kind == Kind::RtpVideo;
  if (video && GST_CLOCK_TIME_IS_VALID (priv->first_arrival)) {
    // Too long between keyframes: measured, or already longer while waiting
    // for the next one.
    GstClockTime since_key = GST_CLOCK_TIME_IS_VALID (priv->last_key_arrival)
        ? now - priv->last_key_arrival : now - priv->first_arrival;
    bool measured_long = GST_CLOCK_TIME_IS_VALID (priv->gop_duration)
        && priv->gop_duration > priv->max_gop;
    if (priv->max_gop > 0 && (measured_long || since_key > priv->max_gop))
      reasons.push_back ("gop-too-long");
  }

  guint64 bitrate;
  gdouble fps;
  GstClockTime span;
  window_rates (priv, now, &bitrate, &fps, &span);
  if (priv->min_fps > 0 && span >= MIN (priv->window, GST_SECOND)
      && fps < priv->min_fps && !*stalled)
    reasons.push_back ("fps-below-min");

  for (auto it = priv->events.begin (); it != priv->events.end ();) {
    if (now - it->second > priv->window) {
      it = priv->events.erase (it);
    } else {
      reasons.push_back (it->first);
      ++it;
    }
  }
  return reasons;
}

std::string
state_for (const std::vector<std::string> & reasons, bool stalled)
{
  return stalled ? "stalled" : reasons.empty () ? "healthy" : "degraded";
}

GstStructure *
build_report (GstStreamHealthPrivate * priv, GstClockTime now,
    const std::string & state, const std::vector<std::string> & reasons,
    bool changed)
{
  guint64 bitrate;
  gdouble fps;
  GstClockTime span;
  window_rates (priv, now, &bitrate, &fps, &span);

  GValue array = G_VALUE_INIT;
  gst_value_array_init (&array, reasons.size ());
  for (const auto & reason : reasons) {
    GValue item = G_VALUE_INIT;
    g_value_init (&item, G_TYPE_STRING);
    g_value_set_string (&item, reason.c_str ());
    gst_value_array_append_and_take_value (&array, &item);
  }
  GstClockTime since_last = GST_CLOCK_TIME_IS_VALID (priv->last_arrival)
      ? now - priv->last_arrival : GST_CLOCK_TIME_NONE;
  GstStructure *s = gst_structure_new ("stream-health",
      "state", G_TYPE_STRING, state.c_str (),
      "changed", G_TYPE_BOOLEAN, changed,
      "bitrate", G_TYPE_UINT64, bitrate,
      "fps", G_TYPE_DOUBLE, fps,
      "gop-frames", G_TYPE_UINT, priv->gop_frames,
      "gop-duration", GST_TYPE_CLOCK_TIME, priv->gop_duration,
      "since-last-buffer", GST_TYPE_CLOCK_TIME, since_last,
      "buffers", G_TYPE_UINT64, priv->buffers,
      "bytes", G_TYPE_UINT64, priv->bytes,
      "frames", G_TYPE_UINT64, priv->frames,
      "keyframes", G_TYPE_UINT64, priv->keyframes,
      "backwards", G_TYPE_UINT64, priv->backwards,
      "gaps", G_TYPE_UINT64, priv->gaps,
      "jumps", G_TYPE_UINT64, priv->jumps,
      "dts-after-pts", G_TYPE_UINT64, priv->dts_after_pts,
      "disconts", G_TYPE_UINT64, priv->disconts,
      "packets-lost", G_TYPE_UINT64, priv->lost,
      "stalls", G_TYPE_UINT64, priv->stalls, nullptr);
  gst_structure_take_value (s, "reasons", &array);
  return s;
}

// Updates the state; returns a message to post (outside the lock) when the
// state changed or `periodic` asks for one.
GstMessage *
evaluate (GstStreamHealth * self, GstClockTime now, bool periodic)
{
  auto priv = self->priv;
  trim_window (priv, now);
  bool stalled;
  auto reasons = current_reasons (priv, now, &stalled);
  std::string state = state_for (reasons, stalled);
  bool changed = state != priv->state || reasons != priv->reported;
  if (state != priv->state) {
    if (state == "stalled")
      priv->stalls++;
    GST_INFO_OBJECT (self, "state %s -> %s", priv->state.c_str (),
        state.c_str ());
    priv->state = state;
  }
  priv->reported = reasons;
  if (!changed && !periodic)
    return nullptr;
  return gst_message_new_element (GST_OBJECT (self),
      build_report (priv, now, state, reasons, changed));
}

gboolean
on_watchdog (GstClock *, GstClockTime, GstClockID, gpointer user_data)
{
  auto self = GST_STREAM_HEALTH (user_data);
  GstClockTime now = clock_now (self);
  GstMessage *message;
  {
    std::lock_guard<std::mutex> lk (self->priv->lock);
    message = evaluate (self, now, true);
  }
  if (message)
    gst_element_post_message (GST_ELEMENT (self), message);
  return TRUE;
}

void
start_watchdog (GstStreamHealth * self)
{
  GstClock *clock = gst_element_get_clock (GST_ELEMENT (self));
  if (!clock) {
    GST_WARNING_OBJECT (self, "no clock: stalls cannot be detected");
    return;
  }
  std::lock_guard<std::mutex> lk (self->priv->lock);
  auto priv = self->priv;
  GstClockTime now = gst_clock_get_time (clock);
  if (!GST_CLOCK_TIME_IS_VALID (priv->started))
    priv->started = now;
  priv->watchdog = gst_clock_new_periodic_id (clock, now + priv->interval,
      priv->interval);
  gst_clock_id_wait_async (priv->watchdog, on_watchdog, gst_object_ref (self),
      (GDestroyNotify) gst_object_unref);
  gst_object_unref (clock);
}

void
stop_watchdog (GstStreamHealth * self)
{
  GstClockID id;
  {
    std::lock_guard<std::mutex> lk (self->priv->lock);
    id = self->priv->watchdog;
    self->priv->watchdog = nullptr;
  }
  if (id) {
    gst_clock_id_unschedule (id);
    gst_clock_id_unref (id);
  }
}

void
reset_measurements (GstStreamHealthPrivate * priv)
{
  priv->kind = Kind::Other;
  priv->arrivals.clear ();
  priv->window_bytes = 0;
  priv->window_frames = 0;
  priv->started = GST_CLOCK_TIME_NONE;
  priv->first_arrival = priv->last_arrival = GST_CLOCK_TIME_NONE;
  priv->last_ts = priv->last_ts_arrival = GST_CLOCK_TIME_NONE;
  priv->have_rtp = false;
  priv->frame_has_key = false;
  priv->last_key_arrival = priv->last_key_ts = GST_CLOCK_TIME_NONE;
  priv->frames_since_key = priv->gop_frames = 0;
  priv->gop_duration = GST_CLOCK_TIME_NONE;
  priv->buffers = priv->bytes = priv->frames = priv->keyframes = 0;
  priv->backwards = priv->gaps = priv->jumps = priv->dts_after_pts = 0;
  priv->disconts = priv->lost = priv->stalls = 0;
  priv->events.clear ();
  priv->state = "healthy";
  priv->reported.clear ();
}

void
note_keyframe (GstStreamHealthPrivate * priv, GstClockTime arrival,
    GstClockTime ts)
{
  if (GST_CLOCK_TIME_IS_VALID (priv->last_key_arrival)) {
    priv->gop_frames = priv->frames_since_key;
    if (GST_CLOCK_TIME_IS_VALID (ts) && GST_CLOCK_TIME_IS_VALID (priv->last_key_ts)
        && ts > priv->last_key_ts)
      priv->gop_duration = ts - priv->last_key_ts;
    else
      priv->gop_duration = arrival - priv->last_key_arrival;
  }
  priv->last_key_arrival = arrival;
  priv->last_key_ts = ts;
  priv->frames_since_key = 0;
  priv->keyframes++;
}

// Timestamp checks on a stream time line: backwards, gaps, jumps.
void
check_timestamp (GstStreamHealthPrivate * priv, GstClockTime ts,
    GstClockTime arrival)
{
  if (!GST_CLOCK_TIME_IS_VALID (ts))
    return;
  if (GST_CLOCK_TIME_IS_VALID (priv->last_ts)) {
    if (ts < priv->last_ts) {
      priv->backwards++;
      priv->events["timestamp-backwards"] = arrival;
    } else if (ts - priv->last_ts > priv->max_gap) {
      // The stream time moved further than the wall clock: the timestamps
      // jumped. Moved about as far as the wall clock: data was missing.
      GstClockTime step = ts - priv->last_ts;
      GstClockTime waited = arrival - priv->last_ts_arrival;
      if (step > waited + priv->max_gap) {
        priv->jumps++;
        priv->events["timestamp-jump"] = arrival;
      } else {
        priv->gaps++;
        priv->events["timestamp-gap"] = arrival;
      }
    }
  }
  priv->last_ts = ts;
  priv->last_ts_arrival = arrival;
}

// RTP: frames end at the marker, keyframes come from the NAL headers,
// sequence numbers reveal loss, the RTP clock reveals jumps. Returns whether
// this packet ends a frame.
bool
inspect_rtp (GstStreamHealthPrivate * priv, GstBuffer * buffer,
    GstClockTime arrival)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (!gst_rtp_buffer_map (buffer, GST_MAP_READ, &rtp))
    return false;
  guint16 seq = gst_rtp_buffer_get_seq (&rtp);
  guint32 ts = gst_rtp_buffer_get_timestamp (&rtp);
  bool marker = gst_rtp_buffer_get_marker (&rtp);
  if (priv->starts_keyframe && !priv->frame_has_key
      && priv->starts_keyframe (
          static_cast<const uint8_t *> (gst_rtp_buffer_get_payload (&rtp)),
          gst_rtp_buffer_get_payload_len (&rtp)))
    priv->frame_has_key = true;
  gst_rtp_buffer_unmap (&rtp);

  if (priv->have_rtp) {
    guint16 expected = priv->last_seq + 1;
    gint16 delta = (gint16) (seq - expected);
    if (delta > 0) {
      priv->lost += delta;
      priv->events["packet-loss"] = arrival;
    } else if (delta < 0 && priv->lost > 0) {
      // A late packet (reordered on the way) was counted lost: it is not.
      priv->lost--;
      return false;
    }
    if (priv->clock_rate > 0) {
      gint32 step = (gint32) (ts - priv->last_rtp_ts);
      GstClockTime waited = arrival - priv->last_ts_arrival;
      GstClockTime limit = waited + priv->max_gap;
      if (step < 0 && gst_util_uint64_scale (-(gint64) step, GST_SECOND,
              priv->clock_rate) > priv->max_gap) {
        // B-frames step back a little; far back is broken.
        priv->backwards++;
        priv->events["timestamp-backwards"] = arrival;
      } else if (step > 0 && gst_util_uint64_scale (step, GST_SECOND,
              priv->clock_rate) > limit) {
        priv->jumps++;
        priv->events["timestamp-jump"] = arrival;
      }
    }
  }
  priv->have_rtp = true;
  priv->last_seq = seq;
  priv->last_rtp_ts = ts;
  priv->last_ts_arrival = arrival;

  if (priv->kind == Kind::RtpVideo) {
    if (marker && priv->frame_has_key) {
      GstClockTime key_ts = priv->clock_rate > 0
          ? gst_util_uint64_scale (ts, GST_SECOND, priv->clock_rate)
          : GST_CLOCK_TIME_NONE;
      // RTP time wraps; fall back to arrival times across a wrap.
      if (GST_CLOCK_TIME_IS_VALID (priv->last_key_ts) && key_ts < priv->last_key_ts)
        priv->last_key_ts = GST_CLOCK_TIME_NONE;
      note_keyframe (priv, arrival, key_ts);
    }
    if (marker)
      priv->frame_has_key = false;
    return marker;
  }
  return true;
}

}  // namespace

static GstFlowReturn
gst_stream_health_transform_ip (GstBaseTransform * trans, GstBuffer * buffer)
{
  auto self = GST_STREAM_HEALTH (trans);
  auto priv = self->priv;
  GstClockTime now = clock_now (self);
  GstMessage *message = nullptr;
  {
    std::lock_guard<std::mutex> lk (priv->lock);
    size_t events_before = priv->events.size ();
    bool was_stalled = priv->state == "stalled";
    guint size = gst_buffer_get_size (buffer);

    if (!GST_CLOCK_TIME_IS_VALID (priv->first_arrival))
      priv->first_arrival = now;
    priv->last_arrival = now;
    priv->buffers++;
    priv->bytes += size;

    if (GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DISCONT)
        && priv->buffers > 1) {
      priv->disconts++;
      priv->events["discont"] = now;
    }

    bool frame_end = true;
    if (priv->kind == Kind::RtpVideo || priv->kind == Kind::Rtp) {
      frame_end = inspect_rtp (priv, buffer, now);
    } else {
      GstClockTime pts = GST_BUFFER_PTS (buffer);
      GstClockTime dts = GST_BUFFER_DTS (buffer);
      if (GST_CLOCK_TIME_IS_VALID (dts) && GST_CLOCK_TIME_IS_VALID (pts)
          && dts > pts) {
        priv->dts_after_pts++;
        priv->events["dts-after-pts"] = now;
      }
      check_timestamp (priv, GST_CLOCK_TIME_IS_VALID (dts) ? dts : pts, now);
      if (priv->kind == Kind::Video
          && !GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT))
        note_keyframe (priv, now, pts);
    }
    if (frame_end) {
      priv->frames++;
      priv->frames_since_key++;
    }
    priv->arrivals.push_back ({ now, size, frame_end });
    priv->window_bytes += size;
    if (frame_end)
      priv->window_frames++;

    // Re-evaluate at once only when something changed that could change the
    // state; everything else waits for the watchdog's next round.
    if (priv->events.size () != events_before || was_stalled
        || priv->state != "healthy")
      message = evaluate (self, now, false);
  }
  if (message)
    gst_element_post_message (GST_ELEMENT (self), message);
  return GST_FLOW_OK;
}

static gboolean
gst_stream_health_set_caps (GstBaseTransform * trans, GstCaps * incaps,
    GstCaps *)
{
  auto self = GST_STREAM_HEALTH (trans);
  const GstStructure *s = gst_caps_get_structure (incaps, 0);
  const gchar *name = gst_structure_get_name (s);
  std::lock_guard<std::mutex> lk (self->priv->lock);
  auto priv = self->priv;
  priv->starts_keyframe = nullptr;
  priv->clock_rate = 0;
  if (g_str_equal (name, "application/x-rtp")) {
    const gchar *media = gst_structure_get_string (s, "media");
    gst_structure_get_int (s, "clock-rate", &priv->clock_rate);
    const camgate::MediaCodec *codec = camgate::codec_for_caps (s);
    priv->starts_keyframe = codec ? codec->rtp_starts_keyframe : nullptr;
    priv->kind = (g_strcmp0 (media, "video") == 0 && priv->starts_keyframe)
        ? Kind::RtpVideo : Kind::Rtp;
  } else if (g_str_has_prefix (name, "video/")
      && !g_str_equal (name, "video/x-raw")) {
    priv->kind = Kind::Video;
  } else {
    priv->kind = Kind::Other;
  }
  GST_DEBUG_OBJECT (self, "watching %" GST_PTR_FORMAT, incaps);
  return TRUE;
}

static GstStateChangeReturn
gst_stream_health_change_state (GstElement * element, GstStateChange transition)
{
  auto self = GST_STREAM_HEALTH (element);
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
    std::lock_guard<std::mutex> lk (self->priv->lock);
    reset_measurements (self->priv);
  }
  if (transition == GST_STATE_CHANGE_PLAYING_TO_PAUSED)
    stop_watchdog (self);
  GstStateChangeReturn ret =
      GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_PLAYING)
    start_watchdog (self);
  return ret;
}

static gboolean
gst_stream_health_set_clock (GstElement * element, GstClock * clock)
{
  auto self = GST_STREAM_HEALTH (element);
  gboolean ret = GST_ELEMENT_CLASS (parent_class)->set_clock (element, clock);
  // A new clock while playing: the watchdog must follow it.
  if (GST_STATE (element) == GST_STATE_PLAYING) {
    stop_watchdog (self);
    start_watchdog (self);
  }
  return ret;
}

static void
gst_stream_health_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  auto self = GST_STREAM_HEALTH (object);
  std::lock_guard<std::mutex> lk (self->priv->lock);
  auto priv = self->priv;
  switch (prop_id) {
    case PROP_STALL_TIMEOUT:
      priv->stall_timeout = g_value_get_uint64 (value);
      break;
    case PROP_INTERVAL:
      priv->interval = g_value_get_uint64 (value);
      break;
    case PROP_MIN_FPS:
      priv->min_fps = g_value_get_double (value);
      break;
    case PROP_MAX_GOP:
      priv->max_gop = g_value_get_uint64 (value);
      break;
    case PROP_MAX_GAP:
      priv->max_gap = g_value_get_uint64 (value);
      break;
    case PROP_WINDOW:
      priv->window = g_value_get_uint64 (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
gst_stream_health_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  auto self = GST_STREAM_HEALTH (object);
  if (prop_id == PROP_STATS) {
    GstClockTime now = clock_now (self);
    std::lock_guard<std::mutex> lk (self->priv->lock);
    trim_window (self->priv, now);
    bool stalled;
    auto reasons = current_reasons (self->priv, now, &stalled);
    g_value_take_boxed (value, build_report (self->priv, now,
            state_for (reasons, stalled), reasons, false));
    return;
  }
  std::lock_guard<std::mutex> lk (self->priv->lock);
  auto priv = self->priv;
  switch (prop_id) {
    case PROP_STALL_TIMEOUT:
      g_value_set_uint64 (value, priv->stall_timeout);
      break;
    case PROP_INTERVAL:
      g_value_set_uint64 (value, priv->interval);
      break;
    case PROP_MIN_FPS:
      g_value_set_double (value, priv->min_fps);
      break;
    case PROP_MAX_GOP:
      g_value_set_uint64 (value, priv->max_gop);
      break;
    case PROP_MAX_GAP:
      g_value_set_uint64 (value, priv->max_gap);
      break;
    case PROP_WINDOW:
      g_value_set_uint64 (value, priv->window);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
gst_stream_health_finalize (GObject * object)
{
  auto self = GST_STREAM_HEALTH (object);
  stop_watchdog (self);
  delete self->priv;
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_stream_health_class_init (GstStreamHealthClass * klass)
{
  auto object_class = G_OBJECT_CLASS (klass);
  auto element_class = GST_ELEMENT_CLASS (klass);
  auto transform_class = GST_BASE_TRANSFORM_CLASS (klass);

  object_class->set_property = gst_stream_health_set_property;
  object_class->get_property = gst_stream_health_get_property;
  object_class->finalize = gst_stream_health_finalize;

  auto flags = (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
      | GST_PARAM_MUTABLE_READY);
  g_object_class_install_property (object_class, PROP_STALL_TIMEOUT,
      g_param_spec_uint64 ("stall-timeout", "Stall timeout",
          "No buffer for this long means the stream stalled (in nanoseconds)",
          GST_MSECOND, G_MAXUINT64, DEFAULT_STALL_TIMEOUT, flags));
  g_object_class_install_property (object_class, PROP_INTERVAL,
      g_param_spec_uint64 ("interval", "Interval",
          "Period of stream-health messages and of the stall watchdog "
          "(in nanoseconds)", 10 * GST_MSECOND, G_MAXUINT64, DEFAULT_INTERVAL,
          flags));
  g_object_class_install_property (object_class, PROP_MIN_FPS,
      g_param_spec_double ("min-fps", "Minimum frame rate",
          "Frame (or buffer) rate below which the stream is degraded "
          "(frames per second, 0 = no minimum)", 0, 1000, DEFAULT_MIN_FPS,
          flags));
  g_object_class_install_property (object_class, PROP_MAX_GOP,
      g_param_spec_uint64 ("max-gop", "Maximum GOP",
          "Longest acceptable time between video keyframes (in nanoseconds, "
          "0 = no limit)", 0, G_MAXUINT64, DEFAULT_MAX_GOP, flags));
  g_object_class_install_property (object_class, PROP_MAX_GAP,
      g_param_spec_uint64 ("max-gap", "Maximum gap",
          "Largest acceptable step between consecutive timestamps "
          "(in nanoseconds)", 0, G_MAXUINT64, DEFAULT_MAX_GAP, flags));
  g_object_class_install_property (object_class, PROP_WINDOW,
      g_param_spec_uint64 ("window", "Window",
          "Sliding window for rates, and how long a timestamp problem is "
          "reported after it was last seen (in nanoseconds)", 100 * GST_MSECOND,
          G_MAXUINT64, DEFAULT_WINDOW, flags));
  g_object_class_install_property (object_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Current figures and counters, as in the stream-health message",
          GST_TYPE_STRUCTURE,
          (GParamFlags) (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "Stream health",
      "Filter/Analyzer",
      "Watches bitrate, frame rate, keyframe interval, timestamps and stalls "
      "without altering the stream", "camgate");
  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_stream_health_change_state);
  element_class->set_clock = GST_DEBUG_FUNCPTR (gst_stream_health_set_clock);
  transform_class->transform_ip =
      GST_DEBUG_FUNCPTR (gst_stream_health_transform_ip);
  transform_class->set_caps = GST_DEBUG_FUNCPTR (gst_stream_health_set_caps);
  // Passthrough, yet called for every buffer: it is only read, never made
  // writable or copied.
  transform_class->passthrough_on_same_caps = TRUE;
  transform_class->transform_ip_on_passthrough = TRUE;

  GST_DEBUG_CATEGORY_INIT (gst_stream_health_debug, "streamhealth", 0,
      "streamhealth");
}

static void
gst_stream_health_init (GstStreamHealth * self)
{
  self->priv = new GstStreamHealthPrivate ();
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), TRUE);
  gst_base_transform_set_gap_aware (GST_BASE_TRANSFORM (self), TRUE);
}
