// RtspServer: the gateway's gst-rtsp-server. One mount per stream at
// rtsp://host:port/<stream>, served by CamgateStreamMediaFactory (which also
// decides who may ANNOUNCE where); sessions time out as configured, and
// clients that send oversized or endless requests are closed
// (RtspRequestGuard). With a
// TLS certificate a second listener serves the same mounts and sessions as
// RTSPS; with users, CamgateRtspAuth guards both.
#pragma once

#include "auth/access_control.h"
#include "config/gateway_config.h"
#include "media/mount_target.h"
#include "rtsp/request_limits.h"

#include <gst/rtsp-server/rtsp-server.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace camgate {

class RtspServer : public StreamMounts
{
public:
  RtspServer () = default;
  ~RtspServer ();
  RtspServer (const RtspServer &) = delete;
  RtspServer & operator= (const RtspServer &) = delete;

  // Listens on config.bind_address:config.rtsp_port (0 = any free port),
  // and on tls.rtsps_port when TLS is configured. `access` must outlive it.
  bool start (const GatewayConfig & config, AccessControl & access,
      std::string & error);
  void stop ();
  int port () const { return port_; }
  int tls_port () const { return tls_port_; }
  // RTSPS serves `certificate` to the connections made from now on.
  void replace_certificate (GTlsCertificate * certificate);

  void mount (std::shared_ptr<MountTarget> target) override;
  // Removes the mount and ends every session that was watching it.
  void unmount (const std::string & name) override;

private:
  static void on_client_connected (GstRTSPServer *, GstRTSPClient * client,
      gpointer self);
  static void on_new_session (GstRTSPClient *, GstRTSPSession * session,
      gpointer self);
  // A player's PLAY: its session's media takes a reader lease on the stream.
  static void on_play (GstRTSPClient *, GstRTSPContext * ctx, gpointer self);
  static gboolean on_cleanup_tick (gpointer self);
  bool listen (GstRTSPServer * server, const std::string & address, int port,
      guint & source, std::string & error);

  GstRTSPServer *server_ = nullptr;
  GstRTSPServer *tls_server_ = nullptr;  // RTSPS: same mounts and sessions
  // Where RTP/RTCP over UDP is received and sent from: the bind address and
  // the configured ports (gst-rtsp-server binds 0.0.0.0 without one).
  GstRTSPAddressPool *udp_pool_ = nullptr;
  guint server_source_ = 0;
  guint tls_source_ = 0;
  int tls_port_ = 0;
  guint cleanup_source_ = 0;
  int port_ = 0;
  guint session_timeout_s_ = 60;
  std::vector<std::unique_ptr<RtspRequestGuard>> request_guards_;

  mutable std::mutex lock_;
  std::map<std::string, std::shared_ptr<MountTarget>> mounts_;
};

}  // namespace camgate
