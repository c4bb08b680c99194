// The chain a demuxed track (rtmpserversrc's, tsdemux's) goes through to
// become one of the stream's RTP tracks: a queue, so that tracks do not wait
// on each other; audio parsed (a transport stream carries ADTS); payloaded
// as the codec table says.
#pragma once

#include <gst/gst.h>

namespace camgate {

// Adds the chain for `pad` to `bin`, links it and brings it to the bin's
// state. Returns the chain's RTP output pad (a new reference), or nullptr
// for a codec camgate does not carry (logged with `owner`).
GstPad *add_track_chain (GstBin * bin, GstPad * pad, const char * owner);

}  // namespace camgate
