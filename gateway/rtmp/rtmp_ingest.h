// RtmpIngest: the gateway's RTMP door for encoders (OBS, ffmpeg, hardware
// encoders). One listening port for every stream: each connection gets a
// small pipeline around rtmpserversrc (plugins/rtmp), and its `publish`
// (rtmp://host:port/<app>/<stream>?user=U&pass=P) is decided here like an
// RTSP RECORD or a WHIP offer: a `source: publish` (or `rtmp`) stream, the
// publish permission when users are configured, the stream's one publisher
// slot. A taken publisher's tracks are payloaded into RTP and fed to the
// stream through its PublisherLease, so every output serves it. With the
// gateway's TLS certificate, a second port takes RTMPS (RTMP inside TLS,
// what platforms and current encoders default to).
//
// Main context only, but for the pipelines' own threads (which hand their
// questions to it).
#pragma once

#include "auth/access_control.h"
#include "config/gateway_config.h"
#include "stream/stream_manager.h"

#include <gio/gio.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace camgate {

class RtmpIngest
{
public:
  RtmpIngest (StreamManager & streams, AccessControl & access,
      RtmpConfig config, TlsConfig tls);
  ~RtmpIngest ();
  RtmpIngest (const RtmpIngest &) = delete;
  RtmpIngest & operator= (const RtmpIngest &) = delete;

  // Listens on `address`:config.port (0: a free port), and for RTMPS on
  // config.tls_port when TLS is configured.
  bool start (const std::string & address, std::string & error);
  void stop ();
  int port () const { return port_; }
  int tls_port () const { return tls_port_; }   // 0 = no RTMPS
  // RTMPS serves `certificate` to the publishers connecting from now on.
  void replace_certificate (GTlsCertificate * certificate);

  // At most this many connections at once (publishing or not): more are
  // closed as they come.
  static constexpr size_t kMaxConnections = 64;

  struct Connection;

  // Why connection `id` may not publish `name` on `app` ("" = it may; it
  // then holds the stream's publisher lease).
  std::string decide (uint64_t id, const std::string & app,
      const std::string & name);
  // Ends connection `id` (its publisher left or failed: `why`).
  void forget (uint64_t id, const std::string & why);
  // For the connections' threads: the ingest while it exists.
  std::weak_ptr<RtmpIngest *> token () const { return token_; }

private:
  static gboolean on_incoming (GSocketService * service,
      GSocketConnection * connection, GObject * source, gpointer self);
  static gboolean on_tls_incoming (GSocketService * service,
      GSocketConnection * connection, GObject * source, gpointer self);
  GSocketService *listen (const std::string & address, int port,
      GCallback incoming, int & bound, std::string & error);
  void take (GSocketConnection * connection, bool tls);

  StreamManager & streams_;
  AccessControl & access_;
  const RtmpConfig config_;
  const TlsConfig tls_;
  GSocketService *service_ = nullptr;
  GSocketService *tls_service_ = nullptr;
  GTlsCertificate *certificate_ = nullptr;
  int port_ = 0;
  int tls_port_ = 0;
  uint64_t next_id_ = 1;
  std::map<uint64_t, std::unique_ptr<Connection>> connections_;
  std::shared_ptr<RtmpIngest *> token_;
};

}  // namespace camgate
