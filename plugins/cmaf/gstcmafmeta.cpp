#include "gstcmafmeta.h"

GType
gst_cmaf_chunk_meta_api_get_type (void)
{
  static GType type = 0;
  static const gchar *tags[] = { nullptr };
  if (g_once_init_enter (&type)) {
    GType t = gst_meta_api_type_register ("GstCmafChunkMetaAPI", tags);
    g_once_init_leave (&type, t);
  }
  return type;
}

static gboolean
cmaf_chunk_meta_init (GstMeta * meta, gpointer, GstBuffer *)
{
  auto m = reinterpret_cast<GstCmafChunkMeta *> (meta);
  m->flags = (GstCmafChunkFlags) 0;
  m->duration = GST_CLOCK_TIME_NONE;
  m->segment_start = GST_CLOCK_TIME_NONE;
  m->segment = 0;
  m->part = 0;
  m->sequence = 0;
  return TRUE;
}

static gboolean
cmaf_chunk_meta_transform (GstBuffer * dest, GstMeta * meta, GstBuffer *,
    GQuark type, gpointer)
{
  // Copies travel with the buffer; a region of a chunk is not a chunk.
  if (!GST_META_TRANSFORM_IS_COPY (type))
    return FALSE;
  auto from = reinterpret_cast<GstCmafChunkMeta *> (meta);
  GstCmafChunkMeta *to = gst_buffer_add_cmaf_chunk_meta (dest);
  to->flags = from->flags;
  to->duration = from->duration;
  to->segment_start = from->segment_start;
  to->segment = from->segment;
  to->part = from->part;
  to->sequence = from->sequence;
  return TRUE;
}

const GstMetaInfo *
gst_cmaf_chunk_meta_get_info (void)
{
  static const GstMetaInfo *info = nullptr;
  if (g_once_init_enter (&info)) {
    const GstMetaInfo *i = gst_meta_register (GST_CMAF_CHUNK_META_API_TYPE,
        "GstCmafChunkMeta", sizeof (GstCmafChunkMeta), cmaf_chunk_meta_init,
        nullptr, cmaf_chunk_meta_transform);
    g_once_init_leave (&info, i);
  }
  return info;
}

GstCmafChunkMeta *
gst_buffer_add_cmaf_chunk_meta (GstBuffer * buffer)
{
  return reinterpret_cast<GstCmafChunkMeta *> (gst_buffer_add_meta (buffer,
          gst_cmaf_chunk_meta_get_info (), nullptr));
}
