#include "outputs/stream_outputs.h"

#include "hls/hls_output.h"
#include "recording/recording_output.h"
#include "snapshot/snapshot_output.h"
#include "transcode/rendition_ladder.h"
#include "webrtc/webrtc_feed.h"

namespace camgate {

std::vector<std::shared_ptr<StreamOutput>>
make_stream_outputs (const StreamSpec & spec,
    const std::shared_ptr<RtpFanout> & fanout)
{
  std::vector<std::shared_ptr<StreamOutput>> outputs;
  if (spec.outputs.hls.enabled)
    outputs.push_back (std::make_shared<HlsOutput> (spec.name,
            spec.outputs.hls, fanout));
  if (spec.outputs.webrtc.enabled)
    outputs.push_back (std::make_shared<webrtc::WebRtcFeed> (spec.name, fanout,
            spec.outputs.webrtc.warm));
  if (spec.record.enabled)
    outputs.push_back (std::make_shared<RecordingOutput> (spec.name,
            spec.record, fanout));
  outputs.push_back (std::make_shared<SnapshotOutput> (spec.name, fanout));
  if (spec.transcode.enabled ())
    outputs.push_back (std::make_shared<transcode::RenditionLadder> (spec.name,
            fanout, spec.transcode));
  return outputs;
}

}  // namespace camgate
