#include "outputs/push_output.h"

#include "media_codec.h"

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
  const int port = g_uri_get_port (uri);
  std::string out = std::string (g_uri_get_scheme (uri)) + "://"
      + (g_uri_get_host (uri) ? g_uri_get_host (uri) : "")
      + (port > 0 ? ":" + std::to_string (port) : "") + path + query;
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
    s.state = now - last_byte_us_.load () < kConnectedUs ? "connected"
        : "connecting";
  else if (!s.last_error.empty ())
    s.state = "retrying";
  return s;
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
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstPad *pad = gst_element_get_static_pad (sink, "sink");
  // (mpegtsmux hands its packets on in lists.)
  gst_pad_add_probe (pad, (GstPadProbeType) (GST_PAD_PROBE_TYPE_BUFFER
          | GST_PAD_PROBE_TYPE_BUFFER_LIST), count_bytes, this, nullptr);
  gst_object_unref (pad);
  gst_object_unref (sink);
}

GstPadProbeReturn
PushOutput::count_bytes (GstPad *, GstPadProbeInfo * info, gpointer data)
{
  auto *self = static_cast<PushOutput *> (data);
  self->bytes_ += (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST)
      ? gst_buffer_list_calculate_size (GST_PAD_PROBE_INFO_BUFFER_LIST (info))
      : gst_buffer_get_size (GST_PAD_PROBE_INFO_BUFFER (info));
  self->last_byte_us_ = g_get_monotonic_time ();
  return GST_PAD_PROBE_OK;
}

}  // namespace camgate
