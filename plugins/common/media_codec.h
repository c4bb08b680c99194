// The codec table: everything camgate knows about a codec it carries, one row
// per RTP packing. The gateway's source sessions, CMAF packager, WebRTC feed
// and peers, snapshots and codec choice, and the plugins' streamhealth and
// CMAF elements look codecs up here instead of naming elements themselves, so
// adding a codec is one row (and its tests).
#pragma once

#include "codec_id.h"

#include <gst/gst.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace camgate {

// How an output takes a codec.
enum class Carriage
{
  AsIs,                            // the codec itself, without re-encoding
  Transcoded,                      // decoded and re-encoded (to AAC / to Opus)
  No,                              // left out
};

struct MediaCodec
{
  CodecId id;
  bool video;
  const char *label;               // for people (and logs: ASCII): "H.264"
  const char *rtp_encoding;        // SDP / caps encoding-name: "H264"
  int clock_rate;                  // RTP clock; 0: the stream's sample rate
  const char *media_type;          // the elementary stream: "video/x-h264"
  const char *depayloader;
  const char *payloader;           // with its settings; callers add pt/mtu
  bool static_payload;             // the payloader picks its own payload type
  const char *parser;              // nullptr when none is needed
  // One access unit per buffer, length-prefixed where the codec has a
  // choice: what the parser takes from the depayloader and muxers take.
  const char *access_units;
  const char *timestamper;         // derives decode times (B-frames), or nullptr
  const char *decoder;
  Carriage cmaf;                   // CMAF (LL-HLS, DASH, recordings): AAC if transcoded
  Carriage webrtc;                 // browsers over WebRTC: Opus if transcoded
  // RTP payload (RFC 6184 / 7798): whether the packet carries the start of
  // a keyframe or the parameter sets that open one. nullptr for audio.
  bool (*rtp_starts_keyframe) (const uint8_t * payload, size_t size);
  // One Annex B access unit: whether it is a keyframe (its first slice).
  bool (*access_unit_is_keyframe) (const uint8_t * data, size_t size);
};

// The row for an RTP encoding name (case-insensitive), or nullptr.
const MediaCodec *codec_for_rtp_encoding (const char *encoding_name);

// The row for caps: `application/x-rtp` by its encoding-name, anything else
// by its media type (the first packing of that codec). nullptr if unknown.
const MediaCodec *codec_for_caps (const GstStructure * s);

// The codec's row for an id (its first packing).
const MediaCodec & codec_row (CodecId id);

// Every codec the table carries, for people: "H.264, H.265, ... or G.711
// mu-law" (each codec once, by the label of its first packing).
std::string codec_names ();

// "depayloader ! (access unit caps ! parser)": RTP in, what the parser gives
// (parsed access units; G.711 as depayloaded).
std::string depayload_chain (const MediaCodec & codec);

// depayload_chain, then the decoder: raw audio or video.
std::string decode_chain (const MediaCodec & codec);

// Raw audio to AAC for CMAF, and to Opus for WebRTC (20 ms packets).
std::string raw_audio_to_aac_chain ();
std::string raw_audio_to_opus_chain ();

// Parsed elementary stream (a source pipeline's output) to RTP: parser where
// the codec has one (parameter sets once per access unit), then the payloader
// with `payload_type` unless the codec's payload type is static.
std::string payload_chain (const MediaCodec & codec, int payload_type);

}  // namespace camgate
