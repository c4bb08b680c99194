// CodecChoice: which payload types camgate answers a WebRTC offer with, and
// the reasons it gives when it cannot.
#include "webrtc/codec_choice.h"

#include <gtest/gtest.h>

using namespace camgate::webrtc;

namespace {

const char *kHead = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
    "a=group:BUNDLE 0 1\r\n";
const char *kTransport = "c=IN IP4 0.0.0.0\r\na=ice-ufrag:abcd\r\n"
    "a=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=fingerprint:sha-256 AA:BB\r\n"
    "a=setup:actpass\r\na=rtcp-mux\r\na=recvonly\r\n";

// A browser-like offer: video with `video_formats` (pt, rtpmap, fmtp), then
// audio with Opus and G.711.
std::string
offer (const std::vector<std::tuple<int, std::string, std::string>> & video,
    bool bundle_only_audio = false)
{
  std::string sdp = kHead;
  sdp += "m=video 9 UDP/TLS/RTP/SAVPF";
  for (const auto & [pt, map, fmtp] : video)
    sdp += " " + std::to_string (pt);
  sdp += "\r\n" + std::string (kTransport) + "a=mid:0\r\n";
  for (const auto & [pt, map, fmtp] : video) {
    sdp += "a=rtpmap:" + std::to_string (pt) + " " + map + "\r\n";
    if (!fmtp.empty ())
      sdp += "a=fmtp:" + std::to_string (pt) + " " + fmtp + "\r\n";
  }
  sdp += std::string ("m=audio ") + (bundle_only_audio ? "0" : "9")
      + " UDP/TLS/RTP/SAVPF 111 8 0\r\n" + kTransport + "a=mid:1\r\n"
      + (bundle_only_audio ? "a=bundle-only\r\n" : "")
      + "a=rtpmap:111 opus/48000/2\r\na=rtpmap:8 PCMA/8000\r\n"
      "a=rtpmap:0 PCMU/8000\r\n";
  return sdp;
}

const std::vector<std::tuple<int, std::string, std::string>> kChromeVideo = {
  { 96, "VP8/90000", "" },
  { 102, "H264/90000", "level-asymmetry-allowed=1;packetization-mode=1;"
        "profile-level-id=42001f" },
  { 104, "H264/90000", "level-asymmetry-allowed=1;packetization-mode=0;"
        "profile-level-id=42001f" },
  { 112, "H264/90000", "level-asymmetry-allowed=1;packetization-mode=1;"
        "profile-level-id=64001f" },
};

struct Offer
{
  GstSDPMessage *sdp = nullptr;
  explicit Offer (const std::string & text)
  {
    std::string reason;
    EXPECT_TRUE (parse_offer (text, &sdp, reason)) << reason;
  }
  ~Offer ()
  {
    if (sdp)
      gst_sdp_message_free (sdp);
  }
};

}  // namespace

TEST (CodecChoice, PicksTheOfferedH264ProfileClosestToTheCamera)
{
  Offer o (offer (kChromeVideo));
  AnswerPlan plan;
  std::string reason;
  ASSERT_TRUE (plan_playback (o.sdp, { "H264", "640028", "OPUS" }, plan,
          reason)) << reason;
  ASSERT_EQ (plan.tracks.size (), 2u);
  EXPECT_EQ (plan.tracks[0].media, "video");
  EXPECT_EQ (plan.tracks[0].payload, 112);        // High, packetization-mode=1
  EXPECT_EQ (plan.tracks[1].encoding, "OPUS");
  EXPECT_EQ (plan.tracks[1].payload, 111);

  AnswerPlan baseline;
  ASSERT_TRUE (plan_playback (o.sdp, { "H264", "42e01f", "" }, baseline,
          reason));
  EXPECT_EQ (baseline.tracks[0].payload, 102);    // never mode 0 (104)
  // No audio in the stream: the audio m-line is left unused.
  EXPECT_EQ (baseline.tracks.size (), 1u);
  EXPECT_EQ (baseline.unused_mlines, std::vector<unsigned> ({ 1 }));
}

TEST (CodecChoice, G711PassesWhenOfferedAndBundleOnlyLinesCount)
{
  Offer o (offer (kChromeVideo, true));
  AnswerPlan plan;
  std::string reason;
  ASSERT_TRUE (plan_playback (o.sdp, { "H264", "", "PCMU" }, plan, reason));
  ASSERT_EQ (plan.tracks.size (), 2u);
  EXPECT_EQ (plan.tracks[1].encoding, "PCMU");
  EXPECT_EQ (plan.tracks[1].payload, 0);
  EXPECT_EQ (plan.tracks[1].clock_rate, 8000);
}

TEST (CodecChoice, RefusesWithAReasonAPersonCanActOn)
{
  // An H.265 camera and a browser without H.265.
  Offer o (offer (kChromeVideo));
  AnswerPlan plan;
  std::string reason;
  EXPECT_FALSE (plan_playback (o.sdp, { "H265", "", "OPUS" }, plan, reason));
  EXPECT_EQ (reason, "the offer accepts none of the camera's video codecs: "
      "the camera sends H265, the offer has VP8, H264/pm=1, H264/pm=0");

  // H.264 in packetization-mode 0 only.
  Offer mode0 (offer ({ { 104, "H264/90000", "packetization-mode=0" } }));
  AnswerPlan plan2;
  EXPECT_FALSE (plan_playback (mode0.sdp, { "H264", "", "" }, plan2, reason));
  EXPECT_NE (reason.find ("packetization-mode=1"), std::string::npos);

  GstSDPMessage *sdp = nullptr;
  EXPECT_FALSE (parse_offer ("hello", &sdp, reason));
  EXPECT_EQ (reason, "the offer is not SDP");
  EXPECT_FALSE (parse_offer ("", &sdp, reason));
  EXPECT_FALSE (parse_offer (std::string (kHead), &sdp, reason));
  EXPECT_EQ (reason, "the offer has no media (m=) lines");
  // Not WebRTC: no ICE credentials or DTLS fingerprint.
  EXPECT_FALSE (parse_offer (std::string (kHead) + "m=video 9 RTP/AVP 96\r\n"
          "a=rtpmap:96 H264/90000\r\n", &sdp, reason));
  EXPECT_NE (reason.find ("not a WebRTC offer"), std::string::npos);
  EXPECT_EQ (sdp, nullptr);
}

TEST (CodecChoice, IngestTakesH264AndOpusOrNothing)
{
  Offer o (offer (kChromeVideo));
  AnswerPlan plan;
  std::string reason;
  ASSERT_TRUE (plan_ingest (o.sdp, plan, reason)) << reason;
  ASSERT_EQ (plan.tracks.size (), 2u);
  EXPECT_EQ (plan.tracks[0].payload, 102);        // constrained baseline first
  EXPECT_EQ (plan.tracks[1].encoding, "OPUS");

  Offer vp8 (offer ({ { 96, "VP8/90000", "" } }));
  AnswerPlan refused;
  EXPECT_FALSE (plan_ingest (vp8.sdp, refused, reason));
  EXPECT_EQ (reason, "camgate takes H.264 (packetization-mode=1) from "
      "publishers; the offer has VP8");
}

TEST (CodecChoice, BundledMlinesTakeTheTaggedMlinesTransport)
{
  // aiortc: each m-line of the bundle with its own credentials and
  // candidates; the first (tagged) m-line's transport is the one used.
  std::string text = offer (kChromeVideo);
  const std::string audio_transport = "a=ice-ufrag:abcd\r\n"
      "a=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=fingerprint:sha-256 AA:BB\r\n"
      "a=setup:actpass\r\na=rtcp-mux\r\na=recvonly\r\na=mid:1\r\n";
  const auto at = text.rfind (audio_transport);
  ASSERT_NE (at, std::string::npos);
  text.replace (at, audio_transport.size (), "a=ice-ufrag:wxyz\r\n"
      "a=ice-pwd:zyxwvutsrqponmlkjihgfedc\r\na=fingerprint:sha-256 AA:BB\r\n"
      "a=setup:actpass\r\na=rtcp-mux\r\na=recvonly\r\na=mid:1\r\n"
      "a=candidate:1 1 UDP 2130706431 127.0.0.1 40000 typ host\r\n"
      "a=end-of-candidates\r\n");
  Offer o (text);
  ASSERT_NE (o.sdp, nullptr);
  const GstSDPMedia *audio = gst_sdp_message_get_media (o.sdp, 1);
  EXPECT_STREQ (gst_sdp_media_get_attribute_val (audio, "ice-ufrag"), "abcd");
  EXPECT_STREQ (gst_sdp_media_get_attribute_val (audio, "ice-pwd"),
      "abcdefghijklmnopqrstuvwx");
  EXPECT_EQ (gst_sdp_media_get_attribute_val (audio, "candidate"), nullptr);
  EXPECT_EQ (gst_sdp_media_get_attribute_val (audio, "end-of-candidates"),
      nullptr);
  EXPECT_STREQ (gst_sdp_media_get_attribute_val (audio, "mid"), "1");

  // Credentials given once for the session: the m-lines keep none of
  // their own that differ.
  std::string session_level = text;
  session_level.replace (session_level.find ("a=group:BUNDLE"), 0,
      "a=ice-ufrag:sess\r\na=ice-pwd:sessionsessionsessionse\r\n");
  session_level.erase (session_level.find ("a=ice-ufrag:abcd\r\n"), 18);
  Offer s (session_level);
  ASSERT_NE (s.sdp, nullptr);
  EXPECT_STREQ (gst_sdp_media_get_attribute_val (gst_sdp_message_get_media
          (s.sdp, 1), "ice-ufrag"), "sess");
}
