// Gateway-wide settings: from the --config YAML file, then command-line flags.
#pragma once

#include "auth/access_control.h"
#include "config/pipeline_file.h"

#include <string>
#include <vector>

namespace camgate {

// ICE and limits of the WebRTC (WHEP/WHIP) sessions.
struct WebRtcConfig
{
  std::vector<std::string> stun_servers;  // stun://host:port
  std::vector<std::string> turn_servers;  // turn(s)://user:pass@host:port
  uint32_t min_port = 0;           // UDP port range for ICE; 0 = any
  uint32_t max_port = 0;
  bool ice_tcp = true;
  uint32_t max_viewers = 1000;     // WHEP sessions on the whole gateway
  // The automatic H.264 renditions (H.265 cameras to browsers without
  // H.265) encoding at once in the gateway; 0 = one per processor.
  uint32_t max_h264_transcodes = 0;
};

// ONVIF camera discovery (GET /api/v1/cameras).
struct OnvifConfig
{
  bool discovery = true;
  std::vector<std::string> targets;  // host[:port] probed by unicast too
  std::string user;                  // to read manufacturer and model
  std::string password;
  uint32_t interval_s = 60;          // re-probe period
};

// RTMP publishers (encoders: OBS, ffmpeg) at rtmp://host:port/<app>/<stream>.
struct RtmpConfig
{
  int port = 1935;                 // 0 = pick a free port
  int tls_port = 1936;             // RTMPS, when `tls:` is configured
  std::string app = "live";
};

// SRT publishers (callers) on one UDP port, routed by their streamid.
struct SrtConfig
{
  int port = 8890;                 // 0 = pick a free port
  uint32_t latency_ms = 200;       // receiver latency (SRTO_RCVLATENCY)
  std::string passphrase;          // "" = unencrypted callers; else AES
};

// HTTPS and RTSPS, on ports of their own next to HTTP and RTSP.
struct TlsConfig
{
  std::string certificate;         // PEM files; "" = no TLS
  std::string key;
  int https_port = 8443;           // 0 = pick a free port
  int rtsps_port = 8322;
  bool redirect_http = false;      // plain HTTP answers 308 to HTTPS

  bool enabled () const { return !certificate.empty (); }
};

// One receiver of the gateway's events (`webhooks:`): each event is POSTed
// as JSON, signed with `secret` (HMAC-SHA256), retried with backoff; at
// most `queue` wait, the oldest dropped beyond.
struct WebhookConfig
{
  std::string url;                 // http:// or https://
  std::string secret;              // "" = unsigned
  std::vector<std::string> events; // types or "prefix.*"; none = every event
  uint32_t queue = 1000;
};

// Many gateways as one, coordinated by etcd (`cluster:`): none = alone.
struct ClusterConfig
{
  std::vector<std::string> etcd;   // http(s)://host:port of the etcd members
  std::string node;                // this gateway's name; "" = the host name
  // How other nodes and clients reach this one; "" = the bind address and
  // the ports the gateway listens on.
  std::string advertise_rtsp;      // rtsp://host:port
  std::string advertise_http;      // http(s)://host:port
  uint32_t lease_ms = 5000;        // liveness: a silent node is gone after it
  // How a viewer of a stream another node owns is served. proxy: by this
  // node, an edge that pulls the stream from its owner once (over RTSP, as
  // `credential_user`) for all its viewers. redirect: sent to the owner
  // (RTSP 302, HTTP 307).
  bool redirect = false;
  // Who an edge is on the owner when users are configured: a user there
  // (with read on every stream) and its password, as given.
  std::string credential_user;
  std::string credential_password;
  // etcd's own authentication, where the etcd cluster uses it: a user and
  // password (`etcd-auth`), the CA that signed its certificate and this
  // node's client certificate and key (`etcd-tls`, files).
  std::string etcd_user, etcd_password;
  std::string etcd_ca, etcd_certificate, etcd_key;
  bool enabled () const { return !etcd.empty (); }
  static constexpr size_t kMaxEndpoints = 16;
};

struct GatewayConfig
{
  std::string pipelines_dir;       // "" = no pipeline folder: demo stream only
  // Every recording lives under <recordings_dir>/<stream>/.
  std::string recordings_dir = "recordings";
  // Whether the stream API may write `source.pipeline` (admins only, even
  // then): a gst-launch description can read and write any file camgate can.
  bool api_pipelines = false;
  std::string bind_address = "127.0.0.1";
  int rtsp_port = 8554;            // 0 = pick a free port
  int http_port = 8888;
  uint32_t session_timeout_s = 60; // RTSP session timeout announced to clients
  // An RTSP request must arrive whole within this; a connection without a
  // session that sends nothing for six times as long is closed.
  uint32_t read_timeout_ms = 10000;
  // UDP ports RTSP clients and publishers get their RTP/RTCP from (bound to
  // bind_address, like every other socket).
  uint32_t rtsp_udp_min_port = 20000;
  uint32_t rtsp_udp_max_port = 29999;
  WebRtcConfig webrtc;
  OnvifConfig onvif;
  RtmpConfig rtmp;
  SrtConfig srt;
  std::vector<UserSpec> users;     // none = no authentication
  TlsConfig tls;
  std::vector<WebhookConfig> webhooks;
  ClusterConfig cluster;
};

// Reads `path` over the defaults already in `config`. Returns false and
// appends to `errors` on any problem.
bool load_gateway_config (const std::string & path, GatewayConfig & config,
    std::vector<ConfigError> & errors);

// The `users:` list of a YAML document (a gateway config, or the cluster's
// users as etcd keeps them); `where` names it in errors. False (with
// errors) when it has none or a user is invalid.
bool parse_users (const std::string & text, const std::string & where,
    std::vector<UserSpec> & users, std::vector<ConfigError> & errors);
// `users:` with `users`' entries, as parse_users reads them back.
std::string users_text (const std::vector<UserSpec> & users);

}  // namespace camgate
