// WebRtcRoutes: WebRTC signalling over HTTP (WHEP for viewers, WHIP for
// publishers) on the gateway's HTTP port, mapped onto webrtc/WebRtcSessions:
//   POST    /<stream>/whep        application/sdp offer -> 201 + answer,
//                                 Location /<stream>/whep/<id>
//   PATCH   /<stream>/whep/<id>   application/trickle-ice-sdpfrag -> 204
//   DELETE  /<stream>/whep/<id>   ends the session
//   POST/PATCH/DELETE /<stream>/whip[/<id>]  the same for a publisher
//   OPTIONS on any of them        CORS preflight
//   GET     /<stream>/webrtc      the WHEP player page
// Refusals: 415 wrong content type, 404 unknown stream or session, 400 an
// offer that cannot be answered (with the reason), 403 WHIP to a stream that
// takes no publisher, 409 a second publisher, 503 + Retry-After over the
// viewer limits or before the stream has media.
#pragma once

#include "config/gateway_config.h"
#include "webrtc/webrtc_sessions.h"

#include <libsoup/soup.h>

#include <string>

namespace camgate {

class StreamManager;
class ParkedMessage;

class WebRtcRoutes
{
public:
  WebRtcRoutes (StreamManager & streams, const GatewayConfig & config);
  WebRtcRoutes (const WebRtcRoutes &) = delete;
  WebRtcRoutes & operator= (const WebRtcRoutes &) = delete;

  // Answers the request if `path` is a WebRTC resource; false otherwise.
  // `user`: who sends it ("" = anonymous); a session answers only the user
  // who made it. A WHEP offer may ask for a rendition (`?rendition=360p`).
  bool handle (SoupServerMessage * message, const std::string & path,
      GHashTable * query, const std::string & user);

  // WHEP sessions of one stream ("" = all streams).
  unsigned viewer_count (const std::string & stream = {}) const
  {
    return sessions_.viewer_count (stream);
  }

private:
  void post_offer (SoupServerMessage * message, const std::string & name,
      const std::string & rendition, bool publish, const std::string & user);
  void send_answer (ParkedMessage & parked, const std::string & location,
      const std::string & sdp, webrtc::Refusal refusal,
      const std::string & error);
  void on_session (SoupServerMessage * message, const std::string & path,
      const std::string & name, const std::string & id, bool whip,
      const std::string & user);
  void patch_session (SoupServerMessage * message, const std::string & id);

  StreamManager & streams_;
  webrtc::WebRtcSessions sessions_;
};

}  // namespace camgate
