// The C++ side of cmafsink for programs linked with it (the camgate
// gateway): the segment store itself, with blocking-reload readiness and
// change notifications. C and Python applications use the element's
// "get-file" action signal and its cmafsink-* messages instead.
#pragma once

#include "gstcmafsink.h"
#include "hls/segment_store.h"

#include <memory>

// The store a cmafsink fills. Created on first use from the sink's
// properties; stays the same for the sink's lifetime.
std::shared_ptr<camgate::hls::SegmentStore> gst_cmaf_sink_get_store (
    GstCmafSink * sink);
