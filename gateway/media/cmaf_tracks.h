// The depayloading chains of outputs that package a stream as CMAF (the
// LL-HLS packager, recordings): the first video (H.264/H.265) and the first
// audio track each become a chain into a cmafchunkmux-like element's
// `video` / `audio` pads. G.711, which CMAF players cannot take, is
// transcoded to AAC for these outputs only.
#pragma once

#include "media/rtp_fanout.h"

#include <string>

namespace camgate {

// Appends "<track source> ! <chain> ! <target>.video" (and .audio) to
// `description`; false when no track can go into CMAF.
bool describe_cmaf_tracks (const RtpFanout::Layout & layout,
    const std::string & target, std::string & description);

}  // namespace camgate
