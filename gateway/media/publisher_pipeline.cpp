#include "media/publisher_pipeline.h"

#include "media/track_chain.h"

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

void
PublisherPipeline::on_pad_added (GstElement *, GstPad * pad, gpointer data)
{
  auto *self = static_cast<PublisherPipeline *> (data);
  GstPad *payloaded = add_track_chain (GST_BIN (self->pipeline_), pad,
      GST_OBJECT_NAME (self->pipeline_));
  if (!payloaded)
    return;
  std::lock_guard<std::mutex> lk (self->lock_);
  self->payloaded_.push_back (payloaded);
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
