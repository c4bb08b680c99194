// WebRtcRoutes: WebRTC signalling over HTTP (WHEP for viewers, WHIP for
// publishers) on the gateway's HTTP port:
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
#include "stream/publisher_lease.h"
#include "webrtc/webrtc_peer.h"

#include <libsoup/soup.h>

#include <map>
#include <memory>
#include <string>

namespace camgate {

class StreamManager;
class Stream;

class WebRtcRoutes
{
public:
  WebRtcRoutes (StreamManager & streams, const GatewayConfig & config);
  ~WebRtcRoutes ();
  WebRtcRoutes (const WebRtcRoutes &) = delete;
  WebRtcRoutes & operator= (const WebRtcRoutes &) = delete;

  // Answers the request if `path` is a WebRTC resource; false otherwise.
  // `user`: who sends it ("" = anonymous); a session answers only the user
  // who made it.
  bool handle (SoupServerMessage * message, const std::string & path,
      const std::string & user);

  // WHEP sessions of one stream ("" = all streams).
  unsigned viewer_count (const std::string & stream = {}) const;

private:
  struct Session
  {
    std::string id;
    std::string stream;
    std::string owner;                    // who made it ("" = anonymous)
    bool publisher = false;
    std::shared_ptr<Stream> source;       // keeps the feed/fanout alive
    uint64_t viewer_id = 0;               // in the stream's WebRtcFeed
    uint64_t feed_generation = 0;         // the feed layout it negotiated
    std::unique_ptr<webrtc::WebRtcPeer> peer;
    std::shared_ptr<PublisherLease> lease;  // a WHIP publisher's, once begun
    SoupServerMessage *pending = nullptr; // the POST waiting for its answer
    gulong disconnected_id = 0;
  };

  void post_offer (SoupServerMessage * message, const std::string & name,
      bool publish, const std::string & user);
  void patch_session (SoupServerMessage * message, Session & session);
  void answer_ready (const std::string & id, const std::string & sdp);
  void end_session (std::string id, const std::string & why);   // id by value: it may be the map key
  void end_later (const std::string & id, const std::string & why);
  static gboolean on_tick (gpointer self);

  StreamManager & streams_;
  const GatewayConfig config_;
  std::map<std::string, Session> sessions_;
  guint tick_source_ = 0;
  int64_t last_keyframe_request_us_ = 0;
  // Expires with this object: deferred work checks it first.
  std::shared_ptr<bool> alive_ = std::make_shared<bool> (true);
};

}  // namespace camgate
