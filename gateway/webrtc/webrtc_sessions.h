// WebRtcSessions: the gateway's WHEP viewers and WHIP publishers, whatever
// carries their signalling. An offer becomes a session bound to the user who
// made it: a viewer on the stream's WebRtcFeed, or a publisher holding the
// stream's PublisherLease, each with its WebRtcPeer. Sessions end on DELETE,
// when their peer's connection goes, when the stream is removed or comes
// back in another format, and with the gateway. The HTTP adapter
// (http/webrtc_routes) only maps requests and refusals to HTTP.
//
// Streams are found through a WebRtcStream view the caller provides, so
// this folder stays below the stream layer (which owns the feed). Main
// context only.
#pragma once

#include "config/gateway_config.h"
#include "media/publisher_lease.h"
#include "webrtc/webrtc_feed.h"
#include "webrtc/webrtc_peer.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace camgate {

namespace webrtc {

// One step of the ladder a viewer is moved along by its estimate.
struct AdaptiveRung
{
  std::string rendition;           // "" = the camera's own stream
  uint64_t bitrate = 0;            // bits per second
  std::shared_ptr<WebRtcFeed> feed;
  std::function<std::shared_ptr<void> ()> take_reader;
};

// What sessions need of a stream.
struct WebRtcStream
{
  bool takes_publisher = false;    // its source is whip / publish
  unsigned max_viewers = 0;        // outputs.webrtc.max-viewers
  std::shared_ptr<PublishSlot> publish_slot;
  std::shared_ptr<WebRtcFeed> feed;    // null: WebRTC is off
  // A viewer's lease on the stream (counted; keeps an on-demand feed on).
  std::function<std::shared_ptr<void> ()> take_reader;
  std::function<void ()> start_feed;   // an on-demand feed starts now
  // The rendition ("h264") a viewer whose offer cannot take the camera's
  // video (H.265) watches instead; "" when there is none.
  std::string video_fallback;
  // For a viewer who named no rendition of a stream with renditions (H.264
  // cameras): the camera's stream and the renditions, highest bitrate
  // first; the viewer starts on the first and moves with its REMB. Made
  // when a viewer is admitted (views are also built on every tick).
  std::function<std::vector<AdaptiveRung> ()> make_ladder;
  // The stream itself, kept alive by its sessions; another object under
  // the same name means the stream was redefined.
  std::shared_ptr<const void> identity;
};
using FindStream = std::function<std::optional<WebRtcStream> (
    const std::string & name)>;

// Why an offer was not taken.
enum class Refusal
{
  None,
  NoStream,                        // no stream by that name
  NoOutput,                        // WebRTC is off for the stream
  TakesNoPublisher,                // WHIP to a stream whose source is not publish
  HasPublisher,                    // a second publisher
  Busy,                            // viewer limits, or no media yet: retry later
  BadOffer,                        // not an offer the stream can answer
  Failed,                          // our side could not set the session up
};

struct OfferOutcome
{
  Refusal refusal = Refusal::None;
  std::string reason;              // for a person
  int retry_after_s = 0;           // Busy
  std::string id;                  // the new session's, when taken
};

class WebRtcSessions
{
public:
  // The session's answer SDP, or "", the kind of refusal and why there is
  // none; called once, on the main context, unless the session was ended
  // by its signalling first (end()).
  using AnswerReady = std::function<void (const std::string & sdp,
      Refusal refusal, const std::string & error)>;

  WebRtcSessions (FindStream find_stream, const GatewayConfig & config);
  ~WebRtcSessions ();
  WebRtcSessions (const WebRtcSessions &) = delete;
  WebRtcSessions & operator= (const WebRtcSessions &) = delete;

  // Starts a viewer (publish = false) or publisher session on `stream` for
  // `owner` ("" = anonymous) at `address` (its IP, shown for a publisher)
  // from an SDP offer. A viewer's `stream` may be "<stream>/<rendition>":
  // it watches that rendition's feed, and counts as a viewer of <stream>.
  OfferOutcome offer (const std::string & stream, bool publish,
      const std::string & owner, const std::string & address,
      const std::string & sdp, AnswerReady ready);

  // Whether session `id` is a `publish` session of `stream` made by
  // `owner`: another user's session is as good as absent.
  bool owns (const std::string & id, const std::string & stream, bool publish,
      const std::string & owner) const;

  // Trickled ICE candidates (an SDP fragment); false and why on bad input.
  bool add_candidates (const std::string & id, const std::string & fragment,
      std::string & error);

  // Ends a session; its answer, if still awaited, is not delivered.
  void end (const std::string & id, const std::string & why);

  // WHEP sessions of one stream ("" = all streams).
  unsigned viewer_count (const std::string & stream = {}) const;

  // ICE servers for clients, as configured.
  const WebRtcConfig & config () const { return config_.webrtc; }

private:
  struct Session
  {
    std::string stream;
    std::string owner;
    bool publisher = false;
    WebRtcStream source;                  // keeps the feed/fanout alive
    uint64_t viewer_id = 0;               // in the stream's WebRtcFeed
    uint64_t feed_generation = 0;         // the feed layout it negotiated
    std::unique_ptr<WebRtcPeer> peer;
    std::shared_ptr<PublisherLease> lease;  // a publisher's; begun once answered
    std::shared_ptr<void> reader;         // a viewer's lease on the stream
    unsigned tracks = 0;                  // the answer's tracks
    AnswerReady ready;                    // until the answer is out
    // Adaptive viewers: their ladder (empty: the viewer stays), the rung
    // watched, the one being started for it
    // (its lease taken, switched to once its feed runs), and since when
    // the estimate has allowed a higher one.
    std::vector<AdaptiveRung> ladder;
    size_t rung = 0;
    size_t pending = SIZE_MAX;
    std::shared_ptr<void> pending_reader;
    int64_t up_since_us = 0;
    bool estimated = false;               // its first REMB arrived
    // A move under way: the viewer is also in the feed of rung `rung`,
    // which takes over at its next keyframe (see Handover).
    struct Move
    {
      size_t rung;
      uint64_t viewer_id;
      std::shared_ptr<Handover> handover;
      int64_t since_us;
    };
    std::optional<Move> moving;
  };

  OfferOutcome admit (const std::string & name, const WebRtcStream & stream,
      bool publish, StreamCodecs & codecs);
  WebRtcPeer::Events peer_events (const std::string & id,
      const std::shared_ptr<PublisherLease> & lease);
  void answer_applied (const std::string & id, const std::string & problem);
  // Moves an adaptive viewer toward the rung its estimate fits.
  void adapt (const std::string & id, Session & s, int64_t now_us);
  // Ends a move once the new feed took the viewer over (or gives it up
  // after kHandoverUs); true while it is still under way.
  bool follow_move (const std::string & id, Session & s, int64_t now_us);
  void answer_ready (const std::string & id, const std::string & sdp);
  void end_session (std::string id, const std::string & why);   // id by value: it may be the map key
  void end_later (const std::string & id, const std::string & why);
  static gboolean on_tick (gpointer self);

  const FindStream find_stream_;
  const GatewayConfig config_;
  std::map<std::string, Session> sessions_;
  guint tick_source_ = 0;
  int64_t last_keyframe_request_us_ = 0;
  // Expires with this object: deferred work checks it first.
  std::shared_ptr<bool> alive_ = std::make_shared<bool> (true);
};

}  // namespace webrtc
}  // namespace camgate
