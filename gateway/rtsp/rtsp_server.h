// RtspServer: the gateway's gst-rtsp-server. One mount per stream at
// rtsp://host:port/<stream>, served by CamgateStreamMediaFactory (which also
// decides who may ANNOUNCE where); sessions time out as configured.
#pragma once

#include "config/gateway_config.h"
#include "rtsp/mount_target.h"

#include <gst/rtsp-server/rtsp-server.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace camgate {

class RtspServer
{
public:
  RtspServer () = default;
  ~RtspServer ();
  RtspServer (const RtspServer &) = delete;
  RtspServer & operator= (const RtspServer &) = delete;

  // Listens on config.bind_address:config.rtsp_port (0 = any free port).
  bool start (const GatewayConfig & config, std::string & error);
  void stop ();
  int port () const { return port_; }

  void mount (std::shared_ptr<MountTarget> target);
  // Removes the mount and ends every session that was watching it.
  void unmount (const std::string & name);

  // RTSP sessions (players and publishers) on a stream's path.
  unsigned session_count (const std::string & name) const;

private:
  static void on_client_connected (GstRTSPServer *, GstRTSPClient * client,
      gpointer self);
  static void on_new_session (GstRTSPClient *, GstRTSPSession * session,
      gpointer self);
  static gboolean on_cleanup_tick (gpointer self);

  GstRTSPServer *server_ = nullptr;
  guint server_source_ = 0;
  guint cleanup_source_ = 0;
  int port_ = 0;
  guint session_timeout_s_ = 60;

  mutable std::mutex lock_;
  std::map<std::string, std::shared_ptr<MountTarget>> mounts_;
};

}  // namespace camgate
