#pragma once

#include <gst/base/gstaggregator.h>

G_BEGIN_DECLS

#define GST_TYPE_CMAF_CHUNK_MUX (gst_cmaf_chunk_mux_get_type ())
G_DECLARE_FINAL_TYPE (GstCmafChunkMux, gst_cmaf_chunk_mux, GST, CMAF_CHUNK_MUX,
    GstAggregator);

GST_ELEMENT_REGISTER_DECLARE (cmafchunkmux);

G_END_DECLS
