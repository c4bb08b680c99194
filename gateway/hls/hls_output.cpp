#include "hls/hls_output.h"

#include "gstcmafsink.h"
#include "stream/cmaf_tracks.h"

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
  gst_object_unref (sink);
}

}  // namespace camgate
