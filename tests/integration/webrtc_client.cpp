#include "webrtc_client.h"

#include <gst/rtp/rtp.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

#include <cstring>
#include <sstream>
#include <thread>

namespace camgate::testing {

namespace {

const GstStructure *
wait_promise (GstPromise * promise)
{
  if (gst_promise_wait (promise) != GST_PROMISE_RESULT_REPLIED)
    return nullptr;
  return gst_promise_get_reply (promise);
}

GstElement *
counting_branch (const char *description, std::atomic<int> * counter)
{
  GError *error = nullptr;
  GstElement *bin = gst_parse_bin_from_description (description, TRUE, &error);
  g_clear_error (&error);
  if (!bin)
    return nullptr;
  GstElement *sink = gst_bin_get_by_name (GST_BIN (bin), "out");
  g_object_set (sink, "signal-handoffs", TRUE, nullptr);
  g_signal_connect (sink, "handoff", G_CALLBACK (+[](GstElement *, GstBuffer *,
              GstPad *, gpointer data) {
            static_cast<std::atomic<int> *> (data)->fetch_add (1);
          }), counter);
  gst_object_unref (sink);
  return bin;
}

}  // namespace

WebRtcTestPeer::WebRtcTestPeer (Options options) : options_ (std::move (options))
{
  if (options_.kind == Kind::WhipPublisher) {
    // A publisher as OBS is one: H.264 (baseline, no B-frames) + Opus.
    const std::string key_int_max = std::to_string (options_.key_int_max
        ? options_.key_int_max : 1 << 30);
    pipeline_ = gst_parse_launch (("webrtcbin name=webrtc "
        "bundle-policy=max-bundle "
        "videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,"
        "height=240,framerate=15/1 ! x264enc tune=zerolatency "
        "speed-preset=ultrafast key-int-max=" + key_int_max + " bitrate=500 ! "
        "video/x-h264,profile=constrained-baseline ! rtph264pay "
        "config-interval=-1 pt=102 aggregate-mode=zero-latency ! "
        "application/x-rtp,media=video,encoding-name=H264,payload=102,"
        "packetization-mode=(string)1 ! "
        "webrtc.sink_0 "
        "audiotestsrc is-live=true wave=ticks ! audioconvert ! audioresample "
        "! opusenc ! rtpopuspay pt=111 ! application/x-rtp,media=audio,"
        "encoding-name=OPUS,payload=111 ! webrtc.sink_1").c_str (), nullptr);
    webrtc_ = gst_bin_get_by_name (GST_BIN (pipeline_), "webrtc");
    gst_object_unref (webrtc_);    // the pipeline keeps it
    gst_element_set_state (pipeline_, GST_STATE_PLAYING);
    return;
  }
  pipeline_ = gst_pipeline_new (nullptr);
  webrtc_ = gst_element_factory_make ("webrtcbin", nullptr);
  g_object_set (webrtc_, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE,
      nullptr);
  gst_bin_add (GST_BIN (pipeline_), webrtc_);
  auto add = [&](const std::string & text) {
    GstCaps *caps = gst_caps_from_string (text.c_str ());
    GstWebRTCRTPTransceiver *trans = nullptr;
    g_signal_emit_by_name (webrtc_, "add-transceiver",
        GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY, caps, &trans);
    gst_caps_unref (caps);
    if (trans)
      gst_object_unref (trans);
  };
  add (options_.video_caps);
  if (options_.audio)
    add (options_.audio_caps);
  g_signal_connect (webrtc_, "pad-added", G_CALLBACK (+[](GstElement *,
              GstPad * pad, gpointer self) {
            static_cast<WebRtcTestPeer *> (self)->on_pad_added (pad);
          }), this);
  gst_element_set_state (pipeline_, GST_STATE_PLAYING);
}

WebRtcTestPeer::~WebRtcTestPeer ()
{
  gst_element_set_state (pipeline_, GST_STATE_NULL);
  gst_object_unref (pipeline_);
}

void
WebRtcTestPeer::on_pad_added (GstPad * pad)
{
  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
    return;
  GstCaps *caps = gst_pad_get_current_caps (pad);
  if (!caps)
    caps = gst_pad_query_caps (pad, nullptr);
  const GstStructure *s = gst_caps_get_structure (caps, 0);
  std::string encoding = gst_structure_get_string (s, "encoding-name")
      ? gst_structure_get_string (s, "encoding-name") : "";
  gst_caps_unref (caps);
  GstElement *branch = nullptr;
  if (!options_.decode)
    branch = counting_branch ("fakesink name=out sync=false async=false",
        encoding == "H264" || encoding == "H265" ? &video_frames_
        : &audio_buffers_);
  else if (encoding == "H264")
    branch = counting_branch ("rtph264depay ! h264parse ! avdec_h264 ! "
        "fakesink name=out sync=false async=false", &video_frames_);
  else if (encoding == "H265")
    branch = counting_branch ("rtph265depay ! h265parse ! avdec_h265 ! "
        "fakesink name=out sync=false async=false", &video_frames_);
  else
    branch = counting_branch ("fakesink name=out sync=false async=false",
        &audio_buffers_);
  if (!branch)
    return;
  if (options_.decode && (encoding == "H264" || encoding == "H265")) {
    GstElement *out = gst_bin_get_by_name (GST_BIN (branch), "out");
    GstPad *decoded = gst_element_get_static_pad (out, "sink");
    gst_pad_add_probe (decoded, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
        [](GstPad *, GstPadProbeInfo * info, gpointer data) {
          GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
          if (GST_EVENT_TYPE (event) != GST_EVENT_CAPS)
            return GST_PAD_PROBE_OK;
          GstCaps *caps = nullptr;
          gst_event_parse_caps (event, &caps);
          auto *self = static_cast<WebRtcTestPeer *> (data);
          int width = 0, height = 0;
          const GstStructure *s = gst_caps_get_structure (caps, 0);
          gst_structure_get_int (s, "width", &width);
          gst_structure_get_int (s, "height", &height);
          self->video_width_ = width;
          self->video_height_ = height;
          return GST_PAD_PROBE_OK;
        }, this, nullptr);
    gst_object_unref (decoded);
    gst_object_unref (out);
  }
  if (encoding != "H264" && encoding != "H265")
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, [](GstPad *,
            GstPadProbeInfo * info, gpointer data) {
          auto *self = static_cast<WebRtcTestPeer *> (data);
          GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
          if (gst_rtp_buffer_map (GST_PAD_PROBE_INFO_BUFFER (info),
                  GST_MAP_READ, &rtp)) {
            std::lock_guard<std::mutex> hold (self->audio_times_lock_);
            if (self->audio_rtp_times_.size () < 2000)
              self->audio_rtp_times_.push_back (gst_rtp_buffer_get_timestamp
                  (&rtp));
            gst_rtp_buffer_unmap (&rtp);
          }
          return GST_PAD_PROBE_OK;
        }, this, nullptr);
  gst_bin_add (GST_BIN (pipeline_), branch);
  gst_element_sync_state_with_parent (branch);
  GstPad *sink = gst_element_get_static_pad (branch, "sink");
  gst_pad_link (pad, sink);
  gst_object_unref (sink);
}

HttpReply
WebRtcTestPeer::connect (int port, const std::string & stream,
    const std::string & query)
{
  port_ = port;
  GstPromise *promise = gst_promise_new ();
  g_signal_emit_by_name (webrtc_, "create-offer", nullptr, promise);
  const GstStructure *reply = wait_promise (promise);
  GstWebRTCSessionDescription *offer = nullptr;
  if (reply)
    gst_structure_get (reply, "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION,
        &offer, nullptr);
  gst_promise_unref (promise);
  if (!offer)
    return {};
  promise = gst_promise_new ();
  g_signal_emit_by_name (webrtc_, "set-local-description", offer, promise);
  wait_promise (promise);
  gst_promise_unref (promise);
  gst_webrtc_session_description_free (offer);

  // Send the offer with its candidates (no trickle from our side either).
  for (int i = 0; i < 100; i++) {
    GstWebRTCICEGatheringState state;
    g_object_get (webrtc_, "ice-gathering-state", &state, nullptr);
    if (state == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE)
      break;
    std::this_thread::sleep_for (std::chrono::milliseconds (50));
  }
  GstWebRTCSessionDescription *local = nullptr;
  g_object_get (webrtc_, "local-description", &local, nullptr);
  gchar *text = gst_sdp_message_as_text (local->sdp);
  offer_ = text;
  g_free (text);
  gst_webrtc_session_description_free (local);
  if (options_.per_mline_ice_credentials)
    offer_ = with_own_ice_credentials_after_first_mline (offer_);

  const std::string path = "/" + stream + (options_.kind == Kind::WhepViewer
      ? "/whep" : "/whip") + (query.empty () ? "" : "?" + query);
  auto headers = options_.headers;
  headers.push_back ({ "Content-Type", "application/sdp" });
  HttpReply http = http_request (port, "POST", path, offer_, headers);
  if (http.status != 201)
    return http;
  location_ = header_value (http, "Location");
  GstSDPMessage *sdp = nullptr;
  gst_sdp_message_new_from_text (http.body.c_str (), &sdp);
  GstWebRTCSessionDescription *answer = gst_webrtc_session_description_new (
      GST_WEBRTC_SDP_TYPE_ANSWER, sdp);
  promise = gst_promise_new ();
  g_signal_emit_by_name (webrtc_, "set-remote-description", answer, promise);
  wait_promise (promise);
  gst_promise_unref (promise);
  gst_webrtc_session_description_free (answer);
  remb_bps_ = options_.remb_bps;
  if (options_.remb_bps)
    send_remb ();
  return http;
}

// Adds a REMB (an application-layer PSFB: "REMB", one SSRC, the bitrate as
// 6 bits of exponent and 18 of mantissa) to every compound RTCP packet the
// viewer's session sends.
void
WebRtcTestPeer::send_remb ()
{
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
  gst_object_unref (rtpbin);
  if (!session)
    return;
  g_signal_connect (session, "on-sending-rtcp", G_CALLBACK (+[](GObject *,
              GstBuffer * buffer, gboolean, gpointer data) -> gboolean {
            const uint64_t bps = static_cast<std::atomic<uint64_t> *> (data)
                ->load ();
            unsigned exponent = 0;
            while ((bps >> exponent) > 0x3ffff)
              exponent++;
            const uint64_t mantissa = bps >> exponent;
            GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
            if (!gst_rtcp_buffer_map (buffer, GST_MAP_READWRITE, &rtcp))
              return FALSE;
            guint32 sender = 0;
            GstRTCPPacket packet;
            if (gst_rtcp_buffer_get_first_packet (&rtcp, &packet)
                && gst_rtcp_packet_get_type (&packet) == GST_RTCP_TYPE_RR)
              sender = gst_rtcp_packet_rr_get_ssrc (&packet);
            if (gst_rtcp_buffer_add_packet (&rtcp, GST_RTCP_TYPE_PSFB,
                    &packet)) {
              gst_rtcp_packet_fb_set_type (&packet, GST_RTCP_PSFB_TYPE_AFB);
              gst_rtcp_packet_fb_set_sender_ssrc (&packet, sender);
              gst_rtcp_packet_fb_set_media_ssrc (&packet, 0);
              if (gst_rtcp_packet_fb_set_fci_length (&packet, 3)) {
                guint8 *fci = gst_rtcp_packet_fb_get_fci (&packet);
                memcpy (fci, "REMB", 4);
                fci[4] = 1;
                fci[5] = (guint8) ((exponent << 2) | (mantissa >> 16));
                fci[6] = (guint8) (mantissa >> 8);
                fci[7] = (guint8) mantissa;
                memset (fci + 8, 0, 4);
              }
            }
            gst_rtcp_buffer_unmap (&rtcp);
            return TRUE;
          }), &remb_bps_);
  g_object_unref (session);
}

std::string
WebRtcTestPeer::with_own_ice_credentials_after_first_mline (
    const std::string & sdp)
{
  std::istringstream in (sdp);
  std::string line, out;
  int mline = -1;
  while (std::getline (in, line)) {
    if (!line.empty () && line.back () == '\r')
      line.pop_back ();
    if (line.rfind ("m=", 0) == 0)
      mline++;
    if (mline > 0 && line.rfind ("a=ice-ufrag:", 0) == 0)
      line = "a=ice-ufrag:own" + std::to_string (mline);
    else if (mline > 0 && line.rfind ("a=ice-pwd:", 0) == 0)
      line = "a=ice-pwd:ownpasswordownpassword" + std::to_string (mline);
    else if (mline > 0 && line.rfind ("a=candidate:", 0) == 0)
      continue;
    out += line + "\r\n";
  }
  return out;
}

std::vector<uint32_t>
WebRtcTestPeer::audio_rtp_times () const
{
  std::lock_guard<std::mutex> hold (audio_times_lock_);
  return audio_rtp_times_;
}

void
WebRtcTestPeer::go_silent ()
{
  GstIterator *it = gst_bin_iterate_recurse (GST_BIN (webrtc_));
  GValue item = G_VALUE_INIT;
  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    auto *element = GST_ELEMENT (g_value_get_object (&item));
    GstElementFactory *factory = gst_element_get_factory (element);
    if (factory && g_str_equal (GST_OBJECT_NAME (factory), "nicesink")) {
      GstPad *pad = gst_element_get_static_pad (element, "sink");
      gst_pad_add_probe (pad, (GstPadProbeType) (GST_PAD_PROBE_TYPE_BUFFER
              | GST_PAD_PROBE_TYPE_BUFFER_LIST), [](GstPad *, GstPadProbeInfo *,
              gpointer) { return GST_PAD_PROBE_DROP; }, nullptr, nullptr);
      gst_object_unref (pad);
    }
    g_value_reset (&item);
  }
  gst_iterator_free (it);
}

int
WebRtcTestPeer::disconnect ()
{
  if (location_.empty ())
    return 0;
  return http_request (port_, "DELETE", location_, {},
      options_.headers).status;
}

bool
WebRtcTestPeer::wait_video_frames (int count,
    std::chrono::milliseconds timeout) const
{
  return wait_until ([&]() { return video_frames_ >= count; }, timeout);
}

}  // namespace camgate::testing
