// Typed, validated description of one stream, produced from a pipeline file.
// Immutable once built: a changed file produces a new StreamSpec and the
// stream is rebuilt from it.
#pragma once

#include <glib.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace camgate {

enum class SourceKind { Rtsp, Srt, Publish, Pipeline, Test };
enum class RtspTransport { Auto, Tcp, Udp };

const char *to_string (SourceKind kind);
const char *to_string (RtspTransport transport);

struct SourceSpec
{
  SourceKind kind = SourceKind::Test;
  std::string uri;                 // Rtsp: camera URI (may hold credentials);
                                   // Srt: the encoder's srt:// listener
  // Srt: the encryption passphrase to call with (also `passphrase=` in the
  // URI); Publish: the one SRT publishers of this stream must use.
  std::string passphrase;
  RtspTransport transport = RtspTransport::Auto;
  // Rtsp/Publish: reordering window. 0 = none: packets are relayed as they
  // arrive and each viewer reorders in its own jitterbuffer.
  uint32_t latency_ms = 0;
  std::string pipeline;            // Pipeline: gst-launch description
  uint32_t timeout_ms = 5000;      // no data for this long = camera lost, reconnect
  // Connected only while a viewer (RTSP, WHEP, LL-HLS, a rendition's)
  // needs it, and for `linger_ms` after the last one left.
  bool on_demand = false;
  uint32_t linger_ms = 10000;
  bool tls_verify = true;          // rtsps: check the camera's certificate
  bool events = true;              // onvif: follow the camera's events

  bool operator== (const SourceSpec &) const = default;
};

// Thresholds of the stream's streamhealth elements (see docs/elements.md).
struct HealthSpec
{
  uint32_t stall_timeout_ms = 3000;  // no data this long: stalled, restart
  uint32_t max_gop_ms = 5000;        // keyframes further apart: degraded
  uint32_t max_gap_ms = 1000;        // timestamp steps larger: gap / jump
  double min_fps = 0;                // lower frame rate: degraded (0 = off)

  bool operator== (const HealthSpec &) const = default;
};

// LL-HLS + DASH over CMAF, served on the HTTP port.
struct HlsSpec
{
  bool enabled = false;
  uint32_t part_ms = 200;          // part target
  uint32_t segment_ms = 2000;      // segments start at the next keyframe after
  uint32_t window = 6;             // segments kept

  bool operator== (const HlsSpec &) const = default;
};

// WebRTC playback (WHEP) on the HTTP port.
struct WebRtcSpec
{
  bool enabled = true;
  uint32_t max_viewers = 100;      // WHEP sessions on this stream at once
  // Keep the WebRTC feed (depayloading, last GOP) running without viewers,
  // so that even the first viewer starts at once. Off: the feed starts with
  // the first viewer and stops 5 minutes after the last.
  bool warm = false;

  bool operator== (const WebRtcSpec &) const = default;
};

// Recording to fragmented MP4 files.
struct RecordSpec
{
  bool enabled = false;
  uint32_t segment_ms = 60000;     // new file at the first keyframe after
  uint64_t keep_ms = 0;            // delete older files (0 = keep)
  uint64_t max_size = 0;           // bytes per stream (0 = no limit)
  // strftime() of the file's UTC start, relative to the stream's own folder
  // <root>/<stream>/; <stream> is the stream's name.
  std::string path = "%Y-%m-%d/%H-%M-%S.mp4";
  // mode: events: files only around the camera's events (camera.motion,
  // camera.tamper, camera.input), from `pre_ms` before one starts to
  // `post_ms` after the last one stops.
  bool on_events = false;
  uint32_t pre_ms = 5000;
  uint32_t post_ms = 10000;
  // The gateway's recordings folder (its `recordings` setting, not a
  // pipeline file key).
  std::string root = "recordings";

  bool operator== (const RecordSpec &) const = default;
};

// One rendition of a transcoding ladder: the camera's video decoded once per
// stream, scaled to `height` (width keeps the picture's shape) and encoded
// as browser-safe H.264 at `bitrate`.
struct RenditionSpec
{
  std::string name;                // served at <stream>/<name>
  uint32_t height = 0;             // 64-4320, even
  uint32_t bitrate = 0;            // bits per second, 64k-50M
  uint32_t fps = 0;                // at most this frame rate (0 = the camera's)
  // The gateway's own, not configured: the camera's picture as H.264 for
  // WebRTC viewers whose browsers cannot decode the camera's codec (H.265);
  // height and bitrate 0: the camera's size, a bitrate for that size.
  bool automatic = false;

  static RenditionSpec automatic_h264 ()
  {
    return { kAutomaticH264, 0, 0, 0, true };
  }
  static constexpr const char *kAutomaticH264 = "h264";

  bool operator== (const RenditionSpec &) const = default;
};

// `transcode:` renditions beside the camera's own stream (which stays as it
// is, the `source` rendition).
struct TranscodeSpec
{
  // auto, software, or a family (nvenc, va, qsv, vaapi, v4l2), or the name
  // of an H.264 encoder element.
  std::string encoder = "auto";
  // A rendition is encoded only while someone reads it.
  bool on_demand = true;
  std::vector<RenditionSpec> renditions;  // at most kMaxRenditions

  static constexpr size_t kMaxRenditions = 8;
  bool enabled () const { return !renditions.empty (); }
  bool operator== (const TranscodeSpec &) const = default;
};

// A target the stream is pushed to as it is (rtmp://, rtmps://, srt://).
struct PushTarget
{
  std::string url;                 // may hold a stream key or passphrase
  bool tls_verify = true;          // rtmps: check the server's certificate

  bool operator== (const PushTarget &) const = default;
};

struct OutputsSpec
{
  bool rtsp = true;
  // RTSP viewers who join a running stream are first sent its last GOP
  // (kept up to kGopCacheBytes per video track).
  bool rtsp_gop_cache = true;
  static constexpr size_t kGopCacheBytes = 8 * 1024 * 1024;
  HlsSpec hls;
  WebRtcSpec webrtc;
  std::vector<PushTarget> push;
  static constexpr size_t kMaxPushTargets = 8;

  bool operator== (const OutputsSpec &) const = default;
};

struct StreamSpec
{
  std::string name;
  std::string file;                // where it came from ("" for built-in)
  SourceSpec source;
  OutputsSpec outputs;
  HealthSpec health;
  RecordSpec record;
  TranscodeSpec transcode;

  // Same stream definition, regardless of where it was read from.
  bool same_definition (const StreamSpec & other) const
  {
    return name == other.name && source == other.source
        && outputs == other.outputs && health == other.health
        && record == other.record && transcode == other.transcode;
  }
};

// The one rule for stream names, in pipeline files, the API and URLs:
// 1-64 letters, digits, '-', '_' and '.', not starting with '.' or '-' (a
// file name, a path segment and a command-line word alike).
bool is_valid_stream_name (const std::string & name);

// The URI with any password replaced by "***", safe for logs and APIs (and
// the query values that hold secrets: passphrase, streamid, password).
std::string redact_uri (const std::string & uri);

// `query` ("k=v&k2=v2") with values as "***": every one, or only those of
// the keys that hold secrets (passphrase, streamid, password).
std::string redact_query (const std::string & query, bool every_value);

// "scheme://host[:port]" of a parsed URL, without its user information: how
// push targets and webhook receivers are shown.
std::string url_origin (GUri * uri);

// The built-in stream served when no pipeline file exists.
StreamSpec demo_stream_spec ();

}  // namespace camgate
