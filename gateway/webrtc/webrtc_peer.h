// WebRtcPeer: one webrtcbin, in a pipeline of its own, answering one remote
// peer's offer: a WHEP viewer (we send) or a WHIP publisher (we receive).
//
//   send:    appsrc(AU) ─► rtpXpay pt=<offer's> ─► webrtcbin.sink_<m-line>
//   receive: webrtcbin.src_N (RTP, decrypted) ─► the caller (new_track)
//
// The answer is complete: HTTP signalling cannot trickle to the client, so
// it is handed out only once candidate gathering finished. The peer watches
// its connection and reports it gone when ICE/DTLS fail or close, when it
// stays disconnected, when it never connects, or when the peer stops sending
// RTCP (a browser tab closed without DELETE, a publisher's link dropped).
#pragma once

#include "config/gateway_config.h"
#include "webrtc/codec_choice.h"

#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>

namespace camgate::webrtc {

class WebRtcPeer
{
public:
  enum class Role { Send, Receive };

  struct Events
  {
    std::function<void ()> connected;                 // main context
    std::function<void (const std::string &)> gone;   // main context, once
    std::function<void (GstPad *)> new_track;         // streaming thread
  };

  WebRtcPeer (std::string label, Role role, const WebRtcConfig & config,
      const std::string & bind_address, Events events);
  ~WebRtcPeer ();
  WebRtcPeer (const WebRtcPeer &) = delete;
  WebRtcPeer & operator= (const WebRtcPeer &) = delete;

  // Sets up the tracks of `plan` (false and why when it cannot), then
  // applies `offer` and makes the answer without blocking: `applied` runs
  // on the main context with "" once the answer is in place, or why
  // webrtcbin refused; never after this peer is gone.
  bool answer (const GstSDPMessage * offer, const AnswerPlan & plan,
      std::function<void (const std::string & error)> applied,
      std::string & error);
  // Calls `done` on the main context with the answer SDP once every local
  // candidate is in it (or after a few seconds with those found so far).
  void when_gathered (std::function<void (const std::string &)> done);
  // Adds the candidates of a trickle-ice-sdpfrag (RFC 8840) body.
  bool add_candidates (const std::string & fragment, std::string & error);

  GstElement *pipeline () const { return pipeline_; }
  GstElement *webrtcbin () const { return webrtc_; }
  // Send role: where the feed pushes (null when the plan has no such track).
  GstAppSrc *video_src () const { return video_src_; }
  GstAppSrc *audio_src () const { return audio_src_; }
  const std::string & audio_encoding () const { return audio_encoding_; }
  // Send role: the bitrate the viewer's last REMB said its link takes
  // (bits per second; 0 before one, or with a browser that sends none).
  uint64_t estimate_bps () const { return remb_bps_->load (); }

private:
  struct Guard
  {
    WebRtcPeer *peer;
  };
  using GuardRef = std::shared_ptr<Guard>;

  void watch_webrtcbin (Role role);
  bool link_send_track (const ChosenTrack & track, std::string & error);
  struct AnswerStep;
  static void on_remote_set (GstPromise * promise, gpointer step);
  static void on_answer_created (GstPromise * promise, gpointer step);
  static void on_local_set (GstPromise * promise, gpointer step);
  static void finish_answer (AnswerStep * step, const std::string & error);
  void on_connection_state (int state);
  void report_gone (const std::string & why);
  void watch_rtcp ();
  static gboolean on_watchdog (gpointer self);
  static gboolean on_bus (GstBus *, GstMessage * message, gpointer self);

  const std::string label_;
  const Role role_;
  Events events_;
  GuardRef guard_;
  GstElement *pipeline_ = nullptr;
  GstElement *webrtc_ = nullptr;
  GstAppSrc *video_src_ = nullptr;
  GstAppSrc *audio_src_ = nullptr;
  std::string audio_encoding_;

  bool gathered_ = false;
  std::function<void (const std::string &)> gathered_done_;
  guint gather_timeout_ = 0;
  guint watchdog_ = 0;
  guint bus_watch_ = 0;
  bool connected_ = false;
  bool gone_ = false;
  int64_t answered_us_ = 0;
  int64_t disconnected_since_us_ = 0;
  std::shared_ptr<std::atomic<int64_t>> last_rtcp_us_;
  std::shared_ptr<std::atomic<uint64_t>> remb_bps_
      = std::make_shared<std::atomic<uint64_t>> (0);
};

}  // namespace camgate::webrtc
