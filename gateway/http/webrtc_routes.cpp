#include "http/webrtc_routes.h"

#include "http/cors.h"
#include "http/http_auth.h"
#include "http/http_server.h"
#include "http/parked_message.h"
#include "stream/stream_manager.h"
#include "transcode/rendition_ladder.h"
#include "webrtc/webrtc_feed.h"

#include <algorithm>

namespace camgate {

namespace {

const char *kSdpFragment = "application/trickle-ice-sdpfrag";
// Longer than the peer's own gathering limit: only a session stuck for
// another reason meets it.
constexpr guint kAnswerDeadlineMs = 30000;

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

// The HTTP status for a refused offer.
guint
status_of (webrtc::Refusal refusal)
{
  switch (refusal) {
    case webrtc::Refusal::NoStream:
    case webrtc::Refusal::NoOutput:
      return SOUP_STATUS_NOT_FOUND;
    case webrtc::Refusal::TakesNoPublisher:
      return SOUP_STATUS_FORBIDDEN;
    case webrtc::Refusal::HasPublisher:
      return SOUP_STATUS_CONFLICT;
    case webrtc::Refusal::Busy:
    case webrtc::Refusal::Failed:
      return SOUP_STATUS_SERVICE_UNAVAILABLE;
    case webrtc::Refusal::BadOffer:
    case webrtc::Refusal::None:
      break;
  }
  return SOUP_STATUS_BAD_REQUEST;
}

}  // namespace

// The WebRTC feed of a stream's `rendition` ("" or "source": the camera's
// own), null when there is none.
static std::shared_ptr<webrtc::WebRtcFeed>
feed_of (const Stream & stream, std::string rendition)
{
  if (rendition == "source")
    rendition.clear ();
  return stream.output_where<webrtc::WebRtcFeed> ([&rendition](
          const webrtc::WebRtcFeed & feed) {
        return feed.rendition () == rendition;
      });
}

// The camera's stream, then each configured rendition with a WebRTC feed,
// highest bitrate first (the camera's at its measured video bitrate); empty
// when the camera's video is not H.264 (renditions are) or there is no
// rendition.
static std::vector<webrtc::AdaptiveRung>
adaptive_ladder (const std::shared_ptr<Stream> & stream,
    const std::shared_ptr<webrtc::WebRtcFeed> & source)
{
  std::vector<webrtc::AdaptiveRung> ladder;
  auto renditions = stream->output<transcode::RenditionLadder> ();
  if (!renditions || source->codecs ().video != "H264")
    return ladder;
  uint64_t camera = 0;
  for (const auto & track : stream->health ().tracks)
    if (track.media == "video")
      camera = track.bitrate;
  auto readers = stream->readers (ReaderKind::WebRtc);
  for (const auto & r : renditions->renditions ()) {
    auto feed = r.spec.automatic ? nullptr : feed_of (*stream, r.spec.name);
    if (feed)
      ladder.push_back ({ r.spec.name, r.spec.bitrate, feed,
            [feed, readers]() { return feed->take_viewer (readers); } });
  }
  if (ladder.empty ())
    return ladder;
  std::sort (ladder.begin (), ladder.end (), [](const auto & a,
          const auto & b) { return a.bitrate > b.bitrate; });
  // The camera's stream is the top (a camera not measured yet counts as
  // twice the highest rendition).
  ladder.insert (ladder.begin (), { "", camera ? camera
            : ladder.front ().bitrate * 2, source,
        [readers]() -> std::shared_ptr<void> { return readers->lease (); } });
  return ladder;
}

// A stream as WebRTC sessions see it; `name` is "<stream>" or
// "<stream>/<rendition>".
static std::optional<webrtc::WebRtcStream>
webrtc_view (StreamManager & streams, const std::string & name)
{
  const size_t slash = name.find ('/');
  auto stream = streams.find (name.substr (0, slash));
  if (!stream)
    return std::nullopt;
  webrtc::WebRtcStream view;
  view.takes_publisher = stream->spec ().source.kind == SourceKind::Publish;
  view.max_viewers = stream->spec ().outputs.webrtc.max_viewers;
  view.publish_slot = stream->publish_slot ();
  view.feed = feed_of (*stream, slash == std::string::npos ? ""
      : name.substr (slash + 1));
  if (slash != std::string::npos && !view.feed)
    return std::nullopt;
  if (slash == std::string::npos && feed_of (*stream,
          RenditionSpec::kAutomaticH264))
    view.video_fallback = RenditionSpec::kAutomaticH264;
  if (slash == std::string::npos && view.feed)
    view.make_ladder = [stream, feed = view.feed]() {
      return adaptive_ladder (stream, feed);
    };
  view.take_reader = [stream, feed = view.feed]() -> std::shared_ptr<void> {
    auto readers = stream->readers (ReaderKind::WebRtc);
    return feed ? feed->take_viewer (readers) : readers->lease ();
  };
  view.start_feed = [stream]() { stream->update_outputs (); };
  view.identity = stream;
  return view;
}

WebRtcRoutes::WebRtcRoutes (StreamManager & streams,
    const GatewayConfig & config)
    : streams_ (streams), sessions_ ([&streams](const std::string & name) {
          return webrtc_view (streams, name);
        }, config)
{
}

bool
WebRtcRoutes::handle (SoupServerMessage * message, const std::string & path,
    GHashTable * query, const std::string & user)
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
    if (!stream || !stream->output<webrtc::WebRtcFeed> ())
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
      const char *rendition = query ? static_cast<const char *>
          (g_hash_table_lookup (query, "rendition")) : nullptr;
      if (rendition && (whip || !feed_of (*stream, rendition))) {
        send_error (message, SOUP_STATUS_NOT_FOUND, "stream '" + name
            + "' has no WebRTC rendition '" + std::string (rendition).substr
            (0, 64) + "'");
        return true;
      }
      post_offer (message, name, rendition ? rendition : "", whip, user);
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

  on_session (message, path, name, id, whip, user);
  return true;
}

// PATCH (trickled candidates), DELETE, GET/HEAD on /<stream>/whep|whip/<id>.
void
WebRtcRoutes::on_session (SoupServerMessage * message, const std::string & path,
    const std::string & name, const std::string & id, bool whip,
    const std::string & user)
{
  const char *method = soup_server_message_get_method (message);
  // Another user's session is answered as if it did not exist.
  if (!sessions_.owns (id, name, whip, user))
    return send_error (message, SOUP_STATUS_NOT_FOUND, "no session " + id
        + " on " + path.substr (0, path.rfind ('/')));
  if (g_str_equal (method, "PATCH")) {
    patch_session (message, id);
  } else if (g_str_equal (method, "DELETE")) {
    sessions_.end (id, "ended by the client (DELETE)");
    soup_server_message_set_status (message, SOUP_STATUS_OK, nullptr);
  } else if (g_str_equal (method, "GET") || g_str_equal (method, "HEAD")) {
    soup_server_message_set_status (message, SOUP_STATUS_NO_CONTENT, nullptr);
  } else {
    soup_message_headers_replace (soup_server_message_get_response_headers
        (message), "Allow", "OPTIONS, PATCH, DELETE");
    send_error (message, SOUP_STATUS_METHOD_NOT_ALLOWED, std::string (method)
        + " is not allowed on a session");
  }
}

void
WebRtcRoutes::post_offer (SoupServerMessage * message, const std::string & name,
    const std::string & rendition, bool publish, const std::string & user)
{
  if (request_type (message) != "application/sdp") {
    send_error (message, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE,
        "the offer must be sent as application/sdp");
    return;
  }
  // The answer comes once candidates are gathered: the request waits,
  // parked, and a client that leaves first ends its session.
  auto id = std::make_shared<std::string> ();
  auto parked = std::make_shared<std::unique_ptr<ParkedMessage>> (
      std::make_unique<ParkedMessage> (message, [this, id]() {
            sessions_.end (*id, "the client left before its answer");
          }, kAnswerDeadlineMs));
  const std::string location = "/" + name + (publish ? "/whip/" : "/whep/");
  // A rendition's viewers are sessions of "<stream>/<rendition>" (the
  // camera's own, when named, "<stream>/source"); without one, the viewer
  // adapts.
  const std::string source = rendition.empty () ? name : name + "/"
      + rendition;
  auto outcome = sessions_.offer (source, publish, user,
      client_address (message), request_body (message),
      [this, parked, id, location](const std::string & sdp,
          webrtc::Refusal refusal, const std::string & error) {
        if (auto held = std::move (*parked))
          send_answer (*held, location + *id, sdp, refusal, error);
      });
  if (outcome.refusal != webrtc::Refusal::None) {
    if (outcome.retry_after_s > 0)
      soup_message_headers_replace (soup_server_message_get_response_headers
          (message), "Retry-After",
          std::to_string (outcome.retry_after_s).c_str ());
    send_error (message, status_of (outcome.refusal), outcome.reason);
    (*parked)->resume ();
    return;
  }
  *id = outcome.id;
}

void
WebRtcRoutes::send_answer (ParkedMessage & parked, const std::string & location,
    const std::string & sdp, webrtc::Refusal refusal, const std::string & error)
{
  SoupServerMessage *message = parked.message ();
  if (sdp.empty ()) {
    send_error (message, status_of (refusal), error);
    parked.resume ();
    return;
  }
  auto *headers = soup_server_message_get_response_headers (message);
  const std::string id = location.substr (location.rfind ('/') + 1);
  soup_message_headers_replace (headers, "Location", location.c_str ());
  soup_message_headers_replace (headers, "ETag", ("\"" + id + "\"").c_str ());
  soup_message_headers_replace (headers, "Accept-Patch", kSdpFragment);
  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  add_ice_links (headers, sessions_.config ());
  soup_server_message_set_status (message, SOUP_STATUS_CREATED, nullptr);
  soup_server_message_set_response (message, "application/sdp",
      SOUP_MEMORY_COPY, sdp.data (), sdp.size ());
  parked.resume ();
}

void
WebRtcRoutes::patch_session (SoupServerMessage * message, const std::string & id)
{
  if (request_type (message) != kSdpFragment) {
    send_error (message, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE,
        std::string ("PATCH takes ") + kSdpFragment);
    return;
  }
  std::string error;
  if (!sessions_.add_candidates (id, request_body (message), error)) {
    send_error (message, SOUP_STATUS_BAD_REQUEST, error);
    return;
  }
  soup_server_message_set_status (message, SOUP_STATUS_NO_CONTENT, nullptr);
}

}  // namespace camgate
