#include "hls/hls_output.h"

#include "cmafsink_store.h"
#include "media/cmaf_tracks.h"

#include <algorithm>

namespace camgate {

HlsOutput::HlsOutput (std::string stream, HlsSpec spec,
    std::shared_ptr<RtpFanout> fanout, std::optional<HlsRendition> rendition)
    : FanoutOutput (std::move (stream), rendition ? "HLS/DASH " + rendition->name
        : "HLS/DASH", std::move (fanout)),
      spec_ (spec), rendition_ (std::move (rendition))
{
}

HlsOutput::~HlsOutput ()
{
  stop ();
}

std::optional<Demand>
HlsOutput::demand () const
{
  if (!rendition_)
    return std::nullopt;
  return Demand { ReaderKind::Hls, rendition_->linger_us,
    rendition_->abr_readers };
}

GstElement *
HlsOutput::sink () const
{
  std::lock_guard<std::mutex> lk (store_lock_);
  return sink_ ? GST_ELEMENT (gst_object_ref (sink_)) : nullptr;
}

void
HlsOutput::update (const OutputTick & tick)
{
  if (!rendition_) {
    FanoutOutput::update (tick);
    return;
  }
  if (!encoder_lease_) {
    encoder_lease_ = rendition_->encoder_readers->lease ();
    wanted_since_us_ = tick.now_us;
  }
  // Built lined up with the camera's packaging as it runs now: rebuilt when
  // that one is (a new camera layout), held back while it does not run.
  GstElement *leader = rendition_->leader->sink ();
  if (running () && leader != leader_sink_)
    FanoutOutput::stop ();
  if (leader)
    FanoutOutput::update (tick);
  gst_clear_object (&leader);
}

void
HlsOutput::stop ()
{
  FanoutOutput::stop ();
  encoder_lease_.reset ();
}

bool
HlsOutput::starting (int64_t now_us) const
{
  if (!encoder_lease_)
    return true;
  auto packaged = store ();
  return !(packaged && packaged->has_media ())
      && now_us - wanted_since_us_ < kStartWaitUs;
}

std::shared_ptr<hls::SegmentStore>
HlsOutput::store () const
{
  std::lock_guard<std::mutex> lk (store_lock_);
  if (idle_at_part_us_ >= 0 && store_
      && store_->last_part_us () == idle_at_part_us_)
    return nullptr;
  idle_at_part_us_ = -1;
  return store_;
}

bool
HlsOutput::describe (const RtpFanout::Layout & layout,
    std::string & description, std::string & error)
{
  description = "cmafsink name=sink part-duration="
      + std::to_string ((guint64) spec_.part_ms * GST_MSECOND)
      + " segment-duration=" + std::to_string ((guint64) spec_.segment_ms
      * GST_MSECOND) + " window=" + std::to_string (spec_.window);
  if (!describe_cmaf_tracks (layout, "sink", description)) {
    error = "no track can be packaged in CMAF";
    return false;
  }
  return true;
}

void
HlsOutput::started (GstElement * pipeline)
{
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  if (rendition_) {
    gst_clear_object (&leader_sink_);
    leader_sink_ = rendition_->leader->sink ();
    g_object_set (sink, "align-to", leader_sink_, nullptr);
  }
  std::lock_guard<std::mutex> lk (store_lock_);
  store_ = gst_cmaf_sink_get_store (GST_CMAF_SINK (sink));
  started_us_ = g_get_monotonic_time ();
  gst_clear_object (&sink_);
  sink_ = sink;
}

void
HlsOutput::stopped ()
{
  gst_clear_object (&leader_sink_);
  std::lock_guard<std::mutex> lk (store_lock_);
  gst_clear_object (&sink_);
  // A rendition's playlist would stand still: players are told there is
  // none until it runs again.
  if (rendition_)
    store_.reset ();
}

void
HlsOutput::source_idle ()
{
  // The last run's playlist would stand still: until the source sends again
  // players are told there is none, and their request (which wakes the
  // source) waits.
  std::lock_guard<std::mutex> lk (store_lock_);
  if (store_)
    idle_at_part_us_ = store_->last_part_us ();
}

bool
HlsOutput::parts_overdue (int64_t now_us, int64_t started_us,
    int64_t last_part_us, unsigned target_duration_s)
{
  if (last_part_us < started_us)
    return now_us - started_us > 15 * G_USEC_PER_SEC;
  const int64_t allowed = std::max<int64_t> (5 * G_USEC_PER_SEC,
      3 * (int64_t) target_duration_s * G_USEC_PER_SEC);
  return now_us - last_part_us > allowed;
}

bool
HlsOutput::stalled (int64_t now_us, int64_t session_us) const
{
  std::shared_ptr<hls::SegmentStore> store;
  int64_t started_us;
  {
    std::lock_guard<std::mutex> lk (store_lock_);
    store = store_;
    started_us = started_us_;
  }
  return running () && store && parts_overdue (now_us, std::max (started_us,
          session_us), store->last_part_us (),
      store->config ().target_duration);
}

void
HlsOutput::add_health_reasons (const OutputTick & tick,
    std::vector<std::string> & reasons) const
{
  if (tick.delivering && stalled (tick.now_us, tick.delivering_since_us))
    reasons.push_back (rendition_ ? "hls-stalled:" + rendition_->name
        : "hls-stalled");
}

}  // namespace camgate
