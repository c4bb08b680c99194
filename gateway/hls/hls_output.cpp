#include "hls/hls_output.h"

#include "cmafsink_store.h"
#include "media/cmaf_tracks.h"

#include <algorithm>

namespace camgate {

HlsOutput::HlsOutput (std::string stream, HlsSpec spec,
    std::shared_ptr<RtpFanout> fanout)
    : FanoutOutput (std::move (stream), "HLS/DASH", std::move (fanout)),
      spec_ (spec)
{
}

HlsOutput::~HlsOutput ()
{
  stop ();
}

std::shared_ptr<hls::SegmentStore>
HlsOutput::store () const
{
  std::lock_guard<std::mutex> lk (store_lock_);
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
  std::lock_guard<std::mutex> lk (store_lock_);
  store_ = gst_cmaf_sink_get_store (GST_CMAF_SINK (sink));
  started_us_ = g_get_monotonic_time ();
  gst_object_unref (sink);
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
    reasons.push_back ("hls-stalled");
}

}  // namespace camgate
