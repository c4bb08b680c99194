#include "stream/stream_manager.h"

#include "config/pipeline_file.h"
#include "service/stream_log.h"

#include <filesystem>

namespace camgate {

namespace {

// Editors write files in several steps: wait for the burst to settle.
constexpr guint kReloadSettleMs = 300;

}  // namespace

StreamManager::StreamManager (StreamMounts & mounts, GatewayConfig config,
    OutputMaker make_outputs)
    : rtsp_ (mounts), config_ (std::move (config)),
      make_outputs_ (std::move (make_outputs))
{
}

StreamManager::~StreamManager ()
{
  stop_all ();
}

bool
StreamManager::start (std::string & error)
{
  if (!config_.pipelines_dir.empty ()) {
    std::error_code ec;
    if (!std::filesystem::is_directory (config_.pipelines_dir, ec)) {
      error = "pipelines folder '" + config_.pipelines_dir
          + "' does not exist or is not a folder";
      return false;
    }
    GFile *dir = g_file_new_for_path (config_.pipelines_dir.c_str ());
    GError *gerror = nullptr;
    monitor_ = g_file_monitor_directory (dir, G_FILE_MONITOR_WATCH_MOVES,
        nullptr, &gerror);
    g_object_unref (dir);
    if (!monitor_) {
      error = std::string ("cannot watch the pipelines folder: ")
          + (gerror ? gerror->message : "unknown error");
      g_clear_error (&gerror);
      return false;
    }
    g_signal_connect (monitor_, "changed", G_CALLBACK (on_folder_changed),
        this);
  }
  reload ();
  return true;
}

void
StreamManager::stop_all ()
{
  if (reload_source_) {
    g_source_remove (reload_source_);
    reload_source_ = 0;
  }
  if (ownership_source_) {
    g_source_remove (ownership_source_);
    ownership_source_ = 0;
  }
  if (monitor_) {
    g_file_monitor_cancel (monitor_);
    g_clear_object (&monitor_);
  }
  while (!streams_.empty ())
    remove_stream (streams_.begin ()->first);
}

std::vector<std::shared_ptr<Stream>>
StreamManager::streams () const
{
  std::vector<std::shared_ptr<Stream>> list;
  for (const auto & [name, stream] : streams_)
    list.push_back (stream);
  return list;
}

std::shared_ptr<Stream>
StreamManager::find (const std::string & name) const
{
  auto it = streams_.find (name);
  return it == streams_.end () ? nullptr : it->second;
}

void
StreamManager::reload ()
{
  PipelineSet set;
  if (!config_.pipelines_dir.empty ())
    set = load_pipeline_files ({ config_.pipelines_dir });

  // Report each problem once, not on every reload.
  std::set<std::string> errors;
  std::set<std::string> broken_files;
  for (const auto & e : set.errors) {
    errors.insert (e.to_string ());
    broken_files.insert (e.file);
    if (!reported_errors_.count (e.to_string ()))
      g_warning ("%s", e.to_string ().c_str ());
  }
  reported_errors_ = std::move (errors);

  std::map<std::string, StreamSpec> wanted;
  for (const auto & spec : set.streams)
    wanted.emplace (spec.name, spec);
  if (set.files_seen == 0) {
    StreamSpec demo = demo_stream_spec ();
    wanted.emplace (demo.name, demo);
  }
  for (auto & [name, spec] : wanted)
    spec.record.root = config_.recordings_dir;

  // Streams whose file is gone, renamed away, or now invalid.
  std::vector<std::string> to_remove;
  for (const auto & [name, stream] : streams_) {
    auto it = wanted.find (name);
    if (it != wanted.end ())
      continue;
    const std::string & file = stream->spec ().file;
    if (!file.empty () && broken_files.count (file)
        && std::filesystem::exists (file)) {
      continue;                    // keep serving the last good definition
    }
    to_remove.push_back (name);
  }
  for (const auto & name : to_remove)
    remove_stream (name);

  for (const auto & [name, spec] : wanted) {
    auto it = streams_.find (name);
    if (it != streams_.end ()) {
      if (it->second->spec ().same_definition (spec))
        continue;
      log_stream (G_LOG_LEVEL_MESSAGE, name, "definition changed, restarting");
      remove_stream (name);
    }
    add_stream (spec);
  }
}

void
StreamManager::add_stream (const StreamSpec & spec)
{
  auto stream = std::make_shared<Stream> (spec, make_outputs_);
  streams_[spec.name] = stream;
  std::weak_ptr<Stream> weak = stream;
  stream->publish_slot ()->on_stopped ([weak](const std::string & why) {
        if (auto s = weak.lock ())
          s->publish_stopped (why);
      });
  if (spec.source.kind == SourceKind::Rtsp
      || spec.source.kind == SourceKind::Srt)
    log_stream (G_LOG_LEVEL_MESSAGE, spec.name, "source %s",
        redact_uri (spec.source.uri).c_str ());

  if (spec.outputs.rtsp || spec.source.kind == SourceKind::Publish) {
    auto target = std::make_shared<MountTarget> ();
    target->name = spec.name;
    target->fanout = stream->fanout ();
    target->play = spec.outputs.rtsp;
    target->publish = spec.source.kind == SourceKind::Publish;
    target->publish_latency_ms = spec.source.latency_ms;
    target->publish_slot = stream->publish_slot ();
    target->readers = stream->readers (ReaderKind::Rtsp);
    // An on-demand source starts with the first DESCRIBE, which waits for
    // it; so does an edge's (in a cluster).
    if (spec.source.on_demand || (ownership_ && !target->publish))
      target->start_wait_ms = spec.source.timeout_ms;
    if (ownership_ && spec.source.kind != SourceKind::Publish) {
      StreamOwnership *ownership = ownership_;
      target->redirect = [ownership, name = spec.name]() {
        return ownership->redirect_rtsp (name);
      };
    }
    rtsp_.mount (target);
  }
  for (auto & target : stream->output_mounts ())
    rtsp_.mount (target);
  stream->start (ownership_ && !ownership_->owns (spec.name));
}

void
StreamManager::follow_ownership (StreamOwnership * ownership)
{
  ownership_ = ownership;
  if (!ownership_source_)
    ownership_source_ = g_timeout_add (250, on_ownership_tick, this);
}

gboolean
StreamManager::on_ownership_tick (gpointer data)
{
  auto *self = static_cast<StreamManager *> (data);
  std::vector<std::string> candidates;
  size_t viewers = 0;
  for (auto & [name, stream] : self->streams_) {
    if (stream->spec ().source.kind != SourceKind::Publish)
      candidates.push_back (name);
    for (ReaderKind kind : kReaderKinds)
      viewers += stream->readers (kind)->count ();
    stream->set_standby (!self->ownership_->owns (name),
        self->ownership_->upstream (name));
  }
  self->ownership_->set_candidates (std::move (candidates), viewers);
  return G_SOURCE_CONTINUE;
}

void
StreamManager::remove_stream (const std::string & name)
{
  auto it = streams_.find (name);
  if (it == streams_.end ())
    return;
  rtsp_.unmount (name);
  for (const auto & target : it->second->output_mounts ())
    rtsp_.unmount (target->name);
  it->second->stop ();
  streams_.erase (it);
}

void
StreamManager::on_folder_changed (GFileMonitor *, GFile *, GFile *,
    GFileMonitorEvent, gpointer data)
{
  auto *self = static_cast<StreamManager *> (data);
  if (self->reload_source_)
    g_source_remove (self->reload_source_);
  self->reload_source_ = g_timeout_add (kReloadSettleMs, on_reload_timer, self);
}

gboolean
StreamManager::on_reload_timer (gpointer data)
{
  auto *self = static_cast<StreamManager *> (data);
  self->reload_source_ = 0;
  self->reload ();
  return G_SOURCE_REMOVE;
}

}  // namespace camgate
