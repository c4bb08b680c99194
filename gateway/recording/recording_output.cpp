#include "recording/recording_output.h"

#include "events/event_bus.h"
#include "gstrecordsink.h"

#include <algorithm>

#include "recording/recording_files.h"
#include "media/cmaf_tracks.h"
#include "service/stream_log.h"

#include <glib/gstdio.h>

#include <cerrno>
#include <cstdlib>

namespace camgate {

namespace {

std::string
fill_stream (std::string path, const std::string & stream)
{
  for (size_t at; (at = path.find ("<stream>")) != std::string::npos;)
    path.replace (at, 8, stream);
  return path;
}

// The real path of `path` ("" when it cannot be resolved).
std::string
resolved (const std::string & path)
{
  char *real = realpath (path.c_str (), nullptr);
  std::string out = real ? real : "";
  free (real);
  return out;
}

}  // namespace

bool
RecordingOutput::inside_recordings (std::string & error) const
{
  // A symbolic link in place of the stream's folder must not take its
  // files anywhere else.
  g_mkdir_with_parents (root_.c_str (), 0755);
  const std::string top = resolved (spec_.root), mine = resolved (root_);
  if (top.empty () || mine.empty ()) {
    error = "cannot create the recordings folder " + root_ + ": "
        + g_strerror (errno);
    return false;
  }
  if (mine.rfind (top + "/", 0) != 0) {
    error = "the recordings folder " + root_ + " leads outside " + spec_.root
        + " (a symbolic link?)";
    return false;
  }
  return true;
}

RecordingOutput::RecordingOutput (std::string stream, RecordSpec spec,
    std::shared_ptr<RtpFanout> fanout)
    : FanoutOutput (stream, "recording", std::move (fanout)),
      spec_ (std::move (spec)), root_ (spec_.root + "/" + stream),
      path_ (root_ + "/" + fill_stream (spec_.path, stream)),
      journal_ (root_)
{
  listener_ = EventBus::gateway ().listen ([this](const Event & event) {
        if (event.stream == stream_ && event.type.rfind ("camera.", 0) == 0)
          on_camera_event (event.type, event.field ("state"),
              event.field ("source"));
      });
}

RecordingOutput::~RecordingOutput ()
{
  if (listener_)
    EventBus::gateway ().forget (listener_);
  if (post_roll_)
    g_source_remove (post_roll_);
  stop ();
}

void
RecordingOutput::on_camera_event (const std::string & type,
    const std::string & state, const std::string & source)
{
  const std::string key = type + " " + source;
  if (state == "start") {
    journal_.started (type, source, g_get_real_time ());
    events_on_.insert (key);
  } else {
    // Written into the stream's folder only where its files may go.
    std::string error;
    if (inside_recordings (error))
      journal_.stopped (type, source, g_get_real_time ());
    else
      log_stream (G_LOG_LEVEL_WARNING, stream_, "event not journalled: %s",
          error.c_str ());
    if (!events_on_.erase (key))
      return;
  }
  if (!spec_.on_events)
    return;
  if (post_roll_)
    g_source_remove (post_roll_);
  post_roll_ = 0;
  // The last event over: the file goes on for the post-roll.
  if (events_on_.empty ())
    post_roll_ = g_timeout_add (std::max<guint> (spec_.post_ms, 1),
        on_post_roll_over, this);
  apply_gate ();
}

gboolean
RecordingOutput::on_post_roll_over (gpointer data)
{
  auto *self = static_cast<RecordingOutput *> (data);
  self->post_roll_ = 0;
  self->apply_gate ();
  return G_SOURCE_REMOVE;
}

void
RecordingOutput::apply_gate ()
{
  const bool on = !spec_.on_events || !events_on_.empty () || post_roll_;
  std::lock_guard<std::mutex> lk (lock_);
  if (sink_)
    g_object_set (sink_, "recording", on, nullptr);
}

bool
RecordingOutput::describe (const RtpFanout::Layout & layout,
    std::string & description, std::string & error)
{
  if (!inside_recordings (error))
    return false;
  const guint64 segment = (guint64) spec_.segment_ms * GST_MSECOND;
  // The muxer's segments start at keyframes at least a second apart: a file
  // begins at the first one after `segment`, and recording paused by a full
  // disk tries again at the first one after its 5 s pause, not a file later.
  // The location is a property set in started(): a template may hold
  // characters gst-launch syntax would take for its own.
  description = "cmafchunkmux name=mux chunk-duration=1000000000 "
      "segment-duration=" + std::to_string (std::min<guint64> (segment,
          GST_SECOND)) + " ! recordsink name=recorder max-duration="
      + std::to_string (segment);
  if (!describe_cmaf_tracks (layout, "mux", description)) {
    error = "no track can be recorded in MP4";
    return false;
  }
  return true;
}

void
RecordingOutput::started (GstElement * pipeline)
{
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "recorder");
  g_object_set (sink, "location", path_.c_str (), "pre-roll",
      (guint64) spec_.pre_ms * GST_MSECOND, nullptr);
  {
    std::lock_guard<std::mutex> lk (lock_);
    gst_object_replace ((GstObject **) &sink_, GST_OBJECT (sink));
  }
  gst_object_unref (sink);
  apply_gate ();
}

void
RecordingOutput::stopped ()
{
  std::lock_guard<std::mutex> lk (lock_);
  gst_clear_object (&sink_);
}

void
RecordingOutput::element_message (const GstStructure * message)
{
  if (!gst_structure_has_name (message, "recordsink-file")
      || g_strcmp0 (gst_structure_get_string (message, "event"), "closed") != 0)
    return;
  // As the recordings API names it: relative to the stream's folder.
  std::string file = gst_structure_get_string (message, "file");
  if (file.rfind (root_ + "/", 0) == 0)
    file = file.substr (root_.size () + 1);
  guint64 duration = 0;
  gst_structure_get_uint64 (message, "duration", &duration);
  gchar *seconds = g_strdup_printf ("%.3f", (double) duration / GST_SECOND);
  EventBus::gateway ().publish ("recording.closed", stream_,
      { { "file", file }, { "duration", seconds } });
  g_free (seconds);
}

void
RecordingOutput::update (const OutputTick & tick)
{
  FanoutOutput::update (tick);
  const int64_t every = std::clamp<int64_t> (spec_.segment_ms * 1000,
      G_USEC_PER_SEC, 60 * G_USEC_PER_SEC);
  if (!last_retention_us_ || tick.now_us - last_retention_us_ > every) {
    last_retention_us_ = tick.now_us;
    apply_retention ();
  }
}

void
RecordingOutput::add_health_reasons (const OutputTick &,
    std::vector<std::string> & reasons) const
{
  if (status ().rfind ("paused", 0) == 0)
    reasons.push_back ("recording-paused");
}

std::string
RecordingOutput::status () const
{
  std::lock_guard<std::mutex> lk (lock_);
  if (!sink_)
    return "waiting";
  GstRecordSinkStatus status = GST_RECORD_SINK_STATUS_STOPPED;
  gchar *error = nullptr;
  gboolean writing = TRUE;
  g_object_get (sink_, "status", &status, "last-error", &error, "recording",
      &writing, nullptr);
  std::string out = status == GST_RECORD_SINK_STATUS_RECORDING ? "recording"
      : status == GST_RECORD_SINK_STATUS_PAUSED ? std::string ("paused: ")
      + (error ? error : "") : writing ? "waiting" : "waiting for an event";
  g_free (error);
  return out;
}

std::string
RecordingOutput::current_file () const
{
  std::lock_guard<std::mutex> lk (lock_);
  if (!sink_)
    return "";
  gchar *file = nullptr;
  g_object_get (sink_, "current-file", &file, nullptr);
  std::string out = file ? file : "";
  g_free (file);
  return out;
}

unsigned
RecordingOutput::apply_retention ()
{
  if (!spec_.keep_ms && !spec_.max_size)
    return 0;
  auto files = list_recordings (root_);
  unsigned deleted = 0;
  for (const auto & path : files_to_delete (files, g_get_real_time (),
          spec_.keep_ms * 1000, spec_.max_size, current_file ())) {
    if (g_unlink (path.c_str ()) == 0)
      deleted++;
  }
  if (deleted)
    log_stream (G_LOG_LEVEL_MESSAGE, stream_, "retention deleted %u "
        "recording(s)", deleted);
  return deleted;
}

}  // namespace camgate
