// StreamManager: turns the pipelines folder into running streams and keeps
// them in step with it. Each file is one stream; a change to a file restarts
// only that stream, a broken file is reported and never disturbs the others
// (a stream already running from a file that turns invalid keeps running on
// its last good definition). With no pipeline file at all the built-in demo
// stream is served.
#pragma once

#include "config/gateway_config.h"
#include "media/mount_target.h"
#include "stream/stream.h"
#include "stream/stream_ownership.h"

#include <gio/gio.h>

#include <map>
#include <memory>
#include <set>
#include <string>

namespace camgate {

class StreamManager
{
public:
  // `make_outputs` gives each new stream its outputs.
  StreamManager (StreamMounts & mounts, GatewayConfig config,
      OutputMaker make_outputs);
  ~StreamManager ();
  StreamManager (const StreamManager &) = delete;
  StreamManager & operator= (const StreamManager &) = delete;

  // Loads the folder, starts the streams and watches the folder for changes.
  bool start (std::string & error);
  void stop_all ();
  void reload ();

  std::vector<std::shared_ptr<Stream>> streams () const;
  std::shared_ptr<Stream> find (const std::string & name) const;

  // In a cluster: streams start in standby and run only while `ownership`
  // says this node owns them; it is told the streams this node could own
  // (all but publish streams, which run where their publisher connects),
  // both four times a second on the main context, and RTSP viewers of a
  // stream another node owns may be redirected there. Before start().
  void follow_ownership (StreamOwnership * ownership);

private:
  void add_stream (const StreamSpec & spec);
  void remove_stream (const std::string & name);
  static void on_folder_changed (GFileMonitor *, GFile *, GFile *,
      GFileMonitorEvent, gpointer self);
  static gboolean on_reload_timer (gpointer self);
  static gboolean on_ownership_tick (gpointer self);

  StreamMounts & rtsp_;           // where streams are mounted (RTSP)
  const GatewayConfig config_;
  const OutputMaker make_outputs_;
  std::map<std::string, std::shared_ptr<Stream>> streams_;
  std::set<std::string> reported_errors_;
  GFileMonitor *monitor_ = nullptr;
  guint reload_source_ = 0;
  StreamOwnership *ownership_ = nullptr;
  guint ownership_source_ = 0;
};

}  // namespace camgate
