/**
 * SECTION:element-cmafsink
 * @title: cmafsink
 * @short_description: LL-HLS and DASH from one set of CMAF segments
 *
 * A bin of cmafchunkmux and a writer. It keeps the stream's CMAF header,
 * parts and segments with an LL-HLS media playlist (`stream.m3u8`: PART-INF,
 * SERVER-CONTROL with CAN-BLOCK-RELOAD, PART-HOLD-BACK = 3 × part target,
 * CAN-SKIP-UNTIL, EXT-X-MAP, PROGRAM-DATE-TIME, EXT-X-PART with INDEPENDENT,
 * EXT-X-PRELOAD-HINT), a multivariant playlist (`index.m3u8`: BANDWIDTH,
 * CODECS, RESOLUTION) and a DASH MPD (`manifest.mpd`: live profile,
 * SegmentTemplate over the same segment files, availabilityTimeOffset), in a
 * sliding window of #GstCmafSink:window segments.
 *
 * With #GstCmafSink:location it writes all of it to that folder (files are
 * renamed into place, old ones deleted), for any web server to serve as plain
 * LL-HLS/DASH. The camgate gateway instead serves the in-memory store itself,
 * with blocking playlist reload.
 *
 * Request pads `video` and `audio`, as on cmafchunkmux.
 *
 * Renditions of one picture (an adaptive-bitrate ladder) are packaged by one
 * cmafsink each; #GstCmafSink:align-to makes each line its segments up with
 * one of them (same numbers, boundaries and decode times).
 *
 * An application serves the files itself with the #GstCmafSink::get-file
 * action signal (`stream.m3u8`, `index.m3u8`, `manifest.mpd`, `init.mp4`,
 * `seg<N>.m4s`, `part<N>.m4s`, and DASH's per-track `init-<track>.mp4`,
 * `seg<N>-<track>.m4s`), and learns what changed from element messages, each
 * with the file's `uri`: `cmafsink-header` (a new `init.mp4`),
 * `cmafsink-part`, `cmafsink-segment` (a segment is complete) and
 * `cmafsink-removed` (it left the window).
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 videotestsrc is-live=true ! x264enc tune=zerolatency
 *     key-int-max=50 ! h264parse ! cmafsink location=/var/www/live
 * ]|
 *
 * Since: 0.1
 */
#include "gstcmafsink.h"

#include "cmafsink_store.h"
#include "gstcmafchunkmux.h"
#include "gstcmafcaps.h"
#include "gstcmafmeta.h"
#include "segments.h"

#include <gst/app/gstappsink.h>
#include <gst/pbutils/codec-utils.h>

#include <cmath>
#include <mutex>

GST_DEBUG_CATEGORY_STATIC (gst_cmaf_sink_debug);
#define GST_CAT_DEFAULT gst_cmaf_sink_debug

#define DEFAULT_PART_DURATION (200 * GST_MSECOND)
#define DEFAULT_SEGMENT_DURATION (2 * GST_SECOND)
#define DEFAULT_WINDOW 6

enum
{
  SIGNAL_GET_FILE,
  LAST_SIGNAL,
};

static guint signals[LAST_SIGNAL];

enum
{
  PROP_0,
  PROP_LOCATION,
  PROP_PART_DURATION,
  PROP_SEGMENT_DURATION,
  PROP_WINDOW,
  PROP_ALIGN_TO,
};

struct GstCmafSinkPrivate
{
  std::mutex lock;
  std::string location;
  GstClockTime part_duration = DEFAULT_PART_DURATION;
  GstClockTime segment_duration = DEFAULT_SEGMENT_DURATION;
  guint window = DEFAULT_WINDOW;

  GstElement *mux = nullptr;
  GstElement *align_to = nullptr;   // a reference, for the property's getter
  GstElement *appsink = nullptr;
  std::shared_ptr<camgate::hls::SegmentStore> store;
  std::unique_ptr<camgate::hls::DirectoryWriter> writer;
  int observer = 0;                // posts the cmafsink-* messages
  // Wall clock minus running time, taken at the first chunk (for PDT).
  gint64 wall_offset_us = 0;
  bool have_wall_offset = false;
};

struct _GstCmafSink
{
  GstBin parent;
  GstCmafSinkPrivate *priv;
};

#define gst_cmaf_sink_parent_class parent_class
G_DEFINE_TYPE (GstCmafSink, gst_cmaf_sink, GST_TYPE_BIN);
GST_ELEMENT_REGISTER_DEFINE (cmafsink, "cmafsink", GST_RANK_NONE,
    GST_TYPE_CMAF_SINK);

static GstStaticPadTemplate video_template = GST_STATIC_PAD_TEMPLATE ("video",
    GST_PAD_SINK, GST_PAD_REQUEST, GST_STATIC_CAPS (GST_CMAF_VIDEO_CAPS));
static GstStaticPadTemplate audio_template = GST_STATIC_PAD_TEMPLATE ("audio",
    GST_PAD_SINK, GST_PAD_REQUEST, GST_STATIC_CAPS (GST_CMAF_AUDIO_CAPS));

namespace {

std::vector<uint8_t>
bytes_of (GstBuffer * buffer)
{
  std::vector<uint8_t> bytes (gst_buffer_get_size (buffer));
  gst_buffer_extract (buffer, 0, bytes.data (), bytes.size ());
  return bytes;
}

// What the multivariant playlist says about the stream, from the muxer's
// input caps.
camgate::hls::StreamInfo
describe_inputs (GstElement * mux)
{
  camgate::hls::StreamInfo info;
  std::string codecs;
  GstIterator *it = gst_element_iterate_sink_pads (mux);
  GValue item = G_VALUE_INIT;
  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    GstPad *pad = GST_PAD (g_value_get_object (&item));
    GstCaps *caps = gst_pad_get_current_caps (pad);
    g_value_reset (&item);
    if (!caps)
      continue;
    const GstStructure *s = gst_caps_get_structure (caps, 0);
    g_autofree gchar *mime_codec = gst_codec_utils_caps_get_mime_codec (caps);
    const std::string codec = mime_codec ? mime_codec : "";
    // Video first, as players expect.
    if (g_str_has_prefix (gst_structure_get_name (s), "video/"))
      codecs = codec + (codecs.empty () ? "" : "," + codecs);
    else
      codecs = codecs.empty () ? codec : codecs + "," + codec;
    gint width = 0, height = 0;
    if (gst_structure_get_int (s, "width", &width)
        && gst_structure_get_int (s, "height", &height)) {
      info.width = width;
      info.height = height;
    }
    gint fps_n = 0, fps_d = 1;
    if (gst_structure_get_fraction (s, "framerate", &fps_n, &fps_d)
        && fps_n > 0 && fps_d > 0)
      info.frame_rate = (double) fps_n / fps_d;
    gst_caps_unref (caps);
  }
  g_value_unset (&item);
  gst_iterator_free (it);
  info.codecs = codecs;
  return info;
}

GstFlowReturn
on_new_sample (GstAppSink * appsink, gpointer user_data)
{
  auto self = GST_CMAF_SINK (user_data);
  auto priv = self->priv;
  GstSample *sample = gst_app_sink_pull_sample (appsink);
  if (!sample)
    return GST_FLOW_EOS;
  GstBuffer *buffer = gst_sample_get_buffer (sample);
  GstCmafChunkMeta *meta = gst_buffer_get_cmaf_chunk_meta (buffer);
  auto store = gst_cmaf_sink_get_store (self);
  if (meta && (meta->flags & GST_CMAF_CHUNK_HEADER)) {
    store->set_header (bytes_of (buffer), describe_inputs (priv->mux));
  } else if (meta) {
    if (!priv->have_wall_offset) {
      GstClock *clock = gst_element_get_clock (GST_ELEMENT (self));
      GstClockTime running = GST_CLOCK_TIME_NONE;
      if (clock) {
        running = gst_clock_get_time (clock)
            - gst_element_get_base_time (GST_ELEMENT (self));
        gst_object_unref (clock);
      }
      // The chunk ended "now"; its first sample was captured a chunk ago.
      gint64 chunk_end = GST_CLOCK_TIME_IS_VALID (running) ? running
          : GST_BUFFER_PTS (buffer) + meta->duration;
      priv->wall_offset_us = g_get_real_time ()
          - (gint64) (chunk_end / GST_USECOND);
      priv->have_wall_offset = true;
    }
    camgate::hls::ChunkInfo chunk;
    chunk.segment = meta->segment;
    chunk.part = meta->part;
    chunk.duration = meta->duration / (double) GST_SECOND;
    chunk.independent = meta->flags & GST_CMAF_CHUNK_INDEPENDENT;
    chunk.segment_start = meta->flags & GST_CMAF_CHUNK_SEGMENT_START;
    chunk.wall_clock_ms = (priv->wall_offset_us
        + (gint64) (GST_BUFFER_PTS (buffer) / GST_USECOND)) / 1000;
    store->add_chunk (chunk, bytes_of (buffer));
  }
  gst_sample_unref (sample);
  return GST_FLOW_OK;
}


// A cmafsink-* element message for each change of the store (which only
// the sink changes; finalize stops the observing).
int
post_store_events (GstCmafSink * self, camgate::hls::SegmentStore & store)
{
  return store.observe ([self](const camgate::hls::StoreEvent & event) {
        const char *name = nullptr;
        switch (event.kind) {
          case camgate::hls::StoreEvent::Header:
            name = "cmafsink-header";
            break;
          case camgate::hls::StoreEvent::Part:
            name = "cmafsink-part";
            break;
          case camgate::hls::StoreEvent::SegmentComplete:
            name = "cmafsink-segment";
            break;
          case camgate::hls::StoreEvent::Removed:
            name = "cmafsink-removed";
            break;
        }
        gst_element_post_message (GST_ELEMENT (self), gst_message_new_element
            (GST_OBJECT (self), gst_structure_new (name, "uri", G_TYPE_STRING,
                    event.uri.c_str (), nullptr)));
      });
}

// The "get-file" action signal: a copy of a file the store holds, or NULL.
GBytes *
get_file (GstCmafSink * self, const gchar * uri)
{
  using camgate::hls::SegmentStore;
  if (!uri)
    return nullptr;
  auto store = gst_cmaf_sink_get_store (self);
  const std::string name = uri;
  std::string text;
  if (name == SegmentStore::kMediaPlaylist)
    text = store->media_playlist ();
  else if (name == SegmentStore::kMultivariant)
    text = store->multivariant_playlist ();
  else if (name == SegmentStore::kManifest)
    text = store->dash_manifest ();
  else if (auto bytes = store->file (name))
    return g_bytes_new (bytes->data (), bytes->size ());
  else
    return nullptr;
  // Playlists exist once media does.
  if (!store->has_media ())
    return nullptr;
  return g_bytes_new (text.data (), text.size ());
}

}  // namespace

std::shared_ptr<camgate::hls::SegmentStore>
gst_cmaf_sink_get_store (GstCmafSink * self)
{
  auto priv = self->priv;
  std::lock_guard<std::mutex> lk (priv->lock);
  if (!priv->store) {
    camgate::hls::PlaylistConfig config;
    config.part_target = priv->part_duration / (double) GST_SECOND;
    config.target_duration = std::max<unsigned> (1,
        (unsigned) std::ceil (priv->segment_duration / (double) GST_SECOND));
    config.window = priv->window;
    priv->store = std::make_shared<camgate::hls::SegmentStore> (config);
    priv->observer = post_store_events (self, *priv->store);
    if (!priv->location.empty ()) {
      priv->writer = std::make_unique<camgate::hls::DirectoryWriter> (
          priv->store, priv->location);
      if (!priv->writer->error ().empty ())
        GST_ELEMENT_WARNING (self, RESOURCE, OPEN_WRITE, (nullptr), ("%s",
                priv->writer->error ().c_str ()));
    }
  }
  return priv->store;
}

static GstPad *
gst_cmaf_sink_request_new_pad (GstElement * element, GstPadTemplate * templ,
    const gchar *, const GstCaps *)
{
  auto self = GST_CMAF_SINK (element);
  GstPad *target = gst_element_request_pad_simple (self->priv->mux,
      GST_PAD_TEMPLATE_NAME_TEMPLATE (templ));
  if (!target)
    return nullptr;
  GstPad *ghost = gst_ghost_pad_new_from_template (GST_PAD_NAME (target),
      target, templ);
  gst_object_unref (target);
  gst_pad_set_active (ghost, TRUE);
  gst_element_add_pad (element, ghost);
  return ghost;
}

static void
gst_cmaf_sink_release_pad (GstElement * element, GstPad * pad)
{
  auto self = GST_CMAF_SINK (element);
  GstPad *target = gst_ghost_pad_get_target (GST_GHOST_PAD (pad));
  if (target) {
    gst_element_release_request_pad (self->priv->mux, target);
    gst_object_unref (target);
  }
  gst_element_remove_pad (element, pad);
}

static GstStateChangeReturn
gst_cmaf_sink_change_state (GstElement * element, GstStateChange transition)
{
  auto self = GST_CMAF_SINK (element);
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED)
    gst_cmaf_sink_get_store (self);
  return GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
}

static void
gst_cmaf_sink_handle_message (GstBin * bin, GstMessage * message)
{
  // End of stream: the open segment is complete.
  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_EOS)
    gst_cmaf_sink_get_store (GST_CMAF_SINK (bin))->finish ();
  GST_BIN_CLASS (parent_class)->handle_message (bin, message);
}

static void
gst_cmaf_sink_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  auto self = GST_CMAF_SINK (object);
  auto priv = self->priv;
  std::lock_guard<std::mutex> lk (priv->lock);
  switch (prop_id) {
    case PROP_LOCATION:
      priv->location = g_value_get_string (value) ? g_value_get_string (value)
          : "";
      break;
    case PROP_PART_DURATION:
      priv->part_duration = g_value_get_uint64 (value);
      g_object_set (priv->mux, "chunk-duration", priv->part_duration, nullptr);
      break;
    case PROP_SEGMENT_DURATION:
      priv->segment_duration = g_value_get_uint64 (value);
      g_object_set (priv->mux, "segment-duration", priv->segment_duration,
          nullptr);
      break;
    case PROP_WINDOW:
      priv->window = g_value_get_uint (value);
      break;
    case PROP_ALIGN_TO:{
      // The other sink's muxer is the one to follow.
      GstElement *leader = static_cast<GstElement *> (g_value_get_object
          (value));
      g_object_set (priv->mux, "align-to", leader && leader != GST_ELEMENT
          (self) ? GST_CMAF_SINK (leader)->priv->mux : nullptr, nullptr);
      gst_clear_object (&priv->align_to);
      priv->align_to = leader ? GST_ELEMENT (gst_object_ref (leader)) : nullptr;
      break;
    }
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
gst_cmaf_sink_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  auto priv = GST_CMAF_SINK (object)->priv;
  std::lock_guard<std::mutex> lk (priv->lock);
  switch (prop_id) {
    case PROP_LOCATION:
      g_value_set_string (value, priv->location.c_str ());
      break;
    case PROP_PART_DURATION:
      g_value_set_uint64 (value, priv->part_duration);
      break;
    case PROP_SEGMENT_DURATION:
      g_value_set_uint64 (value, priv->segment_duration);
      break;
    case PROP_WINDOW:
      g_value_set_uint (value, priv->window);
      break;
    case PROP_ALIGN_TO:
      g_value_set_object (value, priv->align_to);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
gst_cmaf_sink_finalize (GObject * object)
{
  auto self = GST_CMAF_SINK (object);
  // The application may keep the store (gst_cmaf_sink_get_store).
  if (self->priv->store)
    self->priv->store->unobserve (self->priv->observer);
  gst_clear_object (&self->priv->align_to);
  delete self->priv;
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_cmaf_sink_class_init (GstCmafSinkClass * klass)
{
  auto object_class = G_OBJECT_CLASS (klass);
  auto element_class = GST_ELEMENT_CLASS (klass);
  auto bin_class = GST_BIN_CLASS (klass);
  object_class->set_property = gst_cmaf_sink_set_property;
  object_class->get_property = gst_cmaf_sink_get_property;
  object_class->finalize = gst_cmaf_sink_finalize;

  auto flags = (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
      | GST_PARAM_MUTABLE_READY);
  g_object_class_install_property (object_class, PROP_LOCATION,
      g_param_spec_string ("location", "Location",
          "Folder to write playlists, MPD and segments to (empty: keep them "
          "in memory only)", nullptr, flags));
  g_object_class_install_property (object_class, PROP_PART_DURATION,
      g_param_spec_uint64 ("part-duration", "Part duration",
          "LL-HLS part target, in nanoseconds (no part is longer)",
          10 * GST_MSECOND, 10 * GST_SECOND, DEFAULT_PART_DURATION, flags));
  g_object_class_install_property (object_class, PROP_SEGMENT_DURATION,
      g_param_spec_uint64 ("segment-duration", "Segment duration",
          "Minimum segment duration, in nanoseconds; segments start at the "
          "first keyframe after it", 100 * GST_MSECOND, 60 * GST_SECOND,
          DEFAULT_SEGMENT_DURATION, flags));
  g_object_class_install_property (object_class, PROP_WINDOW,
      g_param_spec_uint ("window", "Window",
          "Complete segments kept in the playlists (older files are deleted)",
          1, 1000, DEFAULT_WINDOW, flags));
  g_object_class_install_property (object_class, PROP_ALIGN_TO,
      g_param_spec_object ("align-to", "Align to",
          "Another cmafsink (on the same clock) packaging the same pictures "
          "at another size or bitrate: segments start and are numbered as "
          "its are, with the same decode times, so that players switch "
          "between the two (see cmafchunkmux)", GST_TYPE_CMAF_SINK, flags));

  gst_element_class_add_static_pad_template (element_class, &video_template);
  gst_element_class_add_static_pad_template (element_class, &audio_template);
  gst_element_class_set_static_metadata (element_class, "CMAF LL-HLS/DASH sink",
      "Sink/Muxer", "Writes CMAF segments and parts with LL-HLS playlists and "
      "a DASH manifest over the same files", "camgate");
  element_class->request_new_pad =
      GST_DEBUG_FUNCPTR (gst_cmaf_sink_request_new_pad);
  element_class->release_pad = GST_DEBUG_FUNCPTR (gst_cmaf_sink_release_pad);
  element_class->change_state = GST_DEBUG_FUNCPTR (gst_cmaf_sink_change_state);
  bin_class->handle_message = GST_DEBUG_FUNCPTR (gst_cmaf_sink_handle_message);

  /**
   * GstCmafSink::get-file:
   * @sink: the cmafsink
   * @uri: a file name: `stream.m3u8`, `index.m3u8`, `manifest.mpd`,
   *     `init.mp4`, `seg<N>.m4s`, `part<N>.m4s`, `init-<track>.mp4`,
   *     `seg<N>-<track>.m4s`
   *
   * Returns: (transfer full) (nullable): a copy of the file as the sink
   * holds it now, or %NULL when it holds no such file (yet, or any more).
   */
  signals[SIGNAL_GET_FILE] = g_signal_new_class_handler ("get-file",
      G_TYPE_FROM_CLASS (klass), (GSignalFlags) (G_SIGNAL_RUN_LAST
          | G_SIGNAL_ACTION), G_CALLBACK (get_file), nullptr, nullptr, nullptr,
      G_TYPE_BYTES, 1, G_TYPE_STRING);

  GST_DEBUG_CATEGORY_INIT (gst_cmaf_sink_debug, "cmafsink", 0, "cmafsink");
}

static void
gst_cmaf_sink_init (GstCmafSink * self)
{
  self->priv = new GstCmafSinkPrivate ();
  auto priv = self->priv;
  priv->mux = gst_element_factory_make ("cmafchunkmux", "mux");
  priv->appsink = gst_element_factory_make ("appsink", "writer");
  g_object_set (priv->appsink, "sync", FALSE, "async", FALSE, nullptr);
  GstAppSinkCallbacks callbacks = {};
  callbacks.new_sample = on_new_sample;
  gst_app_sink_set_callbacks (GST_APP_SINK (priv->appsink), &callbacks, self,
      nullptr);
  gst_bin_add_many (GST_BIN (self), priv->mux, priv->appsink, nullptr);
  gst_element_link (priv->mux, priv->appsink);
  GST_OBJECT_FLAG_SET (self, GST_ELEMENT_FLAG_SINK);
}
