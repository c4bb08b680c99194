// GstCmafChunkMeta: what cmafchunkmux says about each buffer it outputs, so a
// sink can build playlists without parsing boxes.
//
// - The header (ftyp + moov) buffer has GST_BUFFER_FLAG_HEADER and is also
//   the src caps' "streamheader"; its meta has GST_CMAF_CHUNK_HEADER.
// - Every other buffer is one CMAF chunk ([styp] + moof + mdat) = one LL-HLS
//   part: GST_CMAF_CHUNK_SEGMENT_START on the first chunk of a segment (it
//   starts with a keyframe and carries styp), GST_CMAF_CHUNK_INDEPENDENT when
//   the chunk starts with a keyframe (EXT-X-PART INDEPENDENT=YES). Non-
//   independent chunks also carry GST_BUFFER_FLAG_DELTA_UNIT.
// - `duration` is the chunk's duration, `segment_start` the running time of
//   its segment's first sample, `segment` and `part` number the segment and the
//   chunk within it (both from 0), `sequence` is the moof sequence number.
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

typedef enum
{
  GST_CMAF_CHUNK_HEADER = (1 << 0),
  GST_CMAF_CHUNK_SEGMENT_START = (1 << 1),
  GST_CMAF_CHUNK_INDEPENDENT = (1 << 2),
} GstCmafChunkFlags;

typedef struct
{
  GstMeta meta;
  GstCmafChunkFlags flags;
  GstClockTime duration;
  GstClockTime segment_start;
  guint64 segment;
  guint part;
  guint32 sequence;
} GstCmafChunkMeta;

GType gst_cmaf_chunk_meta_api_get_type (void);
#define GST_CMAF_CHUNK_META_API_TYPE (gst_cmaf_chunk_meta_api_get_type ())
const GstMetaInfo *gst_cmaf_chunk_meta_get_info (void);

GstCmafChunkMeta *gst_buffer_add_cmaf_chunk_meta (GstBuffer * buffer);
#define gst_buffer_get_cmaf_chunk_meta(b) \
    ((GstCmafChunkMeta *) gst_buffer_get_meta ((b), GST_CMAF_CHUNK_META_API_TYPE))

G_END_DECLS
