// CodecChoice: reads a WebRTC peer's SDP offer and decides, per m-line, which
// of its payload types camgate answers with, without any re-encoding:
//   WHEP (we send):   the camera's own video codec (H.264 with
//                     packetization-mode=1, or H.265), and for audio the
//                     camera's G.711 when offered, else Opus;
//   WHIP (we receive): H.264 (packetization-mode=1) and Opus.
// A refusal comes with a reason a person can act on.
#pragma once

#include <gst/gst.h>
#include <gst/sdp/sdp.h>

#include <string>
#include <vector>

namespace camgate::webrtc {

// What a stream can send without re-encoding video.
struct StreamCodecs
{
  std::string video;               // "H264", "H265" or "" (no video)
  std::string video_profile;       // H.264 profile-level-id (hex), may be ""
  std::string audio;               // the camera's: "OPUS", "PCMA", "PCMU",
                                   // "MPEG4-GENERIC"... or "" (no audio)
};

struct ChosenTrack
{
  unsigned mline = 0;
  std::string media;               // "video" or "audio"
  std::string encoding;            // "H264", "H265", "OPUS", "PCMA", "PCMU"
  int payload = 0;                 // the offer's payload type
  int clock_rate = 0;
  GstCaps *caps = nullptr;         // codec-preferences for the transceiver
};

struct AnswerPlan
{
  std::vector<ChosenTrack> tracks;
  std::vector<unsigned> unused_mlines;   // answered inactive / rejected
  ~AnswerPlan ();
  AnswerPlan () = default;
  AnswerPlan (const AnswerPlan &) = delete;
  AnswerPlan & operator= (const AnswerPlan &) = delete;
};

// Parses `sdp` into a new message; false (and a reason) when it is not SDP or
// not an offer for media.
bool parse_offer (const std::string & sdp, GstSDPMessage ** offer,
    std::string & reason);

// Playback: what to send for each m-line of `offer`.
bool plan_playback (const GstSDPMessage * offer, const StreamCodecs & have,
    AnswerPlan & plan, std::string & reason);

// Ingest: what to receive for each m-line of `offer`.
bool plan_ingest (const GstSDPMessage * offer, AnswerPlan & plan,
    std::string & reason);

}  // namespace camgate::webrtc
