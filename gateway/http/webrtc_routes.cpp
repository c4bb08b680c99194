#include "http/webrtc_routes.h"

#include "auth/password_hash.h"
#include "http/cors.h"
#include "http/http_server.h"
#include "stream/stream_manager.h"

#include <gst/video/video.h>

namespace camgate {

namespace {

constexpr guint kTickMs = 1000;
// A publisher's keyframe request interval: browsers send keyframes only when
// asked, and a viewer that joins later must not wait for one for long.
constexpr int64_t kKeyframeRequestUs = 2 * G_USEC_PER_SEC;
const char *kSdpFragment = "application/trickle-ice-sdpfrag";

std::string
request_type (SoupServerMessage * message)
{
  const char *type = soup_message_headers_get_content_type (
      soup_server_message_get_request_headers (message), nullptr);
  return type ? type : "";
}

// RFC 9725 §4.6 / WHEP: ICE servers as Link headers.
void
add_ice_links (SoupMessageHeaders * headers, const WebRtcConfig & config)
{
  for (const auto & stun : config.stun_servers) {
    std::string uri = "stun:" + stun.substr (stun.find ("://") + 3);
    soup_message_headers_append (headers, "Link",
        ("<" + uri + ">; rel=\"ice-server\"").c_str ());
  }
  for (const auto & turn : config.turn_servers) {
    // turn(s)://user:pass@host:port -> <turn(s):host:port>; username=..
    auto scheme_end = turn.find ("://");
    std::string scheme = turn.substr (0, scheme_end);
    std::string rest = turn.substr (scheme_end + 3);
    std::string user, pass;
    auto at = rest.rfind ('@');
    if (at != std::string::npos) {
      std::string cred = rest.substr (0, at);
      rest = rest.substr (at + 1);
      auto colon = cred.find (':');
      user = cred.substr (0, colon);
      pass = colon == std::string::npos ? "" : cred.substr (colon + 1);
    }
    std::string link = "<" + scheme + ":" + rest + ">; rel=\"ice-server\"";
    if (!user.empty ())
      link += "; username=\"" + user + "\"; credential=\"" + pass
          + "\"; credential-type=\"password\"";
    soup_message_headers_append (headers, "Link", link.c_str ());
  }
}

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

}  // namespace

WebRtcRoutes::WebRtcRoutes (StreamManager & streams,
    const GatewayConfig & config)
    : streams_ (streams), config_ (config)
{
}

WebRtcRoutes::~WebRtcRoutes ()
{
  if (tick_source_)
    g_source_remove (tick_source_);
  while (!sessions_.empty ())
    end_session (sessions_.begin ()->first, "the gateway is shutting down");
}

unsigned
WebRtcRoutes::viewer_count (const std::string & stream) const
{
  unsigned n = 0;
  for (const auto & [id, s] : sessions_)
    if (!s.publisher && (stream.empty () || s.stream == stream))
      n++;
  return n;
}

bool
WebRtcRoutes::handle (SoupServerMessage * message, const std::string & path,
    const std::string & user)
{
  // "/<stream>/whep", "/<stream>/whep/<id>", "/<stream>/webrtc" (and whip)
  if (path.size () < 3 || path[0] != '/')
    return false;
  auto slash = path.find ('/', 1);
  if (slash == std::string::npos)
    return false;
  const std::string name = path.substr (1, slash - 1);
  std::string rest = path.substr (slash + 1);
  std::string id;
  if (auto cut = rest.find ('/'); cut != std::string::npos) {
    id = rest.substr (cut + 1);
    rest.erase (cut);
    if (id.empty () || id.find ('/') != std::string::npos)
      return false;
  }
  const bool whep = rest == "whep", whip = rest == "whip";
  const char *method = soup_server_message_get_method (message);
  const bool read = g_str_equal (method, "GET") || g_str_equal (method, "HEAD");
  auto stream = streams_.find (name);

  if (rest == "webrtc" && id.empty ()) {
    if (!stream || !stream->webrtc_feed ())
      return false;
    if (!read) {
      soup_message_headers_replace (soup_server_message_get_response_headers
          (message), "Allow", "GET, HEAD");
      send_error (message, SOUP_STATUS_METHOD_NOT_ALLOWED, "read only");
      return true;
    }
    send_resource (message, "webrtc.html", "text/html; charset=utf-8",
        "no-cache");
    return true;
  }
  if (!whep && !whip)
    return false;

  add_player_cors (message);
  auto *headers = soup_server_message_get_response_headers (message);
  if (g_str_equal (method, "OPTIONS")) {
    if (id.empty ())
      soup_message_headers_replace (headers, "Accept-Post", "application/sdp");
    else
      soup_message_headers_replace (headers, "Accept-Patch", kSdpFragment);
    soup_server_message_set_status (message, SOUP_STATUS_NO_CONTENT, nullptr);
    return true;
  }
  if (!stream) {
    send_error (message, SOUP_STATUS_NOT_FOUND, "no stream named '" + name
        + "'");
    return true;
  }

  if (id.empty ()) {
    if (g_str_equal (method, "POST")) {
      post_offer (message, name, whip, user);
    } else if (read) {
      // RFC 9725 §4.1: GET on the endpoint answers 2xx without content.
      soup_server_message_set_status (message, SOUP_STATUS_NO_CONTENT, nullptr);
    } else {
      soup_message_headers_replace (headers, "Allow", "OPTIONS, POST");
      send_error (message, SOUP_STATUS_METHOD_NOT_ALLOWED, std::string (method)
          + " is not allowed on " + path);
    }
    return true;
  }

  // Another user's session is answered as if it did not exist.
  auto it = sessions_.find (id);
  if (it == sessions_.end () || it->second.stream != name
      || it->second.publisher != whip || it->second.owner != user) {
    send_error (message, SOUP_STATUS_NOT_FOUND, "no session " + id + " on "
        + path.substr (0, path.rfind ('/')));
    return true;
  }
  if (g_str_equal (method, "PATCH")) {
    patch_session (message, it->second);
  } else if (g_str_equal (method, "DELETE")) {
    end_session (id, "ended by the client (DELETE)");
    soup_server_message_set_status (message, SOUP_STATUS_OK, nullptr);
  } else if (read) {
    soup_server_message_set_status (message, SOUP_STATUS_NO_CONTENT, nullptr);
  } else {
    soup_message_headers_replace (headers, "Allow", "OPTIONS, PATCH, DELETE");
    send_error (message, SOUP_STATUS_METHOD_NOT_ALLOWED, std::string (method)
        + " is not allowed on a session");
  }
  return true;
}

void
WebRtcRoutes::post_offer (SoupServerMessage * message, const std::string & name,
    bool publish, const std::string & user)
{
  auto stream = streams_.find (name);
  auto *headers = soup_server_message_get_response_headers (message);
  auto unavailable = [&](const std::string & why, int retry_s) {
    soup_message_headers_replace (headers, "Retry-After",
        std::to_string (retry_s).c_str ());
    send_error (message, SOUP_STATUS_SERVICE_UNAVAILABLE, why);
  };
  if (request_type (message) != "application/sdp") {
    send_error (message, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE,
        "the offer must be sent as application/sdp");
    return;
  }

  webrtc::StreamCodecs codecs;
  if (publish) {
    if (stream->spec ().source.kind != SourceKind::Publish) {
      send_error (message, SOUP_STATUS_FORBIDDEN, "stream '" + name
          + "' takes no publisher (its source is not 'whip' or 'publish')");
      return;
    }
    if (stream->publish_slot ()->taken ()) {
      send_error (message, SOUP_STATUS_CONFLICT, "stream '" + name
          + "' already has a publisher");
      return;
    }
  } else {
    const auto & feed = stream->webrtc_feed ();
    if (!feed) {
      send_error (message, SOUP_STATUS_NOT_FOUND, "WebRTC output is off for "
          "stream '" + name + "'");
      return;
    }
    if (viewer_count (name) >= stream->spec ().outputs.webrtc.max_viewers)
      return unavailable ("stream '" + name + "' has its maximum of "
          + std::to_string (stream->spec ().outputs.webrtc.max_viewers)
          + " WebRTC viewers", 10);
    if (viewer_count () >= config_.webrtc.max_viewers)
      return unavailable ("the gateway has its maximum of "
          + std::to_string (config_.webrtc.max_viewers) + " WebRTC viewers",
          10);
    codecs = feed->codecs ();
    // An on-demand feed starts now; this viewer begins at the camera's next
    // keyframe, the ones after it from the feed's last GOP.
    feed->want ();
    stream->update_webrtc ();
    if (codecs.video.empty () && codecs.audio.empty ())
      return unavailable ("stream '" + name + "' has no media yet", 2);
  }

  GstSDPMessage *offer = nullptr;
  std::string reason;
  webrtc::AnswerPlan plan;
  if (!webrtc::parse_offer (request_body (message), &offer, reason)
      || !(publish ? webrtc::plan_ingest (offer, plan, reason)
          : webrtc::plan_playback (offer, codecs, plan, reason))) {
    if (offer)
      gst_sdp_message_free (offer);
    send_error (message, SOUP_STATUS_BAD_REQUEST, reason);
    return;
  }
  // Held from here: a session that fails before it is answered frees the
  // slot as the lease goes.
  std::shared_ptr<PublisherLease> lease;
  if (publish && !(lease = stream->publish_slot ()->claim ("WHIP"))) {
    gst_sdp_message_free (offer);
    send_error (message, SOUP_STATUS_CONFLICT, "stream '" + name
        + "' already has a publisher");
    return;
  }

  // The id is the session's key: 128 bits from a cryptographic source
  // (g_uuid_string_random draws from g_random).
  const std::string id = random_hex (16);
  if (id.empty ()) {
    gst_sdp_message_free (offer);
    send_error (message, SOUP_STATUS_SERVICE_UNAVAILABLE, "no random bytes");
    return;
  }
  const std::string label = std::string (publish ? "whip-" : "whep-") + name
      + "-" + id.substr (0, 8);

  webrtc::WebRtcPeer::Events events;
  events.connected = [this, id]() {
    auto it = sessions_.find (id);
    if (it == sessions_.end ())
      return;
    g_message ("%s session %s on %s: connected", it->second.publisher
        ? "WHIP" : "WHEP", id.c_str (), it->second.stream.c_str ());
    if (!it->second.publisher)
      it->second.source->webrtc_feed ()->start_viewer (it->second.viewer_id);
  };
  events.gone = [this, id](const std::string & why) { end_later (id, why); };
  Session session;
  session.id = id;
  session.stream = name;
  session.owner = user;
  session.publisher = publish;
  session.source = stream;
  if (publish) {
    // Each track the publisher sends goes through streamhealth into the
    // stream's fanout, as an RTSP publisher's would.
    std::weak_ptr<PublisherLease> weak = lease;
    events.new_track = [weak](GstPad * pad) {
      auto lease = weak.lock ();
      if (!lease)
        return;
      GstElement *bin = gst_pad_get_parent_element (pad);
      GstObject *pipeline = gst_object_get_parent (GST_OBJECT (bin));
      lease->add_track (GST_BIN (pipeline), pad);
      gst_object_unref (pipeline);
      gst_object_unref (bin);
    };
  }
  session.peer = std::make_unique<webrtc::WebRtcPeer> (label, publish
      ? webrtc::WebRtcPeer::Role::Receive : webrtc::WebRtcPeer::Role::Send,
      config_.webrtc, config_.bind_address, std::move (events));
  std::string error;
  const bool answered = session.peer->answer (offer, plan, error);
  gst_sdp_message_free (offer);
  if (!answered) {
    session.peer.reset ();
    send_error (message, SOUP_STATUS_BAD_REQUEST, "the offer cannot be "
        "answered: " + error);
    return;
  }
  if (publish) {
    lease->begin (static_cast<unsigned> (plan.tracks.size ()));
    session.lease = std::move (lease);
  } else {
    webrtc::FeedViewer ends;
    ends.pipeline = session.peer->pipeline ();
    ends.video = session.peer->video_src ();
    ends.audio = session.peer->audio_src ();
    ends.audio_encoding = session.peer->audio_encoding ();
    session.viewer_id = stream->webrtc_feed ()->add_viewer (ends);
    session.feed_generation = stream->webrtc_feed ()->generation ();
  }

  // The answer goes out once gathering completes; the POST waits for it.
  soup_server_message_pause (message);
  session.pending = SOUP_SERVER_MESSAGE (g_object_ref (message));
  struct Ctx
  {
    WebRtcRoutes *routes;
    std::string id;
  };
  session.disconnected_id = g_signal_connect_data (message, "disconnected",
      G_CALLBACK (+[](SoupServerMessage *, gpointer data) {
        auto *ctx = static_cast<Ctx *> (data);
        auto it = ctx->routes->sessions_.find (ctx->id);
        if (it == ctx->routes->sessions_.end ())
          return;
        g_clear_object (&it->second.pending);
        it->second.disconnected_id = 0;
        ctx->routes->end_later (ctx->id, "the client left before its answer");
      }), new Ctx { this, id }, [](gpointer data, GClosure *) {
        delete static_cast<Ctx *> (data);
      }, (GConnectFlags) 0);
  auto *peer = session.peer.get ();
  sessions_.emplace (id, std::move (session));
  if (!tick_source_)
    tick_source_ = g_timeout_add (kTickMs, on_tick, this);
  std::string tracks;
  for (const auto & t : plan.tracks)
    tracks += " " + t.media + " " + t.encoding + "/" + std::to_string (t.payload);
  g_message ("%s: %s offer accepted (%s), gathering candidates", label.c_str (),
      publish ? "WHIP" : "WHEP", tracks.c_str () + 1);
  peer->when_gathered ([this, id](const std::string & sdp) {
        answer_ready (id, sdp);
      });
}

void
WebRtcRoutes::answer_ready (const std::string & id, const std::string & sdp)
{
  auto it = sessions_.find (id);
  if (it == sessions_.end () || !it->second.pending)
    return;
  Session & s = it->second;
  SoupServerMessage *message = s.pending;
  s.pending = nullptr;
  if (s.disconnected_id) {
    g_signal_handler_disconnect (message, s.disconnected_id);
    s.disconnected_id = 0;
  }
  auto *headers = soup_server_message_get_response_headers (message);
  if (sdp.empty ()) {
    send_error (message, SOUP_STATUS_INTERNAL_SERVER_ERROR,
        "webrtcbin produced no answer");
    soup_server_message_unpause (message);
    g_object_unref (message);
    end_session (id, "no answer");
    return;
  }
  const std::string location = "/" + s.stream + (s.publisher ? "/whip/"
      : "/whep/") + id;
  soup_message_headers_replace (headers, "Location", location.c_str ());
  soup_message_headers_replace (headers, "ETag", ("\"" + id + "\"").c_str ());
  soup_message_headers_replace (headers, "Accept-Patch", kSdpFragment);
  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  add_ice_links (headers, config_.webrtc);
  soup_server_message_set_status (message, SOUP_STATUS_CREATED, nullptr);
  soup_server_message_set_response (message, "application/sdp",
      SOUP_MEMORY_COPY, sdp.data (), sdp.size ());
  soup_server_message_unpause (message);
  g_object_unref (message);
}

void
WebRtcRoutes::patch_session (SoupServerMessage * message, Session & session)
{
  if (request_type (message) != kSdpFragment) {
    send_error (message, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE,
        std::string ("PATCH takes ") + kSdpFragment);
    return;
  }
  std::string error;
  if (!session.peer->add_candidates (request_body (message), error)) {
    send_error (message, SOUP_STATUS_BAD_REQUEST, error);
    return;
  }
  soup_server_message_set_status (message, SOUP_STATUS_NO_CONTENT, nullptr);
}

void
WebRtcRoutes::end_later (const std::string & id, const std::string & why)
{
  // Not from inside the peer's own callback: on the next main-loop turn.
  struct Ctx
  {
    WebRtcRoutes *routes;
    std::string id, why;
    std::weak_ptr<bool> alive;
  };
  g_idle_add_full (G_PRIORITY_DEFAULT, +[](gpointer data) -> gboolean {
        auto *ctx = static_cast<Ctx *> (data);
        if (ctx->alive.lock ())
          ctx->routes->end_session (ctx->id, ctx->why);
        return G_SOURCE_REMOVE;
      }, new Ctx { this, id, why, alive_ }, [](gpointer data) {
        delete static_cast<Ctx *> (data);
      });
}

void
WebRtcRoutes::end_session (std::string id, const std::string & why)
{
  auto it = sessions_.find (id);
  if (it == sessions_.end ())
    return;
  Session session = std::move (it->second);
  sessions_.erase (it);
  g_message ("%s session %s on %s ended: %s", session.publisher ? "WHIP"
      : "WHEP", id.c_str (), session.stream.c_str (), why.c_str ());
  if (session.pending) {
    if (session.disconnected_id)
      g_signal_handler_disconnect (session.pending, session.disconnected_id);
    send_error (session.pending, SOUP_STATUS_SERVICE_UNAVAILABLE, why);
    soup_server_message_unpause (session.pending);
    g_clear_object (&session.pending);
  }
  if (!session.publisher && session.viewer_id)
    session.source->webrtc_feed ()->remove_viewer (session.viewer_id);
  session.peer.reset ();
  if (session.lease)
    session.lease->end (why);
}

gboolean
WebRtcRoutes::on_tick (gpointer data)
{
  auto *self = static_cast<WebRtcRoutes *> (data);
  const int64_t now = g_get_monotonic_time ();
  const bool ask_keyframe = now - self->last_keyframe_request_us_
      > kKeyframeRequestUs;
  if (ask_keyframe)
    self->last_keyframe_request_us_ = now;
  std::vector<std::pair<std::string, std::string>> ending;
  for (auto & [id, s] : self->sessions_) {
    // The stream was removed or redefined: its sessions go with it.
    if (self->streams_.find (s.stream) != s.source)
      ending.push_back ({ id, "the stream was removed or redefined" });
    else if (!s.publisher
        && s.source->webrtc_feed ()->generation () != s.feed_generation)
      ending.push_back ({ id, "the camera came back with a different format; "
            "the player reconnects" });
    else if (s.publisher && ask_keyframe)
      request_keyframe (s.peer->webrtcbin ());
  }
  for (const auto & [id, why] : ending)
    self->end_session (id, why);
  if (self->sessions_.empty ()) {
    self->tick_source_ = 0;
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

}  // namespace camgate
