#include "webrtc/webrtc_sessions.h"

#include "auth/password_hash.h"
#include "events/event_bus.h"

#include <gst/video/video.h>

namespace camgate::webrtc {

namespace {

constexpr guint kTickMs = 1000;
// A publisher's keyframe request interval: browsers send keyframes only when
// asked, and a viewer that joins later must not wait for one for long.
constexpr int64_t kKeyframeRequestUs = 2 * G_USEC_PER_SEC;
// How long a move waits for the next keyframe of the feed the viewer moves
// to (a GOP, with room).
constexpr int64_t kHandoverUs = 10 * G_USEC_PER_SEC;
// How long an adaptive viewer's estimate must allow a higher rung before it
// is moved up.
constexpr int64_t kUpSwitchUs = 4 * G_USEC_PER_SEC;

// Asks a publisher for a keyframe: the event goes up from webrtcbin's video
// output into its RTP session, which sends the publisher a PLI.
void
request_keyframe (GstElement * webrtc)
{
  gst_element_foreach_src_pad (webrtc, +[](GstElement *, GstPad * pad,
          gpointer) -> gboolean {
        GstCaps *caps = gst_pad_get_current_caps (pad);
        bool video = caps && g_strcmp0 (gst_structure_get_string (
                gst_caps_get_structure (caps, 0), "media"), "video") == 0;
        if (caps)
          gst_caps_unref (caps);
        if (video)
          gst_pad_send_event (pad, gst_video_event_new_upstream_force_key_unit
              (GST_CLOCK_TIME_NONE, TRUE, 0));
        return TRUE;
      }, nullptr);
}

OfferOutcome
refuse (Refusal refusal, std::string reason, int retry_after_s = 0)
{
  return { refusal, std::move (reason), retry_after_s, {} };
}

}  // namespace

WebRtcSessions::WebRtcSessions (FindStream find_stream,
    const GatewayConfig & config)
    : find_stream_ (std::move (find_stream)), config_ (config)
{
}

WebRtcSessions::~WebRtcSessions ()
{
  if (tick_source_)
    g_source_remove (tick_source_);
  while (!sessions_.empty ())
    end_session (sessions_.begin ()->first, "the gateway is shutting down");
}

// The stream a session's source names: "<stream>" or "<stream>/<rendition>".
static std::string
stream_of (const std::string & source)
{
  return source.substr (0, source.find ('/'));
}

unsigned
WebRtcSessions::viewer_count (const std::string & stream) const
{
  unsigned n = 0;
  for (const auto & [id, s] : sessions_)
    if (!s.publisher && (stream.empty () || stream_of (s.stream) == stream))
      n++;
  return n;
}

bool
WebRtcSessions::owns (const std::string & id, const std::string & stream,
    bool publish, const std::string & owner) const
{
  auto it = sessions_.find (id);
  return it != sessions_.end () && stream_of (it->second.stream) == stream
      && it->second.publisher == publish && it->second.owner == owner;
}

bool
WebRtcSessions::add_candidates (const std::string & id,
    const std::string & fragment, std::string & error)
{
  auto it = sessions_.find (id);
  if (it == sessions_.end ()) {
    error = "no session " + id;
    return false;
  }
  return it->second.peer->add_candidates (fragment, error);
}

void
WebRtcSessions::end (const std::string & id, const std::string & why)
{
  auto it = sessions_.find (id);
  if (it != sessions_.end ())
    it->second.ready = nullptr;    // its signalling is gone: nobody to tell
  end_session (id, why);
}

// Whether `stream` takes this viewer or publisher now; for a viewer, what
// the stream can send.
OfferOutcome
WebRtcSessions::admit (const std::string & name, const WebRtcStream & stream,
    bool publish, StreamCodecs & codecs)
{
  if (publish) {
    if (!stream.takes_publisher)
      return refuse (Refusal::TakesNoPublisher, "stream '" + name
          + "' takes no publisher (its source is not 'whip' or 'publish')");
    if (stream.publish_slot->taken ())
      return refuse (Refusal::HasPublisher, "stream '" + name
          + "' already has a publisher");
    return {};
  }
  const auto & feed = stream.feed;
  if (!feed)
    return refuse (Refusal::NoOutput, "WebRTC output is off for stream '"
        + name + "'");
  const unsigned stream_limit = stream.max_viewers;
  auto limit_hit = [&](const char *of, unsigned limit) {
    EventBus::gateway ().publish ("viewers.limit", name, { { "protocol",
            "WebRTC" }, { "of", of }, { "limit", std::to_string (limit) } });
  };
  if (viewer_count (stream_of (name)) >= stream_limit) {
    limit_hit ("stream", stream_limit);
    return refuse (Refusal::Busy, "stream '" + name + "' has its maximum of "
        + std::to_string (stream_limit) + " WebRTC viewers", 10);
  }
  if (viewer_count () >= config_.webrtc.max_viewers) {
    limit_hit ("gateway", config_.webrtc.max_viewers);
    return refuse (Refusal::Busy, "the gateway has its maximum of "
        + std::to_string (config_.webrtc.max_viewers) + " WebRTC viewers", 10);
  }
  codecs = feed->codecs ();
  if (codecs.video.empty () && codecs.audio.empty ())
    return refuse (Refusal::Busy, "stream '" + name + "' has no media yet", 2);
  return {};
}

WebRtcPeer::Events
WebRtcSessions::peer_events (const std::string & id,
    const std::shared_ptr<PublisherLease> & lease)
{
  WebRtcPeer::Events events;
  events.connected = [this, id]() {
    auto it = sessions_.find (id);
    if (it == sessions_.end ())
      return;
    g_message ("%s session %s on %s: connected", it->second.publisher
        ? "WHIP" : "WHEP", id.c_str (), it->second.stream.c_str ());
    if (!it->second.publisher)
      it->second.source.feed->start_viewer (it->second.viewer_id);
  };
  events.gone = [this, id](const std::string & why) { end_later (id, why); };
  if (lease) {
    // Each track the publisher sends goes through streamhealth into the
    // stream's fanout, as an RTSP publisher's would.
    std::weak_ptr<PublisherLease> weak = lease;
    events.new_track = [weak](GstPad * pad) {
      auto held = weak.lock ();
      if (!held)
        return;
      GstElement *bin = gst_pad_get_parent_element (pad);
      GstObject *pipeline = gst_object_get_parent (GST_OBJECT (bin));
      held->add_track (GST_BIN (pipeline), pad);
      gst_object_unref (pipeline);
      gst_object_unref (bin);
    };
  }
  return events;
}

OfferOutcome
WebRtcSessions::offer (const std::string & name, bool publish,
    const std::string & owner, const std::string & address,
    const std::string & sdp, AnswerReady ready)
{
  auto stream = find_stream_ (name);
  if (!stream)
    return refuse (Refusal::NoStream, "no stream named '" + name + "'");
  StreamCodecs codecs;
  OfferOutcome outcome = admit (name, *stream, publish, codecs);
  if (outcome.refusal != Refusal::None) {
    // A viewer that finds no media yet counts as a reader for a moment: an
    // on-demand source starts for it, and its retry (Retry-After) finds
    // media.
    if (!publish && outcome.refusal == Refusal::Busy && codecs.video.empty ()
        && codecs.audio.empty () && stream->take_reader)
      stream->take_reader ();
    return outcome;
  }

  GstSDPMessage *offer = nullptr;
  std::string reason;
  AnswerPlan plan;
  if (!parse_offer (sdp, &offer, reason)
      || !(publish ? plan_ingest (offer, plan, reason)
          : plan_playback (offer, codecs, plan, reason))) {
    const bool parsed = offer != nullptr;
    if (offer)
      gst_sdp_message_free (offer);
    // A browser without H.265 watches the camera's picture as H.264.
    if (parsed && !publish && codecs.video == "H265"
        && !stream->video_fallback.empty ()) {
      OfferOutcome fallback = this->offer (name + "/" + stream->video_fallback,
          false, owner, address, sdp, std::move (ready));
      if (fallback.refusal != Refusal::BadOffer)
        return fallback;
    }
    return refuse (Refusal::BadOffer, reason);
  }
  // A viewer's lease makes an on-demand feed start now (once the offer is
  // known to be answerable); this viewer begins at the camera's next
  // keyframe, the ones after it from the feed's last GOP.
  std::shared_ptr<void> reader;
  if (!publish) {
    reader = stream->take_reader ();
    stream->start_feed ();
  }
  // Held from here: a session that fails before it is answered frees the
  // slot as the lease goes.
  std::shared_ptr<PublisherLease> lease;
  if (publish && !(lease = stream->publish_slot->claim ("WHIP", address))) {
    gst_sdp_message_free (offer);
    return refuse (Refusal::HasPublisher, "stream '" + name
        + "' already has a publisher");
  }
  // The id is the session's key: 128 bits from a cryptographic source.
  const std::string id = random_hex (16);
  if (id.empty ()) {
    gst_sdp_message_free (offer);
    return refuse (Refusal::Failed, "no random bytes");
  }
  const std::string label = std::string (publish ? "whip-" : "whep-") + name
      + "-" + id.substr (0, 8);

  Session session;
  session.stream = name;
  session.owner = owner;
  session.publisher = publish;
  session.source = *stream;
  // Renditions are H.264: a viewer moves along the ladder only if that is
  // what it takes.
  bool h264 = false;
  for (const auto & t : plan.tracks)
    h264 = h264 || (t.media == "video" && t.encoding == "H264");
  if (!publish && h264 && stream->make_ladder)
    session.ladder = stream->make_ladder ();
  session.peer = std::make_unique<WebRtcPeer> (label, publish
      ? WebRtcPeer::Role::Receive : WebRtcPeer::Role::Send, config_.webrtc,
      config_.bind_address, peer_events (id, lease));
  session.lease = std::move (lease);       // begun once the answer is set
  session.reader = std::move (reader);
  session.ready = std::move (ready);
  session.tracks = static_cast<unsigned> (plan.tracks.size ());
  std::string error;
  const bool started = session.peer->answer (offer, plan,
      [this, id](const std::string & problem) { answer_applied (id, problem); },
      error);
  gst_sdp_message_free (offer);
  if (!started)
    return refuse (Refusal::BadOffer, "the offer cannot be answered: "
        + error);

  sessions_.emplace (id, std::move (session));
  if (!tick_source_)
    tick_source_ = g_timeout_add (kTickMs, on_tick, this);
  std::string tracks;
  for (const auto & t : plan.tracks)
    tracks += " " + t.media + " " + t.encoding + "/" + std::to_string (t.payload);
  g_message ("%s: %s offer accepted (%s), answering", label.c_str (),
      publish ? "WHIP" : "WHEP", tracks.c_str () + 1);
  outcome.id = id;
  return outcome;
}

// Where a feed pushes to a viewer's peer.
static FeedViewer
viewer_ends (const WebRtcPeer & peer)
{
  FeedViewer ends;
  ends.pipeline = peer.pipeline ();
  ends.video = peer.video_src ();
  ends.audio = peer.audio_src ();
  ends.audio_encoding = peer.audio_encoding ();
  return ends;
}

// The highest rung whose bitrate fits in 80 % of `estimate` (the lowest
// when none does).
static size_t
rung_for (const std::vector<AdaptiveRung> & ladder, uint64_t estimate)
{
  for (size_t i = 0; i < ladder.size (); i++)
    if (ladder[i].bitrate * 5 <= estimate * 4)
      return i;
  return ladder.size () - 1;
}

static const char *
rung_name (const AdaptiveRung & rung)
{
  return rung.rendition.empty () ? "the camera's stream"
      : rung.rendition.c_str ();
}

void
WebRtcSessions::adapt (const std::string & id, Session & s, int64_t now_us)
{
  if (s.ladder.size () < 2 || !s.viewer_id || follow_move (id, s, now_us))
    return;
  const uint64_t estimate = s.peer ? s.peer->estimate_bps () : 0;
  if (estimate == 0)
    return;
  if (!s.estimated)
    g_message ("WHEP session %s: first estimate from the viewer: %llu kbit/s",
        id.c_str (), (unsigned long long) (estimate / 1000));
  s.estimated = true;
  // Down at once; up once the estimate has allowed it for a while, so that
  // one optimistic report does not bounce the viewer.
  size_t target = rung_for (s.ladder, estimate);
  if (target < s.rung) {
    if (!s.up_since_us)
      s.up_since_us = now_us;
    if (now_us - s.up_since_us < kUpSwitchUs)
      target = s.rung;
  } else {
    s.up_since_us = 0;
  }
  if (target == s.rung) {
    s.pending = SIZE_MAX;
    s.pending_reader.reset ();
    return;
  }
  const AdaptiveRung & rung = s.ladder[target];
  if (s.pending != target) {
    // Its feed (and encoder) start now; the viewer moves once they run.
    s.pending = target;
    s.pending_reader = rung.take_reader ();
    s.source.start_feed ();
  }
  if (!rung.feed->running () || rung.feed->generation () == 0)
    return;
  // Both feeds send to the viewer until the new one's next keyframe.
  auto handover = std::make_shared<Handover> ();
  const uint64_t viewer = rung.feed->add_viewer (viewer_ends (*s.peer));
  s.source.feed->hand_over (s.viewer_id, handover);
  rung.feed->start_viewer_at_keyframe (viewer, handover);
  s.moving = Session::Move { target, viewer, handover, now_us };
  g_message ("WHEP session %s: the viewer's estimate is %llu kbit/s: moving "
      "from %s to %s at its next keyframe", id.c_str (),
      (unsigned long long) (estimate / 1000), rung_name (s.ladder[s.rung]),
      rung_name (rung));
}

bool
WebRtcSessions::follow_move (const std::string & id, Session & s,
    int64_t now_us)
{
  if (!s.moving)
    return false;
  Session::Move & move = *s.moving;
  const AdaptiveRung & rung = s.ladder[move.rung];
  bool done;
  {
    std::lock_guard<std::mutex> lk (move.handover->lock);
    done = move.handover->done;
  }
  if (done) {
    s.source.feed->remove_viewer (s.viewer_id);
    s.source.feed = rung.feed;
    s.viewer_id = move.viewer_id;
    s.feed_generation = rung.feed->generation ();
    s.reader = std::move (s.pending_reader);
    g_message ("WHEP session %s: moved from %s to %s at its keyframe",
        id.c_str (), rung_name (s.ladder[s.rung]), rung_name (rung));
    s.rung = move.rung;
  } else if (now_us - move.since_us > kHandoverUs) {
    // Its feed sent no keyframe (stalled?): the viewer stays, and the
    // move is tried again.
    rung.feed->remove_viewer (move.viewer_id);
    s.source.feed->hand_over (s.viewer_id, nullptr);
    g_message ("WHEP session %s: %s sent no keyframe in %lld s: the viewer "
        "stays on %s", id.c_str (), rung_name (rung),
        (long long) (kHandoverUs / G_USEC_PER_SEC),
        rung_name (s.ladder[s.rung]));
  } else {
    return true;
  }
  s.moving.reset ();
  s.pending = SIZE_MAX;
  s.up_since_us = 0;
  return false;
}

// webrtcbin applied the offer and its answer (or refused): the publisher's
// lease begins or the viewer joins the feed, and the answer goes out once
// candidates are gathered.
void
WebRtcSessions::answer_applied (const std::string & id,
    const std::string & problem)
{
  auto it = sessions_.find (id);
  if (it == sessions_.end ())
    return;
  Session & s = it->second;
  if (!problem.empty ()) {
    if (auto ready = std::move (s.ready))
      ready ("", Refusal::BadOffer, "the offer cannot be answered: " + problem);
    end_session (id, problem);
    return;
  }
  if (s.publisher) {
    s.lease->begin (s.tracks);
  } else {
    s.viewer_id = s.source.feed->add_viewer (viewer_ends (*s.peer));
    s.feed_generation = s.source.feed->generation ();
  }
  g_message ("%s session %s: gathering candidates", s.publisher ? "WHIP"
      : "WHEP", id.c_str ());
  s.peer->when_gathered ([this, id](const std::string & answer) {
        answer_ready (id, answer);
      });
}

void
WebRtcSessions::answer_ready (const std::string & id, const std::string & sdp)
{
  auto it = sessions_.find (id);
  if (it == sessions_.end () || !it->second.ready)
    return;
  AnswerReady ready = std::move (it->second.ready);
  it->second.ready = nullptr;
  if (sdp.empty ()) {
    ready ("", Refusal::Failed, "webrtcbin produced no answer");
    end_session (id, "no answer");
    return;
  }
  ready (sdp, Refusal::None, "");
}

void
WebRtcSessions::end_later (const std::string & id, const std::string & why)
{
  // Not from inside the peer's own callback: on the next main-loop turn.
  struct Ctx
  {
    WebRtcSessions *sessions;
    std::string id, why;
    std::weak_ptr<bool> alive;
  };
  g_idle_add_full (G_PRIORITY_DEFAULT, +[](gpointer data) -> gboolean {
        auto *ctx = static_cast<Ctx *> (data);
        if (ctx->alive.lock ())
          ctx->sessions->end_session (ctx->id, ctx->why);
        return G_SOURCE_REMOVE;
      }, new Ctx { this, id, why, alive_ }, [](gpointer data) {
        delete static_cast<Ctx *> (data);
      });
}

void
WebRtcSessions::end_session (std::string id, const std::string & why)
{
  auto it = sessions_.find (id);
  if (it == sessions_.end ())
    return;
  Session session = std::move (it->second);
  sessions_.erase (it);
  g_message ("%s session %s on %s ended: %s", session.publisher ? "WHIP"
      : "WHEP", id.c_str (), session.stream.c_str (), why.c_str ());
  if (session.ready)
    session.ready ("", Refusal::Failed, why);
  if (!session.publisher && session.viewer_id)
    session.source.feed->remove_viewer (session.viewer_id);
  if (session.moving)
    session.ladder[session.moving->rung].feed->remove_viewer (
        session.moving->viewer_id);
  session.peer.reset ();
  if (session.lease)
    session.lease->end (why);
}

gboolean
WebRtcSessions::on_tick (gpointer data)
{
  auto *self = static_cast<WebRtcSessions *> (data);
  const int64_t now = g_get_monotonic_time ();
  const bool ask_keyframe = now - self->last_keyframe_request_us_
      > kKeyframeRequestUs;
  if (ask_keyframe)
    self->last_keyframe_request_us_ = now;
  std::vector<std::pair<std::string, std::string>> ending;
  for (auto & [id, s] : self->sessions_) {
    // The stream was removed or redefined: its sessions go with it.
    auto current = self->find_stream_ (s.stream);
    // A viewer who joined a rendition's feed before its first frame
    // negotiated what its first build sends.
    if (!s.publisher && s.viewer_id && s.feed_generation == 0)
      s.feed_generation = s.source.feed->generation ();
    if (!current || current->identity != s.source.identity)
      ending.push_back ({ id, "the stream was removed or redefined" });
    else if (!s.publisher && s.viewer_id     // joined once answered
        && s.source.feed->generation () != s.feed_generation)
      ending.push_back ({ id, "the camera came back with a different format; "
            "the player reconnects" });
    else if (s.publisher && ask_keyframe)
      request_keyframe (s.peer->webrtcbin ());
    else if (!s.publisher)
      self->adapt (id, s, now);
  }
  for (const auto & [id, why] : ending)
    self->end_session (id, why);
  if (self->sessions_.empty ()) {
    self->tick_source_ = 0;
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

}  // namespace camgate::webrtc
