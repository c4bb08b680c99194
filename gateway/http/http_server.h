// HttpServer: the gateway's HTTP port, and HTTPS port when TLS is configured
// (libsoup 3). Routes:
//   /                                                 the web panel
//   GET /api/v1/streams, GET /api/v1/streams/<name>   (streams_api.h)
//   POST/PUT/PATCH/DELETE /api/v1/streams[/<name>]    (stream_admin.h)
//   GET /api/v1/streams/<name>/snapshot.jpg           (snapshot.h)
//   GET /api/v1/cameras, POST .../<id>/add            (onvif/camera_watch.h)
//   /api/v1/auth...                                   (http_auth.h)
//   /api/v1/recordings/<name>...                      (recordings_api.h)
//   GET /metrics                                      (metrics.h)
//   /<stream>/... LL-HLS, DASH and the player page   (hls_routes.h)
//   /<stream>/whep, /<stream>/whip, /<stream>/webrtc  (webrtc_routes.h)
//   GET /static/hls.min.js                            (bundled from npm)
// The /api and /metrics routes are a RouteTable (route_table.h): each names
// the permission it needs, checked once before its handler runs; the
// /<stream>/... player routes are checked for read (publish for WHIP) here,
// in one place, before they run.
// Anything else gets a JSON error with the right status; a malformed request
// is answered, never fatal.
#pragma once

#include "auth/access_control.h"
#include "config/gateway_config.h"
#include "config/pipeline_store.h"
#include "events/webhooks.h"
#include "http/event_stream.h"
#include "http/hls_routes.h"
#include "http/http_auth.h"
#include "http/idle_connections.h"
#include "http/route_table.h"
#include "http/stream_admin.h"
#include "http/snapshot.h"
#include "http/ptz_routes.h"
#include "http/webrtc_routes.h"
#include "onvif/camera_watch.h"
#include "system/machine_monitor.h"

#include <libsoup/soup.h>

#include <functional>
#include <memory>
#include <string>

namespace camgate {

class ClusterNode;

class StreamManager;

class HttpServer
{
public:
  // `rtsp_ports`: where the RTSP server listens (RTSP, RTSPS; 0: none), for
  // the panel's URL list.
  HttpServer (StreamManager & streams, AccessControl & access,
      std::pair<int, int> rtsp_ports);
  ~HttpServer ();
  HttpServer (const HttpServer &) = delete;
  HttpServer & operator= (const HttpServer &) = delete;

  bool start (const GatewayConfig & config, std::string & error);
  void stop ();
  int port () const { return port_; }
  int tls_port () const { return tls_port_; }
  // HTTPS serves `certificate` to the connections made from now on.
  void replace_certificate (GTlsCertificate * certificate);
  // The /api/... and /metrics routes, each with the access it needs.
  const RouteTable & api_routes () const { return routes_; }
  // The cluster this gateway is a node of (nullptr: it runs alone).
  void set_cluster (ClusterNode * cluster) { cluster_ = cluster; }
  // In a cluster, the stream API writes the shared definitions.
  void share_definitions (SharedDefinitions * shared)
  {
    store_.share_through (shared);
  }
  // WHEP viewers of `stream` ("" = all).
  unsigned webrtc_viewers (const std::string & stream = {}) const
  {
    return webrtc_ ? webrtc_->viewer_count (stream) : 0;
  }

private:
  static void on_request (SoupServer *, SoupServerMessage * message,
      const char *path, GHashTable * query, gpointer self);
  void route (SoupServerMessage * message, const std::string & path,
      GHashTable * query);
  bool listen (const GatewayConfig & config, int port, bool tls,
      std::string & error);
  bool redirect_to_https (SoupServerMessage * message, const std::string & path);
  bool route_panel (SoupServerMessage * message, const std::string & path);
  void add_api_routes ();
  void add_stream_routes ();
  void add_recording_routes ();
  ManageCheck may_manage (const RouteRequest & request);
  void send_info (SoupServerMessage * message) const;

  const std::pair<int, int> rtsp_ports_;
  StreamManager & streams_;
  AccessControl & access_;
  PipelineStore store_ { "" };
  bool redirect_http_ = false;
  int tls_port_ = 0;
  RouteTable routes_;               // /api/... and /metrics
  HlsRoutes hls_;
  std::unique_ptr<WebRtcRoutes> webrtc_;
  std::unique_ptr<CameraWatch> cameras_;
  std::unique_ptr<SnapshotRoutes> snapshots_;
  std::unique_ptr<PtzRoutes> ptz_;
  std::unique_ptr<EventStream> events_;
  std::unique_ptr<Webhooks> webhooks_;
  std::unique_ptr<MachineMonitor> machine_;   // the System page's figures
  ClusterNode *cluster_ = nullptr;
  SoupServer *server_ = nullptr;
  IdleConnections idle_;
  int port_ = 0;
  std::string recordings_dir_;     // for /metrics' disk figures
};

// Sends `body` as JSON with `status`.
void send_json (SoupServerMessage * message, guint status,
    const std::string & body);
// Sends a file compiled into the binary (gateway/web, GResource).
void send_resource (SoupServerMessage * message, const char *name,
    const char *type, const char *cache);
// The body of a request (libsoup has read it all).
std::string request_body (SoupServerMessage * message);
// A body written as it comes, of unknown length: chunked, or (HTTP/1.0)
// ended by closing the connection.
void set_streamed_encoding (SoupServerMessage * message);
// Sends {"error": text, "status": status}.
void send_error (SoupServerMessage * message, guint status,
    const std::string & text);

}  // namespace camgate
