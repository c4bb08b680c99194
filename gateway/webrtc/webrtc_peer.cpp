#include "webrtc/webrtc_peer.h"

#include "media_codec.h"

#include <gst/rtp/gstrtcpbuffer.h>
#include <gst/webrtc/webrtc.h>

#include <cstring>
#include <sstream>

namespace camgate::webrtc {

namespace {

// Candidate gathering normally completes in milliseconds on host
// interfaces; STUN/TURN servers that do not answer must not hold the
// client's POST for long.
constexpr guint kGatherTimeoutMs = 3000;
constexpr guint kWatchdogMs = 1000;
// A peer that has not connected this long after the answer never will.
constexpr int64_t kConnectTimeoutUs = 20 * G_USEC_PER_SEC;
// ICE "disconnected" this long: the peer left without saying so.
constexpr int64_t kDisconnectedTimeoutUs = 5 * G_USEC_PER_SEC;
// Viewers send receiver reports every second or so.
constexpr int64_t kRtcpTimeoutUs = 15 * G_USEC_PER_SEC;

// Runs a webrtcbin action that completes a promise, and waits for it.
// webrtcbin does its work on its own thread, so waiting here is safe.
std::string
promise_error (const GstStructure * reply, const char *what)
{
  GError *error = nullptr;
  std::string text = what;
  if (reply && gst_structure_get (reply, "error", G_TYPE_ERROR, &error,
          nullptr)) {
    text += std::string (": ") + error->message;
    g_clear_error (&error);
  }
  return text;
}

// Bundling, jitter latency, STUN/TURN and which local ports and addresses
// ICE may use.
void
configure_transport (GstElement * webrtc, WebRtcPeer::Role role,
    const WebRtcConfig & config, const std::string & bind_address)
{
  g_object_set (webrtc, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE,
      nullptr);
  // A publisher's packets wait this long for retransmissions (NACK).
  g_object_set (webrtc, "latency", role == WebRtcPeer::Role::Receive ? 100 : 0,
      nullptr);
  if (!config.stun_servers.empty ())
    g_object_set (webrtc, "stun-server", config.stun_servers.front ().c_str (),
        nullptr);
  for (const auto & turn : config.turn_servers) {
    gboolean added = FALSE;
    g_signal_emit_by_name (webrtc, "add-turn-server", turn.c_str (), &added);
  }
  GstObject *ice = nullptr;
  g_object_get (webrtc, "ice-agent", &ice, nullptr);
  if (ice) {
    if (config.min_port)
      g_object_set (ice, "min-rtp-port", config.min_port, "max-rtp-port",
          config.max_port, nullptr);
    g_object_set (ice, "ice-tcp", config.ice_tcp, nullptr);
    // No UPnP port mapping on a server (libnice would try, and warn).
    GObject *agent = nullptr;
    g_object_get (ice, "agent", &agent, nullptr);
    if (agent) {
      g_object_set (agent, "upnp", FALSE, nullptr);
      g_object_unref (agent);
    }
    // Candidates on the bound interface only, unless bound to all of them.
    if (bind_address != "0.0.0.0" && bind_address != "::") {
      gboolean added = FALSE;
      g_signal_emit_by_name (ice, "add-local-ip-address", bind_address.c_str (),
          &added);
    }
    gst_object_unref (ice);
  }

}

}  // namespace

// A viewer's answer asks for receiver estimates (REMB) in place of
// transport-wide feedback (offered together by browsers): camgate moves
// viewers between renditions by the estimate and has no sender-side
// estimator for TWCC, and a browser with transport-cc negotiated sends no
// REMB.
static void
ask_for_remb (GstSDPMessage * sdp)
{
  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++) {
    auto *media = const_cast<GstSDPMedia *> (gst_sdp_message_get_media (sdp,
            i));
    if (gst_sdp_media_get_port (media) == 0)
      continue;
    const bool video = g_strcmp0 (gst_sdp_media_get_media (media), "video")
        == 0;
    bool transport_cc = false;
    for (guint a = gst_sdp_media_attributes_len (media); a-- > 0;) {
      const GstSDPAttribute *attr = gst_sdp_media_get_attribute (media, a);
      const char *value = attr->value ? attr->value : "";
      const bool feedback = g_str_equal (attr->key, "rtcp-fb")
          && g_str_has_suffix (value, " transport-cc");
      if (feedback || (g_str_equal (attr->key, "extmap")
              && strstr (value, "transport-wide-cc"))) {
        transport_cc = transport_cc || feedback;
        gst_sdp_media_remove_attribute (media, a);
      }
    }
    for (guint f = 0; video && transport_cc
        && f < gst_sdp_media_formats_len (media); f++)
      gst_sdp_media_add_attribute (media, "rtcp-fb", (std::string
              (gst_sdp_media_get_format (media, f)) + " goog-remb").c_str ());
  }
}

// One answer's way through webrtcbin's promises.
struct WebRtcPeer::AnswerStep
{
  GuardRef guard;
  GstElement *webrtc;              // a reference: the peer may go meanwhile
  std::function<void (const std::string &)> applied;
  bool sends = false;              // a viewer's peer (Role::Send)

  ~AnswerStep () { gst_object_unref (webrtc); }
};

WebRtcPeer::WebRtcPeer (std::string label, Role role,
    const WebRtcConfig & config, const std::string & bind_address,
    Events events)
    : label_ (std::move (label)), role_ (role), events_ (std::move (events)),
      guard_ (std::make_shared<Guard> (Guard { this })),
      last_rtcp_us_ (std::make_shared<std::atomic<int64_t>> (0))
{
  pipeline_ = GST_ELEMENT (gst_object_ref_sink (gst_pipeline_new (
              label_.c_str ())));
  webrtc_ = gst_element_factory_make ("webrtcbin", "webrtc");
  if (!webrtc_)
    return;
  gst_bin_add (GST_BIN (pipeline_), webrtc_);
  configure_transport (webrtc_, role, config, bind_address);
  watch_webrtcbin (role);
  GstBus *bus = gst_element_get_bus (pipeline_);
  bus_watch_ = gst_bus_add_watch (bus, on_bus, this);
  gst_object_unref (bus);
  gst_element_set_state (pipeline_, GST_STATE_READY);
}

// webrtcbin's notifications, marshalled to the main context (gathering
// done, connection state) or passed on from its thread (a publisher's
// tracks); the guard makes them no-ops once this peer is gone.
void
WebRtcPeer::watch_webrtcbin (Role role)
{
  auto *guard = new GuardRef (guard_);
  auto free_guard = [](gpointer data, GClosure *) {
    delete static_cast<GuardRef *> (data);
  };
  g_signal_connect_data (webrtc_, "notify::ice-gathering-state",
      G_CALLBACK (+[](GstElement * webrtc, GParamSpec *, gpointer data) {
        GstWebRTCICEGatheringState state;
        g_object_get (webrtc, "ice-gathering-state", &state, nullptr);
        if (state != GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE)
          return;
        auto guard = *static_cast<GuardRef *> (data);
        g_main_context_invoke_full (nullptr, G_PRIORITY_DEFAULT,
            +[](gpointer p) -> gboolean {
              auto *g = static_cast<GuardRef *> (p);
              if ((*g)->peer) {
                WebRtcPeer & self = *(*g)->peer;
                self.gathered_ = true;
                if (self.gathered_done_)
                  self.when_gathered (std::move (self.gathered_done_));
              }
              return G_SOURCE_REMOVE;
            }, new GuardRef (guard), [](gpointer p) {
              delete static_cast<GuardRef *> (p);
            });
      }), guard, free_guard, (GConnectFlags) 0);

  guard = new GuardRef (guard_);
  g_signal_connect_data (webrtc_, "notify::connection-state",
      G_CALLBACK (+[](GstElement * webrtc, GParamSpec *, gpointer data) {
        GstWebRTCPeerConnectionState state;
        g_object_get (webrtc, "connection-state", &state, nullptr);
        auto guard = *static_cast<GuardRef *> (data);
        struct Call
        {
          GuardRef guard;
          int state;
        };
        g_main_context_invoke_full (nullptr, G_PRIORITY_DEFAULT,
            +[](gpointer p) -> gboolean {
              auto *call = static_cast<Call *> (p);
              if (call->guard->peer)
                call->guard->peer->on_connection_state (call->state);
              return G_SOURCE_REMOVE;
            }, new Call { guard, (int) state }, [](gpointer p) {
              delete static_cast<Call *> (p);
            });
      }), guard, free_guard, (GConnectFlags) 0);

  if (role == Role::Receive) {
    guard = new GuardRef (guard_);
    g_signal_connect_data (webrtc_, "pad-added",
        G_CALLBACK (+[](GstElement *, GstPad * pad, gpointer data) {
          auto guard = *static_cast<GuardRef *> (data);
          if (GST_PAD_DIRECTION (pad) == GST_PAD_SRC && guard->peer
              && guard->peer->events_.new_track)
            guard->peer->events_.new_track (pad);
        }), guard, free_guard, (GConnectFlags) 0);
  }
}

gboolean
WebRtcPeer::on_bus (GstBus *, GstMessage * message, gpointer data)
{
  auto *self = static_cast<WebRtcPeer *> (data);
  switch (GST_MESSAGE_TYPE (message)) {
    case GST_MESSAGE_LATENCY:
      // Senders were added after the pipeline started.
      gst_bin_recalculate_latency (GST_BIN (self->pipeline_));
      break;
    case GST_MESSAGE_ERROR:{
      GError *error = nullptr;
      gst_message_parse_error (message, &error, nullptr);
      std::string text = std::string ("pipeline error: ") + (error
          ? error->message : "unknown");
      g_clear_error (&error);
      self->report_gone (text);
      break;
    }
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

WebRtcPeer::~WebRtcPeer ()
{
  guard_->peer = nullptr;
  if (bus_watch_)
    g_source_remove (bus_watch_);
  if (gather_timeout_)
    g_source_remove (gather_timeout_);
  if (watchdog_)
    g_source_remove (watchdog_);
  if (pipeline_) {
    gst_element_set_state (pipeline_, GST_STATE_NULL);
    gst_object_unref (pipeline_);
  }
  gst_clear_object (&video_src_);
  gst_clear_object (&audio_src_);
}

bool
WebRtcPeer::answer (const GstSDPMessage * offer, const AnswerPlan & plan,
    std::function<void (const std::string &)> applied, std::string & error)
{
  if (!webrtc_) {
    error = "webrtcbin is not installed (gstreamer1.0-plugins-bad, "
        "gstreamer1.0-nice)";
    return false;
  }
  if (gst_element_set_state (pipeline_, GST_STATE_PLAYING)
      == GST_STATE_CHANGE_FAILURE) {
    error = "the WebRTC pipeline cannot start";
    return false;
  }
  // Every m-line has its transceiver before the offer is applied, so
  // webrtcbin pairs each with it (by kind and codec, in order) instead of
  // making its own at answer time, which would take the offer's codecs as
  // they come (a browser's: VP8 first). Send: our senders (and our SSRC in
  // the answer); receive: one direction and format per chosen m-line; both:
  // m-lines we do not use are answered inactive.
  if (role_ == Role::Send) {
    for (const auto & t : plan.tracks)
      if (!link_send_track (t, error))
        return false;
  }
  for (guint i = 0; i < gst_sdp_message_medias_len (offer); i++) {
    const char *media = gst_sdp_media_get_media (gst_sdp_message_get_media
        (offer, i));
    const ChosenTrack *chosen = nullptr;
    for (const auto & t : plan.tracks)
      if (t.mline == i)
        chosen = &t;
    if (chosen && role_ == Role::Send)
      continue;
    if (!chosen && g_strcmp0 (media, "audio") != 0
        && g_strcmp0 (media, "video") != 0)
      continue;
    GstCaps *caps = chosen ? gst_caps_ref (chosen->caps)
        : gst_caps_new_simple ("application/x-rtp", "media", G_TYPE_STRING,
            media, nullptr);
    GstWebRTCRTPTransceiver *trans = nullptr;
    g_signal_emit_by_name (webrtc_, "add-transceiver", chosen
        ? GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY
        : GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_INACTIVE, caps, &trans);
    gst_caps_unref (caps);
    if (trans)
      gst_object_unref (trans);
  }
  // The offer, the answer, and the answer applied, one after the other on
  // webrtcbin's thread as each promise is answered: the main loop never
  // waits for webrtcbin.
  GstSDPMessage *copy = nullptr;
  gst_sdp_message_copy (offer, &copy);
  GstWebRTCSessionDescription *remote = gst_webrtc_session_description_new (
      GST_WEBRTC_SDP_TYPE_OFFER, copy);
  auto *step = new AnswerStep { GuardRef (guard_), GST_ELEMENT (gst_object_ref
          (webrtc_)), std::move (applied), role_ == Role::Send };
  g_signal_emit_by_name (webrtc_, "set-remote-description", remote,
      gst_promise_new_with_change_func (on_remote_set, step, nullptr));
  gst_webrtc_session_description_free (remote);
  return true;
}

// A promise of the chain: its error, or "" when it was answered well.
static std::string
step_error (GstPromise * promise, const char *what)
{
  if (gst_promise_wait (promise) != GST_PROMISE_RESULT_REPLIED)
    return std::string (what) + ": interrupted";
  const GstStructure *reply = gst_promise_get_reply (promise);
  GError *error = nullptr;
  if (reply && gst_structure_get (reply, "error", G_TYPE_ERROR, &error,
          nullptr)) {
    g_clear_error (&error);
    return promise_error (reply, what);
  }
  return "";
}

void
WebRtcPeer::on_remote_set (GstPromise * promise, gpointer data)
{
  auto *step = static_cast<AnswerStep *> (data);
  std::string error = step_error (promise, "webrtcbin refused the offer");
  gst_promise_unref (promise);
  if (!error.empty ())
    return finish_answer (step, error);
  g_signal_emit_by_name (step->webrtc, "create-answer", nullptr,
      gst_promise_new_with_change_func (on_answer_created, step, nullptr));
}

void
WebRtcPeer::on_answer_created (GstPromise * promise, gpointer data)
{
  auto *step = static_cast<AnswerStep *> (data);
  std::string error = step_error (promise, "webrtcbin cannot answer the "
      "offer");
  GstWebRTCSessionDescription *answer = nullptr;
  if (error.empty ()) {
    gst_structure_get (gst_promise_get_reply (promise), "answer",
        GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &answer, nullptr);
    if (!answer)
      error = "webrtcbin produced no answer";
  }
  gst_promise_unref (promise);
  if (!error.empty ())
    return finish_answer (step, error);
  if (step->sends)
    ask_for_remb (answer->sdp);
  g_signal_emit_by_name (step->webrtc, "set-local-description", answer,
      gst_promise_new_with_change_func (on_local_set, step, nullptr));
  gst_webrtc_session_description_free (answer);
}

void
WebRtcPeer::on_local_set (GstPromise * promise, gpointer data)
{
  auto *step = static_cast<AnswerStep *> (data);
  std::string error = step_error (promise, "webrtcbin refused its answer");
  gst_promise_unref (promise);
  finish_answer (step, error);
}

// The chain's outcome, on the main context; nothing if the peer is gone.
void
WebRtcPeer::finish_answer (AnswerStep * step, const std::string & error)
{
  struct Outcome
  {
    std::unique_ptr<AnswerStep> step;
    std::string error;
  };
  g_main_context_invoke_full (nullptr, G_PRIORITY_DEFAULT,
      +[](gpointer data) -> gboolean {
        auto *outcome = static_cast<Outcome *> (data);
        WebRtcPeer *self = outcome->step->guard->peer;
        if (!self)
          return G_SOURCE_REMOVE;
        if (outcome->error.empty ()) {
          gst_bin_recalculate_latency (GST_BIN (self->pipeline_));
          self->answered_us_ = g_get_monotonic_time ();
          self->watchdog_ = g_timeout_add (kWatchdogMs, on_watchdog, self);
        }
        outcome->step->applied (outcome->error);
        return G_SOURCE_REMOVE;
      }, new Outcome { std::unique_ptr<AnswerStep> (step), error },
      [](gpointer data) { delete static_cast<Outcome *> (data); });
}

bool
WebRtcPeer::link_send_track (const ChosenTrack & track, std::string & error)
{
  const MediaCodec *codec = codec_for_rtp_encoding (track.encoding.c_str ());
  if (!codec || codec->webrtc != Carriage::AsIs) {
    error = "cannot send " + track.encoding;
    return false;
  }
  // Our SSRC goes in the answer (a=ssrc, msid): browsers map packets to
  // tracks by it, there being no MID header extension.
  const guint32 ssrc = g_random_int_range (1, G_MAXINT32);
  std::string description = "appsrc is-live=true format=time block=false "
      "max-bytes=8388608 leaky-type=downstream ! " + std::string (codec->payloader)
      + " mtu=1200 pt=" + std::to_string (track.payload) + " ssrc="
      + std::to_string (ssrc);
  GError *gerror = nullptr;
  GstElement *bin = gst_parse_bin_from_description_full (description.c_str (),
      TRUE, nullptr, GST_PARSE_FLAG_FATAL_ERRORS, &gerror);
  if (!bin) {
    error = std::string ("cannot build the ") + track.encoding + " sender: "
        + (gerror ? gerror->message : "unknown error");
    g_clear_error (&gerror);
    return false;
  }
  gst_bin_add (GST_BIN (pipeline_), bin);
  GstPad *sink = gst_element_request_pad_simple (webrtc_, "sink_%u");
  if (sink) {
    GstWebRTCRTPTransceiver *trans = nullptr;
    g_object_get (sink, "transceiver", &trans, nullptr);
    if (trans) {
      GstCaps *preferences = gst_caps_copy (track.caps);
      gst_caps_set_simple (preferences, "ssrc", G_TYPE_UINT, ssrc, nullptr);
      g_object_set (trans, "direction",
          GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY, "codec-preferences",
          preferences, nullptr);
      gst_caps_unref (preferences);
      gst_object_unref (trans);
    }
  }
  GstPad *src = gst_element_get_static_pad (bin, "src");
  bool linked = sink && gst_pad_link (src, sink) == GST_PAD_LINK_OK;
  gst_object_unref (src);
  if (sink)
    gst_object_unref (sink);
  if (!linked) {
    error = "cannot feed m-line " + std::to_string (track.mline);
    return false;
  }
  GValue item = G_VALUE_INIT;
  GstIterator *it = gst_bin_iterate_sources (GST_BIN (bin));
  if (gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    auto *appsrc = GST_APP_SRC (gst_object_ref (g_value_get_object (&item)));
    if (track.media == "video") {
      video_src_ = appsrc;
    } else {
      audio_src_ = appsrc;
      audio_encoding_ = track.encoding;
    }
    g_value_reset (&item);
  }
  gst_iterator_free (it);
  gst_element_sync_state_with_parent (bin);
  return true;
}

void
WebRtcPeer::when_gathered (std::function<void (const std::string &)> done)
{
  if (!gathered_) {
    gathered_done_ = std::move (done);
    if (!gather_timeout_)
      gather_timeout_ = g_timeout_add (kGatherTimeoutMs,
          +[](gpointer data) -> gboolean {
            auto *self = static_cast<WebRtcPeer *> (data);
            self->gather_timeout_ = 0;
            self->gathered_ = true;
            g_message ("%s: candidate gathering still running after %u ms; "
                "answering with the candidates found so far",
                self->label_.c_str (), kGatherTimeoutMs);
            if (self->gathered_done_)
              self->when_gathered (std::move (self->gathered_done_));
            return G_SOURCE_REMOVE;
          }, this);
    return;
  }
  if (gather_timeout_) {
    g_source_remove (gather_timeout_);
    gather_timeout_ = 0;
  }
  GstWebRTCSessionDescription *local = nullptr;
  g_object_get (webrtc_, "local-description", &local, nullptr);
  std::string sdp;
  if (local) {
    gchar *text = gst_sdp_message_as_text (local->sdp);
    sdp = text;
    g_free (text);
    gst_webrtc_session_description_free (local);
  }
  gathered_done_ = nullptr;
  done (sdp);
}

bool
WebRtcPeer::add_candidates (const std::string & fragment, std::string & error)
{
  std::istringstream lines (fragment);
  std::string line;
  unsigned added = 0;
  while (std::getline (lines, line)) {
    if (!line.empty () && line.back () == '\r')
      line.pop_back ();
    if (line.rfind ("a=candidate:", 0) != 0)
      continue;
    // With max-bundle every candidate belongs to the first m-line.
    g_signal_emit_by_name (webrtc_, "add-ice-candidate", 0u,
        line.c_str () + 2);
    added++;
  }
  if (added == 0 && fragment.find ("a=end-of-candidates") == std::string::npos
      && fragment.find ("a=ice-ufrag") == std::string::npos) {
    error = "the fragment holds no a=candidate line";
    return false;
  }
  return true;
}

void
WebRtcPeer::on_connection_state (int state)
{
  switch (state) {
    case GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED:
      disconnected_since_us_ = 0;
      if (!connected_) {
        connected_ = true;
        last_rtcp_us_->store (g_get_monotonic_time ());
        watch_rtcp ();
        if (events_.connected)
          events_.connected ();
      }
      break;
    case GST_WEBRTC_PEER_CONNECTION_STATE_DISCONNECTED:
      if (!disconnected_since_us_)
        disconnected_since_us_ = g_get_monotonic_time ();
      break;
    case GST_WEBRTC_PEER_CONNECTION_STATE_FAILED:
      report_gone ("the connection failed (ICE or DTLS)");
      break;
    case GST_WEBRTC_PEER_CONNECTION_STATE_CLOSED:
      report_gone ("the connection closed");
      break;
    default:
      break;
  }
}

void
WebRtcPeer::watch_rtcp ()
{
  // The RTP session inside webrtcbin reports each RTCP packet it receives.
  GstElement *rtpbin = nullptr;
  GstIterator *it = gst_bin_iterate_recurse (GST_BIN (webrtc_));
  GValue item = G_VALUE_INIT;
  while (!rtpbin && gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    auto *element = GST_ELEMENT (g_value_get_object (&item));
    GstElementFactory *factory = gst_element_get_factory (element);
    if (factory && g_str_equal (GST_OBJECT_NAME (factory), "rtpbin"))
      rtpbin = GST_ELEMENT (gst_object_ref (element));
    g_value_reset (&item);
  }
  gst_iterator_free (it);
  if (!rtpbin)
    return;
  GObject *session = nullptr;
  g_signal_emit_by_name (rtpbin, "get-internal-session", 0u, &session);
  if (session) {
    g_signal_connect_data (session, "on-receiving-rtcp",
        G_CALLBACK (+[](GObject *, GstBuffer *, gpointer data) {
          static_cast<std::shared_ptr<std::atomic<int64_t>> *> (data)->get ()
              ->store (g_get_monotonic_time ());
        }), new std::shared_ptr<std::atomic<int64_t>> (last_rtcp_us_),
        [](gpointer data, GClosure *) {
          delete static_cast<std::shared_ptr<std::atomic<int64_t>> *> (data);
        }, (GConnectFlags) 0);
    // REMB (draft-alvestrand-rmcat-remb): an application-layer PSFB whose
    // FCI is "REMB", a count, and a bitrate as 6 bits of exponent and 18
    // of mantissa.
    g_signal_connect_data (session, "on-feedback-rtcp",
        G_CALLBACK (+[](GObject *, guint type, guint fbtype, guint, guint,
                GstBuffer * fci, gpointer data) {
          if (type != GST_RTCP_TYPE_PSFB || fbtype != GST_RTCP_PSFB_TYPE_AFB
              || !fci)
            return;
          guint8 b[8];
          if (gst_buffer_extract (fci, 0, b, sizeof b) != sizeof b
              || memcmp (b, "REMB", 4) != 0)
            return;
          const uint64_t mantissa = ((b[5] & 0x3u) << 16) | (b[6] << 8) | b[7];
          static_cast<std::shared_ptr<std::atomic<uint64_t>> *> (data)->get ()
              ->store (mantissa << (b[5] >> 2));
        }), new std::shared_ptr<std::atomic<uint64_t>> (remb_bps_),
        [](gpointer data, GClosure *) {
          delete static_cast<std::shared_ptr<std::atomic<uint64_t>> *> (data);
        }, (GConnectFlags) 0);
    g_object_unref (session);
  }
  gst_object_unref (rtpbin);
}

gboolean
WebRtcPeer::on_watchdog (gpointer data)
{
  auto *self = static_cast<WebRtcPeer *> (data);
  const int64_t now = g_get_monotonic_time ();
  if (!self->connected_ && now - self->answered_us_ > kConnectTimeoutUs)
    self->report_gone ("the peer never connected");
  else if (self->disconnected_since_us_
      && now - self->disconnected_since_us_ > kDisconnectedTimeoutUs)
    self->report_gone ("the peer disconnected");
  // Viewers send receiver reports, publishers sender reports: a peer whose
  // link dropped stops both, while ICE (no consent freshness in 1.22) still
  // says connected.
  else if (self->connected_
      && now - self->last_rtcp_us_->load () > kRtcpTimeoutUs)
    self->report_gone (std::string ("no RTCP from the ") + (self->role_
            == Role::Send ? "viewer" : "publisher") + " for "
        + std::to_string (kRtcpTimeoutUs / G_USEC_PER_SEC) + " s");
  if (self->gone_) {
    self->watchdog_ = 0;
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

void
WebRtcPeer::report_gone (const std::string & why)
{
  if (gone_)
    return;
  gone_ = true;
  g_message ("%s: %s", label_.c_str (), why.c_str ());
  // The owner may destroy this peer from the callback.
  auto gone = events_.gone;
  if (gone)
    gone (why);
}

}  // namespace camgate::webrtc
