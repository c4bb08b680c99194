#include "outputs/push_output.h"

#include "media_codec.h"

#include <gst/base/gstbasesink.h>

#include <algorithm>

namespace camgate {

namespace {

constexpr int64_t kMaxBackoffUs = 30 * G_USEC_PER_SEC;
constexpr int64_t kSettledUs = 60 * G_USEC_PER_SEC;
constexpr int64_t kConnectedUs = 5 * G_USEC_PER_SEC;

}  // namespace

PushOutput::PushOutput (const std::string & stream, const PushTarget & target,
    std::shared_ptr<RtpFanout> fanout)
    : FanoutOutput (stream, "push to " + redacted (target.url),
        std::move (fanout)),
      url_ (target.url), tls_verify_ (target.tls_verify),
      rtmp_ (target.url.rfind ("rtmp", 0) == 0)
{
}

PushOutput::~PushOutput ()
{
  stop ();
}

std::string
PushOutput::redacted (const std::string & url)
{
  GUri *uri = g_uri_parse (url.c_str (), G_URI_FLAGS_NONE, nullptr);
  if (!uri)
    return "(not a URL)";
  std::string path = g_uri_get_path (uri);
  const size_t slash = path.rfind ('/');
  if (slash != std::string::npos && slash + 1 < path.size ()
      && g_str_has_prefix (g_uri_get_scheme (uri), "rtmp"))
    path = path.substr (0, slash + 1) + "***";
  const char *q = g_uri_get_query (uri);
  const std::string query = q ? "?" + redact_query (q, true) : "";
  std::string out = url_origin (uri) + path + query;
  g_uri_unref (uri);
  return out;
}

void
PushOutput::update (const OutputTick & tick)
{
  if (was_running_ && !running ()) {
    // It failed (FanoutOutput stopped it): wait before the next attempt.
    was_running_ = false;
    retry_at_us_ = tick.now_us + backoff_us_;
    backoff_us_ = std::min (backoff_us_ * 2, kMaxBackoffUs);
  }
  if (!running () && tick.now_us < retry_at_us_)
    return;
  FanoutOutput::update (tick);
  if (sink_)
    read_sink_stats (tick.now_us);
  if (running ()) {
    if (!was_running_)
      started_us_ = tick.now_us;
    was_running_ = true;
    if (tick.now_us - started_us_ > kSettledUs)
      backoff_us_ = G_USEC_PER_SEC;
  }
}

PushOutput::Status
PushOutput::status () const
{
  Status s { redacted (url_), "waiting", bytes_.load (), last_error () };
  const int64_t now = g_get_monotonic_time ();
  if (running ())
    s.state = accepted_.load () && now - last_byte_us_.load () < kConnectedUs
        ? "connected" : "connecting";
  else if (!s.last_error.empty ())
    s.state = "retrying";
  return s;
}

void
PushOutput::read_sink_stats (int64_t now_us)
{
  // The sink's own counters: what went out on its connection, and whether it
  // has rendered a buffer (it renders none before the target took the
  // publish), rather than what reached it, which a target that refuses us
  // also gets for a moment at each attempt.
  GstStructure *wire = nullptr;
  g_object_get (sink_, "stats", &wire, nullptr);
  guint64 sent = 0;
  if (wire) {
    gst_structure_get_uint64 (wire, rtmp_ ? "out-bytes-total"
        : "bytes-sent-total", &sent);
    gst_structure_free (wire);
  }
  GstStructure *rendering = gst_base_sink_get_stats (GST_BASE_SINK (sink_));
  guint64 rendered = 0;
  gst_structure_get_uint64 (rendering, "rendered", &rendered);
  gst_structure_free (rendering);
  accepted_ = rendered > 0;
  if (sent > attempt_bytes_) {
    bytes_ += sent - attempt_bytes_;
    attempt_bytes_ = sent;
    if (rendered > 0)
      last_byte_us_ = now_us;
  }
}

bool
PushOutput::describe (const RtpFanout::Layout & layout,
    std::string & description, std::string & error)
{
  description = rtmp_
      ? "flvmux name=mux streamable=true latency=0 ! rtmp2sink name=sink "
        "async-connect=false location=\"" + url_ + "\""
        + (tls_verify_ ? "" : " tls-validation-flags=0")
      : "mpegtsmux name=mux alignment=7 ! srtsink name=sink "
        "wait-for-connection=false uri=\"" + url_ + "\"";
  bool video = false, audio = false;
  for (size_t i = 0; i < layout.caps.size (); i++) {
    const MediaCodec *codec = codec_for_caps (gst_caps_get_structure
        (layout.caps[i], 0));
    if (!codec)
      continue;
    std::string chain;
    if (codec->video && !video) {
      if (rtmp_ && codec->id != CodecId::H264) {
        error = std::string ("RTMP carries H.264: the camera sends ")
            + codec->label + " (push it over srt://)";
        return false;
      }
      chain = depayload_chain (*codec);
      video = true;
    } else if (!codec->video && !audio) {
      // As it is where the container takes it, else to AAC once.
      const bool as_is = codec->id == CodecId::AAC
          || (!rtmp_ && codec->id == CodecId::Opus);
      chain = as_is ? depayload_chain (*codec)
          : decode_chain (*codec) + " ! " + raw_audio_to_aac_chain ();
      audio = true;
    } else {
      continue;
    }
    description += " " + track_source (i) + " ! " + chain + " ! queue "
        "max-size-buffers=0 max-size-bytes=0 max-size-time=2000000000 ! mux.";
  }
  if (!video) {
    error = "the stream has no video to push";
    return false;
  }
  return true;
}

void
PushOutput::started (GstElement * pipeline)
{
  sink_ = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  attempt_bytes_ = 0;
  accepted_ = false;
}

void
PushOutput::stopped ()
{
  accepted_ = false;
  if (sink_)
    gst_object_unref (sink_);
  sink_ = nullptr;
}

}  // namespace camgate
