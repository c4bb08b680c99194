// HttpServer: the gateway's single HTTP port (libsoup 3). Routes so far:
//   GET /api/v1/streams, GET /api/v1/streams/<name>   (streams_api.h)
//   GET /api/v1/cameras                               (onvif/camera_watch.h)
//   GET /metrics                                      (metrics.h)
//   /<stream>/... LL-HLS, DASH and the player page   (hls_routes.h)
//   /<stream>/whep, /<stream>/whip, /<stream>/webrtc  (webrtc_routes.h)
//   GET /static/hls.min.js                            (bundled from npm)
// Anything else gets a JSON error with the right status; a malformed request
// is answered, never fatal.
#pragma once

#include "config/gateway_config.h"
#include "http/hls_routes.h"
#include "http/webrtc_routes.h"
#include "onvif/camera_watch.h"

#include <libsoup/soup.h>

#include <functional>
#include <memory>
#include <string>

namespace camgate {

class StreamManager;
class RtspServer;

class HttpServer
{
public:
  HttpServer (StreamManager & streams, RtspServer & rtsp);
  ~HttpServer ();
  HttpServer (const HttpServer &) = delete;
  HttpServer & operator= (const HttpServer &) = delete;

  bool start (const GatewayConfig & config, std::string & error);
  void stop ();
  int port () const { return port_; }
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

  StreamManager & streams_;
  RtspServer & rtsp_;
  HlsRoutes hls_;
  std::unique_ptr<WebRtcRoutes> webrtc_;
  std::unique_ptr<CameraWatch> cameras_;
  SoupServer *server_ = nullptr;
  int port_ = 0;
};

// Sends `body` as JSON with `status`.
void send_json (SoupServerMessage * message, guint status,
    const std::string & body);
// Sends a file compiled into the binary (gateway/web, GResource).
void send_resource (SoupServerMessage * message, const char *name,
    const char *type, const char *cache);
// Sends {"error": text, "status": status}.
void send_error (SoupServerMessage * message, guint status,
    const std::string & text);

}  // namespace camgate
