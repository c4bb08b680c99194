#include "media_codec.h"

#include "keyframes.h"

#include <vector>

namespace camgate {

namespace {

// Video: whole access units from the depayloader, packetized, so the parser
// never splits a picture (given a byte stream it would cut one wherever a
// camera repeats parameter sets before a slice). The parser puts parameter
// sets in every keyframe, so a viewer can start at any of them; the
// payloaders' own config-interval would put them before every IDR slice,
// which splits multi-slice keyframes for whoever parses the stream again.
const MediaCodec kCodecs[] = {
  { CodecId::H264, true, "H.264", "H264", 90000, "video/x-h264",
    "rtph264depay", "rtph264pay config-interval=0 aggregate-mode=zero-latency",
    false, "h264parse config-interval=-1",
    "video/x-h264,stream-format=avc,alignment=au", "h264timestamper",
    "avdec_h264", Carriage::AsIs, Carriage::AsIs,
    h264_rtp_starts_keyframe, h264_access_unit_is_keyframe },
  { CodecId::H265, true, "H.265", "H265", 90000, "video/x-h265",
    "rtph265depay", "rtph265pay config-interval=0 aggregate-mode=zero-latency",
    false, "h265parse config-interval=-1",
    "video/x-h265,stream-format=hvc1,alignment=au", "h265timestamper",
    "avdec_h265", Carriage::AsIs, Carriage::AsIs,
    h265_rtp_starts_keyframe, h265_access_unit_is_keyframe },
  { CodecId::AAC, false, "AAC", "MPEG4-GENERIC", 0, "audio/mpeg",
    "rtpmp4gdepay", "rtpmp4gpay", false, "aacparse",
    "audio/mpeg,stream-format=raw", nullptr, "avdec_aac",
    Carriage::AsIs, Carriage::Transcoded, nullptr, nullptr },
  { CodecId::AAC, false, "AAC (LATM)", "MP4A-LATM", 0, "audio/mpeg",
    "rtpmp4adepay", "rtpmp4apay", false, "aacparse",
    "audio/mpeg,stream-format=raw", nullptr, "avdec_aac",
    Carriage::AsIs, Carriage::Transcoded, nullptr, nullptr },
  { CodecId::Opus, false, "Opus", "OPUS", 48000, "audio/x-opus",
    "rtpopusdepay", "rtpopuspay", false, "opusparse", nullptr, nullptr,
    "opusdec", Carriage::AsIs, Carriage::AsIs, nullptr, nullptr },
  // G.711: browsers' WebRTC takes it; CMAF players do not.
  { CodecId::PCMA, false, "G.711 A-law", "PCMA", 8000, "audio/x-alaw",
    "rtppcmadepay", "rtppcmapay", true, nullptr, nullptr, nullptr,
    "alawdec", Carriage::Transcoded, Carriage::AsIs, nullptr, nullptr },
  { CodecId::PCMU, false, "G.711 mu-law", "PCMU", 8000, "audio/x-mulaw",
    "rtppcmudepay", "rtppcmupay", true, nullptr, nullptr, nullptr,
    "mulawdec", Carriage::Transcoded, Carriage::AsIs, nullptr, nullptr },
};

}  // namespace

const MediaCodec *
codec_for_rtp_encoding (const char *encoding_name)
{
  if (!encoding_name)
    return nullptr;
  for (const auto & codec : kCodecs)
    if (g_ascii_strcasecmp (codec.rtp_encoding, encoding_name) == 0)
      return &codec;
  return nullptr;
}

const MediaCodec *
codec_for_caps (const GstStructure * s)
{
  if (!s)
    return nullptr;
  if (gst_structure_has_name (s, "application/x-rtp"))
    return codec_for_rtp_encoding (gst_structure_get_string (s,
            "encoding-name"));
  if (gst_structure_has_name (s, "audio/mpeg")) {
    gint version = 0;
    // MPEG-1 audio (MP3) shares the media type. Unfixed caps (a parser's
    // {2, 4}) may still be AAC.
    if (gst_structure_get_int (s, "mpegversion", &version) && version == 1)
      return nullptr;
  }
  for (const auto & codec : kCodecs)
    if (gst_structure_has_name (s, codec.media_type))
      return &codec;
  return nullptr;
}

const MediaCodec &
codec_row (CodecId id)
{
  for (const auto & codec : kCodecs)
    if (codec.id == id)
      return codec;
  g_assert_not_reached ();
}

std::string
codec_names ()
{
  std::vector<std::string> labels;
  for (const auto & codec : kCodecs)
    if (&codec_row (codec.id) == &codec)
      labels.push_back (codec.label);
  std::string names;
  for (size_t i = 0; i < labels.size (); i++)
    names += (i == 0 ? "" : i + 1 == labels.size () ? " or " : ", ")
        + labels[i];
  return names;
}

std::string
depayload_chain (const MediaCodec & codec)
{
  std::string chain = codec.depayloader;
  if (codec.video)
    chain += std::string (" ! ") + codec.access_units;
  if (codec.parser)
    chain += std::string (" ! ") + codec.parser;
  return chain;
}

std::string
decode_chain (const MediaCodec & codec)
{
  return depayload_chain (codec) + " ! " + codec.decoder;
}

std::string
raw_audio_to_aac_chain ()
{
  return "audioconvert ! audioresample ! voaacenc bitrate=64000 ! aacparse "
      "! audio/mpeg,stream-format=raw";
}

std::string
raw_audio_to_opus_chain ()
{
  return "audioconvert ! audioresample ! opusenc frame-size=20";
}

std::string
payload_chain (const MediaCodec & codec, int payload_type)
{
  std::string chain;
  if (codec.video)
    chain = std::string (codec.parser) + " ! " + codec.media_type
        + ",alignment=au ! ";
  chain += codec.payloader;
  if (!codec.static_payload)
    chain += " pt=" + std::to_string (payload_type);
  return chain;
}

}  // namespace camgate
