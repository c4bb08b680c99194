#include "stream/cmaf_tracks.h"

#include "stream/fanout_output.h"

namespace camgate {

namespace {

// Depayload (and where needed transcode) chain for one RTP track, ending in
// what cmafsink takes; empty when the codec cannot go into CMAF.
std::string
chain_for (const GstStructure * s, bool & video)
{
  std::string encoding = gst_structure_get_string (s, "encoding-name")
      ? gst_structure_get_string (s, "encoding-name") : "";
  video = false;
  // Whole access units from the depayloader, packetized, so the parser
  // never splits a picture (see the WebRTC feed). RTP carries no decode
  // time: with B-frames the timestamper derives it from the SPS's reorder
  // depth, else every sample's decode time would be its presentation time
  // and a player would drop the frames out of order.
  if (encoding == "H264") {
    video = true;
    return "rtph264depay ! video/x-h264,stream-format=avc,alignment=au "
        "! h264parse config-interval=-1 ! h264timestamper "
        "! video/x-h264,stream-format=avc,alignment=au";
  }
  if (encoding == "H265") {
    video = true;
    return "rtph265depay ! video/x-h265,stream-format=hvc1,alignment=au "
        "! h265parse config-interval=-1 ! h265timestamper "
        "! video/x-h265,stream-format=hvc1,alignment=au";
  }
  if (encoding == "MPEG4-GENERIC")
    return "rtpmp4gdepay ! aacparse ! audio/mpeg,stream-format=raw";
  if (encoding == "MP4A-LATM")
    return "rtpmp4adepay ! aacparse ! audio/mpeg,stream-format=raw";
  if (encoding == "OPUS")
    return "rtpopusdepay ! opusparse";
  // G.711 cannot go into CMAF for browsers: AAC, for this output only.
  const char *aac = " ! audioconvert ! audioresample ! voaacenc bitrate=64000 "
      "! aacparse ! audio/mpeg,stream-format=raw";
  if (encoding == "PCMA")
    return std::string ("rtppcmadepay ! alawdec") + aac;
  if (encoding == "PCMU")
    return std::string ("rtppcmudepay ! mulawdec") + aac;
  return "";
}


}  // namespace

bool
describe_cmaf_tracks (const RtpFanout::Layout & layout,
    const std::string & target, std::string & description)
{
  bool have_video = false, have_audio = false;
  for (size_t i = 0; i < layout.caps.size (); i++) {
    bool video = false;
    std::string chain = chain_for (gst_caps_get_structure (layout.caps[i], 0),
        video);
    // One video and one audio track: the rest is left out.
    if (chain.empty () || (video && have_video) || (!video && have_audio))
      continue;
    (video ? have_video : have_audio) = true;
    description += " " + FanoutOutput::track_source (i) + " ! " + chain + " ! "
        + target + "." + (video ? "video" : "audio");
  }
  return have_video || have_audio;
}

}  // namespace camgate
