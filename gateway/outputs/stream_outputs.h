// The outputs a stream's definition asks for: the LL-HLS/DASH packager
// (outputs.hls), the WebRTC feed (outputs.webrtc), the recording (record:)
// and, for every stream, on-demand snapshots. RTSP players are served by the
// RTSP server from the stream's fanout directly and are not an output here.
#pragma once

#include "media/stream_output.h"

namespace camgate {

std::vector<std::shared_ptr<StreamOutput>> make_stream_outputs (
    const StreamSpec & spec, const std::shared_ptr<RtpFanout> & fanout);

}  // namespace camgate
