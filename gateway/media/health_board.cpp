#include "media/health_board.h"

#include <algorithm>

namespace camgate {

HealthBoard::~HealthBoard ()
{
  begin_session ();
}

GstElement *
HealthBoard::make_element (const HealthSpec & spec)
{
  GstElement *health = gst_element_factory_make ("streamhealth", nullptr);
  if (!health)
    return nullptr;
  g_object_set (health,
      "stall-timeout", (guint64) spec.stall_timeout_ms * GST_MSECOND,
      "max-gop", (guint64) spec.max_gop_ms * GST_MSECOND,
      "max-gap", (guint64) spec.max_gap_ms * GST_MSECOND,
      "min-fps", spec.min_fps,
      // A quarter of the stall timeout, so a stall is seen within
      // stall-timeout + 25 %.
      "interval", (guint64) std::clamp<guint64> (spec.stall_timeout_ms / 4,
          50, 1000) * GST_MSECOND, nullptr);
  return health;
}

void
HealthBoard::begin_session ()
{
  std::lock_guard<std::mutex> lk (lock_);
  for (auto *element : entries_)
    gst_object_unref (element);
  entries_.clear ();
}

void
HealthBoard::add (GstElement * health)
{
  std::lock_guard<std::mutex> lk (lock_);
  entries_.push_back (GST_ELEMENT (gst_object_ref (health)));
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

StreamHealthSummary
HealthBoard::read ()
{
  std::lock_guard<std::mutex> lk (lock_);
  if (entries_.empty ())
    return last_;

  StreamHealthSummary summary;
  bool video_stalled = false, any_video = false, all_stalled = true;
  for (auto *element : entries_) {
    GstStructure *stats = nullptr;
    g_object_get (element, "stats", &stats, nullptr);
    if (!stats)
      continue;
    TrackHealth track;
    describe_track (element, track);
    track.state = gst_structure_get_string (stats, "state");
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
    for (guint i = 0; reasons && i < gst_value_array_get_size (reasons); i++) {
      std::string reason = g_value_get_string (
          gst_value_array_get_value (reasons, i));
      track.reasons.push_back (reason);
      if (std::find (summary.reasons.begin (), summary.reasons.end (), reason)
          == summary.reasons.end ())
        summary.reasons.push_back (reason);
    }
    gst_structure_free (stats);

    bool stalled = track.state == "stalled";
    all_stalled &= stalled;
    if (track.media == "video") {
      any_video = true;
      video_stalled |= stalled;
    }
    summary.tracks.push_back (std::move (track));
  }
  // The picture is what matters: a camera whose video froze is stalled even
  // if its audio goes on.
  bool stalled = any_video ? video_stalled : (all_stalled && !summary.tracks.empty ());
  summary.state = stalled ? "stalled" : summary.reasons.empty () ? "healthy"
      : "degraded";
  last_ = summary;
  return summary;
}

}  // namespace camgate
