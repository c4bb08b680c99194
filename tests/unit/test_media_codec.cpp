// The codec table: lookups, that every chain it writes builds from installed
// elements, and the keyframe tests its rows point at.
#include "media_codec.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

using namespace camgate;

namespace {

const char *kEncodings[] = { "H264", "H265", "MPEG4-GENERIC", "MP4A-LATM",
  "OPUS", "PCMA", "PCMU" };

// Whether a chain builds, every element in it installed, when something
// follows it (a chain may end in caps, as the packager's do).
::testing::AssertionResult
builds (const std::string & chain)
{
  const std::string description = chain + " ! fakesink";
  GError *error = nullptr;
  GstElement *bin = gst_parse_bin_from_description_full (description.c_str (),
      FALSE, nullptr, GST_PARSE_FLAG_FATAL_ERRORS, &error);
  if (!bin) {
    auto failure = ::testing::AssertionFailure () << description << ": "
        << (error ? error->message : "no bin");
    g_clear_error (&error);
    return failure;
  }
  gst_object_unref (bin);
  return ::testing::AssertionSuccess ();
}

GstStructure *
structure (const char *text)
{
  return gst_structure_from_string (text, nullptr);
}

}  // namespace

TEST (MediaCodec, FindsEachRowByRtpEncodingAndCaps)
{
  std::set<const MediaCodec *> rows;
  for (const char *encoding : kEncodings) {
    const MediaCodec *codec = codec_for_rtp_encoding (encoding);
    ASSERT_NE (codec, nullptr) << encoding;
    EXPECT_STREQ (codec->rtp_encoding, encoding);
    rows.insert (codec);
    // SDP encoding names are case-insensitive (RFC 4566 §6).
    g_autofree gchar *lower = g_ascii_strdown (encoding, -1);
    EXPECT_EQ (codec_for_rtp_encoding (lower), codec);
    g_autofree gchar *caps = g_strdup_printf ("application/x-rtp, "
        "media=%s, encoding-name=%s", codec->video ? "video" : "audio",
        encoding);
    GstStructure *s = structure (caps);
    EXPECT_EQ (codec_for_caps (s), codec);
    gst_structure_free (s);
  }
  EXPECT_EQ (rows.size (), G_N_ELEMENTS (kEncodings));
  EXPECT_EQ (codec_for_rtp_encoding ("VP8"), nullptr);
  EXPECT_EQ (codec_for_rtp_encoding (nullptr), nullptr);

  // Elementary streams by media type; AAC's first packing is MPEG4-GENERIC.
  GstStructure *aac = structure ("audio/mpeg, mpegversion=4");
  EXPECT_EQ (codec_for_caps (aac), &codec_row (CodecId::AAC));
  EXPECT_STREQ (codec_row (CodecId::AAC).rtp_encoding, "MPEG4-GENERIC");
  gst_structure_free (aac);
  GstStructure *mp3 = structure ("audio/mpeg, mpegversion=1");
  EXPECT_EQ (codec_for_caps (mp3), nullptr);
  gst_structure_free (mp3);
  GstStructure *hevc = structure ("video/x-h265, stream-format=hvc1");
  EXPECT_EQ (codec_for_caps (hevc), &codec_row (CodecId::H265));
  gst_structure_free (hevc);
  GstStructure *raw = structure ("video/x-raw");
  EXPECT_EQ (codec_for_caps (raw), nullptr);
  gst_structure_free (raw);
}

TEST (MediaCodec, EveryChainBuildsFromInstalledElements)
{
  for (const char *encoding : kEncodings) {
    const MediaCodec & codec = *codec_for_rtp_encoding (encoding);
    EXPECT_TRUE (builds (depayload_chain (codec)));
    EXPECT_TRUE (builds (decode_chain (codec)));
    EXPECT_TRUE (builds (payload_chain (codec, 96)));
    if (codec.timestamper) {
      EXPECT_TRUE (builds (codec.timestamper));
    }
    if (!codec.video) {
      EXPECT_TRUE (builds (decode_chain (codec) + " ! "
              + raw_audio_to_aac_chain ()));
      EXPECT_TRUE (builds (decode_chain (codec) + " ! "
              + raw_audio_to_opus_chain ()));
    }
    // Video goes everywhere as is; a keyframe test for each video codec.
    EXPECT_EQ (codec.rtp_starts_keyframe != nullptr, codec.video) << encoding;
    EXPECT_EQ (codec.access_unit_is_keyframe != nullptr, codec.video);
  }
  // A static payload type is the payloader's own.
  EXPECT_EQ (payload_chain (codec_row (CodecId::PCMA), 97), "rtppcmapay");
  EXPECT_EQ (payload_chain (codec_row (CodecId::Opus), 97),
      "rtpopuspay pt=97");
}

TEST (MediaCodec, OutputsTakeWhatTheirPlayersDecode)
{
  // CMAF players take no G.711 (transcoded to AAC); browsers' WebRTC takes
  // no AAC (transcoded to Opus).
  EXPECT_EQ (codec_row (CodecId::PCMU).cmaf, Carriage::Transcoded);
  EXPECT_EQ (codec_row (CodecId::PCMU).webrtc, Carriage::AsIs);
  EXPECT_EQ (codec_row (CodecId::AAC).cmaf, Carriage::AsIs);
  EXPECT_EQ (codec_row (CodecId::AAC).webrtc, Carriage::Transcoded);
  EXPECT_EQ (codec_row (CodecId::Opus).cmaf, Carriage::AsIs);
  EXPECT_EQ (codec_row (CodecId::H265).webrtc, Carriage::AsIs);
}

TEST (MediaCodec, AccessUnitKeyframesByTheirFirstSlice)
{
  const MediaCodec & h264 = codec_row (CodecId::H264);
  // SPS, PPS, IDR slice: key. AUD, then a non-IDR slice: not.
  const std::vector<uint8_t> idr = { 0, 0, 0, 1, 0x67, 0x42, 0, 0, 0, 1, 0x68,
    0xce, 0, 0, 1, 0x65, 0x88, 0x84 };
  const std::vector<uint8_t> delta = { 0, 0, 0, 1, 0x09, 0xf0, 0, 0, 1, 0x41,
    0x9a, 0x02 };
  EXPECT_TRUE (h264.access_unit_is_keyframe (idr.data (), idr.size ()));
  EXPECT_FALSE (h264.access_unit_is_keyframe (delta.data (), delta.size ()));
  EXPECT_FALSE (h264.access_unit_is_keyframe (idr.data (), 3));

  const MediaCodec & h265 = codec_row (CodecId::H265);
  // VPS (32), then an IDR_W_RADL slice (19): key; a TRAIL_R slice (1): not.
  const std::vector<uint8_t> irap = { 0, 0, 1, 0x40, 0x01, 0x0c, 0, 0, 1, 0x26,
    0x01, 0xaf };
  const std::vector<uint8_t> trail = { 0, 0, 1, 0x02, 0x01, 0xd0 };
  EXPECT_TRUE (h265.access_unit_is_keyframe (irap.data (), irap.size ()));
  EXPECT_FALSE (h265.access_unit_is_keyframe (trail.data (), trail.size ()));

  // RTP: an FU-A starting an IDR, a STAP-A with an SPS, an FU-A going on.
  const uint8_t fu_start[] = { 0x7c, 0x85, 0x88 };
  const uint8_t stap_sps[] = { 0x18, 0x00, 0x02, 0x67, 0x42 };
  const uint8_t fu_middle[] = { 0x7c, 0x05, 0x88 };
  EXPECT_TRUE (h264.rtp_starts_keyframe (fu_start, sizeof fu_start));
  EXPECT_TRUE (h264.rtp_starts_keyframe (stap_sps, sizeof stap_sps));
  EXPECT_FALSE (h264.rtp_starts_keyframe (fu_middle, sizeof fu_middle));
  // H.265 FU (49) starting a CRA (21).
  const uint8_t hevc_fu[] = { 0x62, 0x01, 0x95, 0xaf };
  EXPECT_TRUE (h265.rtp_starts_keyframe (hevc_fu, sizeof hevc_fu));
}

TEST (MediaCodec, NamesEveryCodecOnceForPeople)
{
  EXPECT_EQ (camgate::codec_names (),
      "H.264, H.265, AAC, Opus, G.711 A-law or G.711 mu-law");
}
