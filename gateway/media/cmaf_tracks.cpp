#include "media/cmaf_tracks.h"

#include "media/fanout_output.h"

#include "media_codec.h"

namespace camgate {

namespace {

// Depayload (and where needed transcode) chain for one RTP track, ending in
// what cmafsink takes; empty when the codec cannot go into CMAF.
std::string
chain_for (const MediaCodec & codec)
{
  switch (codec.cmaf) {
    case Carriage::AsIs:{
      std::string chain = depayload_chain (codec);
      // RTP carries no decode time: with B-frames the timestamper derives
      // it from the SPS's reorder depth, else every sample's decode time
      // would be its presentation time and a player would drop the frames
      // out of order.
      if (codec.timestamper)
        chain += std::string (" ! ") + codec.timestamper;
      if (codec.access_units)
        chain += std::string (" ! ") + codec.access_units;
      return chain;
    }
    case Carriage::Transcoded:
      // For this output only (G.711 cannot go into CMAF for browsers).
      return decode_chain (codec) + " ! " + raw_audio_to_aac_chain ();
    case Carriage::No:
      break;
  }
  return "";
}

}  // namespace

bool
describe_cmaf_tracks (const RtpFanout::Layout & layout,
    const std::string & target, std::string & description)
{
  bool have_video = false, have_audio = false;
  for (size_t i = 0; i < layout.caps.size (); i++) {
    const MediaCodec *codec = codec_for_caps (gst_caps_get_structure (
            layout.caps[i], 0));
    std::string chain = codec ? chain_for (*codec) : "";
    const bool video = codec && codec->video;
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
