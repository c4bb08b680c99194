#include "media/fanout_output.h"

#include "media/departure_stamp.h"
#include "service/stream_log.h"

#include <gst/app/gstappsrc.h>

#include <vector>

namespace camgate {

FanoutOutput::FanoutOutput (std::string stream, std::string what,
    std::shared_ptr<RtpFanout> fanout)
    : stream_ (std::move (stream)), what_ (std::move (what)),
      fanout_ (std::move (fanout))
{
}

FanoutOutput::~FanoutOutput ()
{
  stop ();
}

std::string
FanoutOutput::track_source (size_t index)
{
  return "appsrc name=src" + std::to_string (index) + " is-live=true "
      "format=time max-bytes=4194304 block=false "
      "leaky-type=downstream ! rtpjitterbuffer name=jitter"
      + std::to_string (index) + " latency=0 mode=none";
}

std::string
FanoutOutput::last_error () const
{
  std::lock_guard<std::mutex> lk (lock_);
  return last_error_;
}

void
FanoutOutput::record_error (const std::string & error)
{
  std::lock_guard<std::mutex> lk (lock_);
  last_error_ = error;
}

void
FanoutOutput::stop ()
{
  if (bus_watch_) {
    g_source_remove (bus_watch_);
    bus_watch_ = 0;
  }
  if (output_id_) {
    fanout_->detach (output_id_);
    output_id_ = 0;
  }
  if (pipeline_) {
    // What its sinks say as they close (a recording's last file) is told
    // too. Sinks close at NULL, and a pipeline going to NULL flushes its bus
    // first: the sinks go there alone, in a pipeline still READY.
    gst_element_set_state (pipeline_, GST_STATE_READY);
    GstIterator *sinks = gst_bin_iterate_sinks (GST_BIN (pipeline_));
    gst_iterator_foreach (sinks, +[](const GValue * value, gpointer) {
          gst_element_set_state (GST_ELEMENT (g_value_get_object (value)),
              GST_STATE_NULL);
        }, nullptr);
    gst_iterator_free (sinks);
    GstBus *bus = gst_element_get_bus (pipeline_);
    while (GstMessage *m = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT)) {
      element_message (gst_message_get_structure (m));
      gst_message_unref (m);
    }
    gst_object_unref (bus);
    gst_element_set_state (pipeline_, GST_STATE_NULL);
    gst_clear_object (&pipeline_);
    stopped ();
  }
}

void
FanoutOutput::update (const OutputTick & tick)
{
  if (!tick.delivering)
    return;
  auto layout = fanout_->layout ();
  if (!layout)
    return;
  // Running, or failed, for this layout already: nothing to do until it
  // changes.
  if ((pipeline_ || failed_) && layout->generation == generation_) {
    layout->release ();
    return;
  }
  stop ();
  generation_ = layout->generation;
  std::string error;
  failed_ = !build (*layout, error);
  layout->release ();
  if (failed_) {
    log_stream (G_LOG_LEVEL_WARNING, stream_, "%s output: %s", what_.c_str (),
        error.c_str ());
    record_error (error);
    stop ();
  }
}

bool
FanoutOutput::build (const RtpFanout::Layout & layout, std::string & error)
{
  std::string description;
  if (!describe (layout, description, error))
    return false;

  GError *gerror = nullptr;
  pipeline_ = gst_parse_launch_full (description.c_str (), nullptr,
      GST_PARSE_FLAG_FATAL_ERRORS, &gerror);
  if (!pipeline_) {
    error = gerror ? gerror->message : "cannot build the pipeline";
    g_clear_error (&gerror);
    return false;
  }
  gst_object_ref_sink (pipeline_);
  g_object_set (pipeline_, "name", (what_ + "-" + stream_).c_str (), nullptr);

  // Every track gets an appsrc; tracks not described get one that drops.
  std::vector<GstAppSrc *> srcs;
  for (size_t i = 0; i < layout.caps.size (); i++) {
    GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline_),
        ("src" + std::to_string (i)).c_str ());
    if (src) {
      g_object_set (src, "caps", layout.caps[i], nullptr);
      // Every packet of a frame gets its time, for the depayloader; the
      // jitterbuffer's RTP-paced times stay on the same timeline across
      // source sessions.
      if (timed_by_clock (i))
        stamp_from_clock_time (src);
      else
        stamp_on_departure (src, StampedPackets::Every);
      if (GstElement *jitter = gst_bin_get_by_name (GST_BIN (pipeline_),
              ("jitter" + std::to_string (i)).c_str ())) {
        anchor_to_running_time (jitter);
        gst_object_unref (jitter);
      }
    } else {
      // Never started: pushes into it are refused and dropped.
      src = GST_ELEMENT (gst_object_ref_sink (gst_element_factory_make (
                  "appsrc", nullptr)));
    }
    srcs.push_back (GST_APP_SRC (src));
  }
  started (pipeline_);
  record_error ("");

  GstBus *bus = gst_element_get_bus (pipeline_);
  bus_watch_ = gst_bus_add_watch (bus, on_bus, this);
  gst_object_unref (bus);
  if (gst_element_set_state (pipeline_, GST_STATE_PLAYING)
      == GST_STATE_CHANGE_FAILURE) {
    error = "the pipeline cannot start";
  } else {
    output_id_ = fanout_->attach (generation_, srcs);
    if (!output_id_)
      error = "the source changed while the output was built";
  }
  for (auto *src : srcs)
    gst_object_unref (src);
  if (error.empty ())
    log_stream (G_LOG_LEVEL_MESSAGE, stream_, "%s output started",
        what_.c_str ());
  return error.empty ();
}

gboolean
FanoutOutput::on_bus (GstBus *, GstMessage * message, gpointer data)
{
  auto *self = static_cast<FanoutOutput *> (data);
  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ELEMENT) {
    self->element_message (gst_message_get_structure (message));
    return G_SOURCE_CONTINUE;
  }
  if (GST_MESSAGE_TYPE (message) != GST_MESSAGE_ERROR)
    return G_SOURCE_CONTINUE;
  GError *error = nullptr;
  gst_message_parse_error (message, &error, nullptr);
  std::string text = error ? error->message : "unknown error";
  g_clear_error (&error);
  log_stream (G_LOG_LEVEL_WARNING, self->stream_, "%s output failed: %s",
      self->what_.c_str (), text.c_str ());
  self->record_error (text);
  // Rebuilt on the next update(), as for a layout change.
  self->bus_watch_ = 0;
  self->failed_ = false;
  self->generation_ = 0;
  self->stop ();
  return G_SOURCE_REMOVE;
}

}  // namespace camgate
