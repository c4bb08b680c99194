#include "media/health_board.h"

#include "media/health_watch.h"

#include <algorithm>

namespace camgate {

namespace {

GstElement *
make_streamhealth (const HealthSpec & spec)
{
  GstElement *health = gst_element_factory_make ("streamhealth", nullptr);
  if (!health)
    return nullptr;
  g_object_set (health,
      "stall-timeout", (guint64) spec.stall_timeout_ms * GST_MSECOND,
      "max-gop", (guint64) spec.max_gop_ms * GST_MSECOND,
      "max-gap", (guint64) spec.max_gap_ms * GST_MSECOND,
      "min-fps", spec.min_fps,
      // The reports are the stream's health readings: at most 250 ms old
      // (the API's figures), and a stall is seen within stall-timeout +
      // 25 %.
      "interval", (guint64) std::clamp<guint64> (spec.stall_timeout_ms / 4,
          50, 250) * GST_MSECOND, nullptr);
  return health;
}

}  // namespace

GstElement *
HealthBoard::make_watch (const HealthSpec & spec)
{
  GstElement *health = make_streamhealth (spec);
  if (!health)
    return nullptr;
  uint64_t session;
  size_t index;
  {
    std::lock_guard<std::mutex> lk (lock_);
    session = session_;
    index = tracks_.size ();
    tracks_.emplace_back ();
  }
  std::weak_ptr<HealthBoard> weak = shared_from_this ();
  return camgate_health_watch_new (health, [weak, session, index](
          GstElement * element, const GstStructure * stats) {
        if (auto board = weak.lock ())
          board->report (session, index, element, stats);
      });
}

void
HealthBoard::begin_session ()
{
  std::lock_guard<std::mutex> lk (lock_);
  session_++;
  tracks_.clear ();
}

void
HealthBoard::on_change (std::function<void ()> listener)
{
  std::lock_guard<std::mutex> lk (lock_);
  listener_ = std::move (listener);
}

StreamHealthSummary
HealthBoard::read () const
{
  std::lock_guard<std::mutex> lk (lock_);
  StreamHealthSummary summary = last_;
  summary.stale = std::none_of (tracks_.begin (), tracks_.end (),
      [](const auto & track) { return track.has_value (); });
  return summary;
}

namespace {

// What the element watches, from the caps on its input (RTP caps).
void
describe_track (GstElement * health, TrackHealth & track)
{
  GstPad *pad = gst_element_get_static_pad (health, "sink");
  GstCaps *caps = gst_pad_get_current_caps (pad);
  gst_object_unref (pad);
  if (!caps)
    return;
  const GstStructure *s = gst_caps_get_structure (caps, 0);
  if (const gchar *media = gst_structure_get_string (s, "media"))
    track.media = media;
  if (const gchar *encoding = gst_structure_get_string (s, "encoding-name"))
    track.encoding = encoding;
  gst_caps_unref (caps);
}

}  // namespace

namespace {

TrackHealth
track_from_report (GstElement * health, const GstStructure * stats)
{
  TrackHealth track;
  describe_track (health, track);
  if (const gchar *state = gst_structure_get_string (stats, "state"))
    track.state = state;
  gst_structure_get_uint64 (stats, "bitrate", &track.bitrate);
  gst_structure_get_double (stats, "fps", &track.fps);
  gst_structure_get_uint (stats, "gop-frames", &track.gop_frames);
  GstClockTime gop = GST_CLOCK_TIME_NONE;
  gst_structure_get_clock_time (stats, "gop-duration", &gop);
  track.gop_seconds = GST_CLOCK_TIME_IS_VALID (gop)
      ? gop / (double) GST_SECOND : 0;
  gst_structure_get_uint64 (stats, "packets-lost", &track.packets_lost);
  gst_structure_get_uint64 (stats, "stalls", &track.stalls);
  const GValue *reasons = gst_structure_get_value (stats, "reasons");
  for (guint i = 0; reasons && i < gst_value_array_get_size (reasons); i++)
    track.reasons.push_back (g_value_get_string (
            gst_value_array_get_value (reasons, i)));
  return track;
}

}  // namespace

void
HealthBoard::report (uint64_t session, size_t index, GstElement * health,
    const GstStructure * stats)
{
  TrackHealth track = track_from_report (health, stats);
  std::function<void ()> listener;
  {
    std::lock_guard<std::mutex> lk (lock_);
    if (session != session_ || index >= tracks_.size ())
      return;                      // a track of a session that ended
    tracks_[index] = std::move (track);
    StreamHealthSummary summary = summarize_locked ();
    const bool changed = summary.state != last_.state
        || summary.reasons != last_.reasons;
    last_ = std::move (summary);
    if (changed)
      listener = listener_;
  }
  if (listener)
    listener ();
}

StreamHealthSummary
HealthBoard::summarize_locked () const
{
  StreamHealthSummary summary;
  bool video_stalled = false, any_video = false, all_stalled = true;
  for (const auto & track : tracks_) {
    if (!track)
      continue;                    // not reported yet
    for (const auto & reason : track->reasons)
      if (std::find (summary.reasons.begin (), summary.reasons.end (), reason)
          == summary.reasons.end ())
        summary.reasons.push_back (reason);
    const bool stalled = track->state == "stalled";
    all_stalled &= stalled;
    if (track->media == "video") {
      any_video = true;
      video_stalled |= stalled;
    }
    summary.tracks.push_back (*track);
  }
  // The picture is what matters: a camera whose video froze is stalled even
  // if its audio goes on.
  bool stalled = any_video ? video_stalled : (all_stalled && !summary.tracks.empty ());
  summary.state = stalled ? "stalled" : summary.reasons.empty () ? "healthy"
      : "degraded";
  return summary;
}

}  // namespace camgate
