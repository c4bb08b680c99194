#include "media/publisher_pipeline.h"

#include "media_codec.h"

namespace camgate {

PublisherPipeline::PublisherPipeline (const std::string & name, Ended ended)
    : pipeline_ (gst_pipeline_new (name.c_str ())), ended_ (std::move (ended))
{
  gst_object_ref_sink (pipeline_);
  GstBus *bus = gst_element_get_bus (pipeline_);
  bus_watch_ = gst_bus_add_watch (bus, on_bus, this);
  gst_object_unref (bus);
}

PublisherPipeline::~PublisherPipeline ()
{
  if (bus_watch_)
    g_source_remove (bus_watch_);
  gst_element_set_state (pipeline_, GST_STATE_NULL);
  gst_object_unref (pipeline_);
  for (auto *pad : payloaded_)
    gst_object_unref (pad);
}

void
PublisherPipeline::take_tracks_of (GstElement * element)
{
  g_signal_connect (element, "pad-added", G_CALLBACK (on_pad_added), this);
  g_signal_connect (element, "no-more-pads", G_CALLBACK (on_no_more_pads),
      this);
}

bool
PublisherPipeline::play ()
{
  return gst_element_set_state (pipeline_, GST_STATE_PLAYING)
      != GST_STATE_CHANGE_FAILURE;
}

void
PublisherPipeline::set_lease (std::unique_ptr<PublisherLease> lease)
{
  std::lock_guard<std::mutex> lk (lock_);
  lease_ = std::move (lease);
}

std::unique_ptr<PublisherLease>
PublisherPipeline::take_lease ()
{
  std::lock_guard<std::mutex> lk (lock_);
  return std::move (lease_);
}

// A track: parsed (audio too: a transport stream carries ADTS) and
// payloaded behind a queue, so that the tracks do not wait on each other.
void
PublisherPipeline::on_pad_added (GstElement *, GstPad * pad, gpointer data)
{
  auto *self = static_cast<PublisherPipeline *> (data);
  GstCaps *caps = gst_pad_get_current_caps (pad);
  if (!caps)
    caps = gst_pad_query_caps (pad, nullptr);
  const MediaCodec *codec = caps && !gst_caps_is_empty (caps)
      ? codec_for_caps (gst_caps_get_structure (caps, 0)) : nullptr;
  if (caps)
    gst_caps_unref (caps);
  if (!codec) {
    g_message ("publisher pipeline %s: track %s left out (not a codec "
        "camgate carries)", GST_OBJECT_NAME (self->pipeline_),
        GST_PAD_NAME (pad));
    return;
  }
  std::string chain = "queue max-size-buffers=0 max-size-bytes=0 "
      "max-size-time=2000000000 ! ";
  if (!codec->video && codec->parser)
    chain += std::string (codec->parser) + " ! " + (codec->access_units
        ? std::string (codec->access_units) + " ! " : "");
  chain += payload_chain (*codec, codec->video ? 96 : 97);
  GstElement *track = gst_parse_bin_from_description (chain.c_str (), TRUE,
      nullptr);
  if (!track)
    return;
  gst_bin_add (GST_BIN (self->pipeline_), track);
  GstPad *sink = gst_element_get_static_pad (track, "sink");
  gst_pad_link (pad, sink);
  gst_object_unref (sink);
  gst_element_sync_state_with_parent (track);
  std::lock_guard<std::mutex> lk (self->lock_);
  self->payloaded_.push_back (gst_element_get_static_pad (track, "src"));
}

// Every track is there: the stream's session begins with them.
void
PublisherPipeline::on_no_more_pads (GstElement *, gpointer data)
{
  auto *self = static_cast<PublisherPipeline *> (data);
  std::lock_guard<std::mutex> lk (self->lock_);
  if (!self->lease_ || self->payloaded_.empty ())
    return;
  self->lease_->begin (static_cast<unsigned> (self->payloaded_.size ()));
  for (GstPad *pad : self->payloaded_)
    self->lease_->add_track (GST_BIN (self->pipeline_), pad);
}

gboolean
PublisherPipeline::on_bus (GstBus *, GstMessage * message, gpointer data)
{
  auto *self = static_cast<PublisherPipeline *> (data);
  std::string why;
  switch (GST_MESSAGE_TYPE (message)) {
    case GST_MESSAGE_EOS:
      why = "it stopped publishing";
      break;
    case GST_MESSAGE_ERROR: {
      GError *error = nullptr;
      gchar *debug = nullptr;
      gst_message_parse_error (message, &error, &debug);
      why = error->message;
      // The source's details say what failed (never the secrets).
      if (debug && GST_MESSAGE_SRC (message) && GST_IS_ELEMENT
          (GST_MESSAGE_SRC (message)) && GST_OBJECT_FLAG_IS_SET
          (GST_MESSAGE_SRC (message), GST_ELEMENT_FLAG_SOURCE))
        why += std::string (": ") + debug;
      g_clear_error (&error);
      g_free (debug);
      break;
    }
    default:
      return G_SOURCE_CONTINUE;
  }
  self->bus_watch_ = 0;
  self->ended_ (why);
  return G_SOURCE_REMOVE;
}

}  // namespace camgate
