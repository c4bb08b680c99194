#include "outputs/stream_outputs.h"

#include "hls/hls_output.h"
#include "onvif/camera_events.h"
#include "outputs/push_output.h"
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
  std::shared_ptr<HlsOutput> hls;
  if (spec.outputs.hls.enabled) {
    hls = std::make_shared<HlsOutput> (spec.name, spec.outputs.hls, fanout);
    outputs.push_back (hls);
  }
  if (spec.outputs.webrtc.enabled)
    outputs.push_back (std::make_shared<webrtc::WebRtcFeed> (spec.name, fanout,
            spec.outputs.webrtc.warm));
  if (spec.record.enabled)
    outputs.push_back (std::make_shared<RecordingOutput> (spec.name,
            spec.record, fanout));
  outputs.push_back (std::make_shared<SnapshotOutput> (spec.name, fanout));
  if (spec.source.events && spec.source.uri.rfind ("onvif://", 0) == 0)
    outputs.push_back (std::make_shared<CameraEvents> (spec.name,
            spec.source.uri));
  for (const auto & target : spec.outputs.push)
    outputs.push_back (std::make_shared<PushOutput> (spec.name, target,
            fanout));
  // With WebRTC, the camera's picture as H.264 too, for browsers that cannot
  // decode the camera's codec (H.265); encoded only while one watches.
  TranscodeSpec transcode = spec.transcode;
  if (spec.outputs.webrtc.enabled)
    transcode.renditions.push_back (RenditionSpec::automatic_h264 ());
  if (transcode.enabled ()) {
    auto ladder = std::make_shared<transcode::RenditionLadder> (spec.name,
        fanout, transcode);
    outputs.push_back (ladder);
    // Each configured rendition packaged for LL-HLS/DASH beside the
    // camera's own, while the stream has adaptive-bitrate players (they
    // switch between them).
    auto abr_readers = std::make_shared<ReaderCount> ();
    if (hls)
      for (const auto & target : ladder->mount_targets ())
        outputs.push_back (std::make_shared<HlsOutput> (spec.name,
                spec.outputs.hls, target->fanout, HlsRendition {
                  target->name.substr (spec.name.size () + 1),
                  target->readers, hls, abr_readers,
                  transcode::RenditionLadder::kLingerUs }));
    // Each rendition to WHEP viewers who ask for it (after the ladder: a
    // tick starts the rendition before its feed looks for its frames).
    if (spec.outputs.webrtc.enabled)
      for (const auto & target : ladder->rendition_targets ())
        outputs.push_back (std::make_shared<webrtc::WebRtcFeed> (spec.name,
                target->fanout, false, webrtc::FeedRendition {
                  target->name.substr (spec.name.size () + 1),
                  target->readers, fanout,
                  transcode::RenditionLadder::kLingerUs }));
  }
  return outputs;
}

}  // namespace camgate
