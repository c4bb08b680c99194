// Test peers for camgate's WHEP/WHIP endpoints, built on webrtcbin: the
// offer is created, POSTed over real HTTP, and the answer applied, as a
// browser or OBS would.
#pragma once

#include "helpers.h"

#include <gst/gst.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <vector>

namespace camgate::testing {

class WebRtcTestPeer
{
public:
  enum class Kind { WhepViewer, WhipPublisher };

  struct Options
  {
    Kind kind = Kind::WhepViewer;
    // Viewer: what the offer accepts (one format per m-line).
    std::string video_caps = "application/x-rtp,media=video,"
        "encoding-name=H264,payload=102,clock-rate=90000,"
        "packetization-mode=(string)1,profile-level-id=(string)42e01f";
    std::string audio_caps = "application/x-rtp,media=audio,"
        "encoding-name=OPUS,payload=111,clock-rate=48000";
    bool audio = true;
    // false: received RTP is counted (video_frames() counts packets), not
    // decoded; what a benchmark with many viewers on one machine wants.
    bool decode = true;
    // Publisher: frames between keyframes; 0 = keyframes only when the
    // receiver asks (PLI/FIR), as browsers send them.
    int key_int_max = 15;
    // Like aiortc: every m-line after the first offers ICE credentials of
    // its own (and no candidates) although the offer bundles them.
    bool per_mline_ice_credentials = false;
    // Extra request headers (Authorization) for the POST and DELETE.
    std::vector<std::pair<std::string, std::string>> headers;
    // Viewer: a receiver estimate (REMB, bits per second) sent with each
    // RTCP report, as a browser on a slow link would; 0 = none.
    uint64_t remb_bps = 0;
  };

  explicit WebRtcTestPeer (Options options);
  ~WebRtcTestPeer ();

  // Creates the offer and POSTs it to /<stream>/whep (or whip) on `port`,
  // with `query` ("rendition=360p") if any; applies the answer on 201.
  // Returns the HTTP reply.
  HttpReply connect (int port, const std::string & stream,
      const std::string & query = "");
  // DELETE on the session's Location; the HTTP status.
  int disconnect ();
  // Sends nothing more over the connection (media, RTCP, DTLS) while the
  // ICE agent goes on answering checks: a peer behind a dropped link, whose
  // leaving ICE alone does not reveal (webrtcbin 1.22 has no consent
  // freshness).
  void go_silent ();

  int video_frames () const { return video_frames_; }
  // The REMB sent from now on (with remb_bps set in the options).
  void set_remb_bps (uint64_t bps) { remb_bps_ = bps; }
  // The decoded picture's size (0 before the first decoded frame).
  int video_width () const { return video_width_; }
  int video_height () const { return video_height_; }
  int audio_buffers () const { return audio_buffers_; }
  // RTP timestamps of the first audio packets received, in arrival order.
  std::vector<uint32_t> audio_rtp_times () const;
  bool wait_video_frames (int count, std::chrono::milliseconds timeout) const;
  const std::string & location () const { return location_; }
  std::string offer_sdp () const { return offer_; }

private:
  void on_pad_added (GstPad * pad);
  void send_remb ();
  std::atomic<uint64_t> remb_bps_ { 0 };
  static std::string with_own_ice_credentials_after_first_mline (
      const std::string & sdp);

  Options options_;
  GstElement *pipeline_ = nullptr;
  GstElement *webrtc_ = nullptr;
  int port_ = 0;
  std::string location_;
  std::string offer_;
  std::atomic<int> video_frames_ { 0 };
  std::atomic<int> video_width_ { 0 }, video_height_ { 0 };
  std::atomic<int> audio_buffers_ { 0 };
  mutable std::mutex audio_times_lock_;
  std::vector<uint32_t> audio_rtp_times_;
};

}  // namespace camgate::testing
