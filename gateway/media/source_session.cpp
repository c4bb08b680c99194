#include "media/source_session.h"

#include "media/camera_udp_binding.h"
#include "media/in_order_buffer.h"
#include "media/track_chain.h"

#include "media_codec.h"

#include <gio/gio.h>
#include <gst/rtsp/gstrtsptransport.h>

#include <algorithm>

#include <cstdio>

namespace camgate {

namespace {

struct PadFeed
{
  std::shared_ptr<RtpFanout> fanout;
  unsigned index;
};

GstPadProbeReturn
on_rtp_data (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  auto *feed = static_cast<PadFeed *> (user_data);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    feed->fanout->push (feed->index, GST_PAD_PROBE_INFO_BUFFER (info));
  } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList *list = GST_PAD_PROBE_INFO_BUFFER_LIST (info);
    for (guint i = 0; i < gst_buffer_list_length (list); i++)
      feed->fanout->push (feed->index,
          gst_buffer_ref (gst_buffer_list_get (list, i)));
    gst_buffer_list_unref (list);
  }
  // The fanout owns the data now: nothing continues downstream.
  GST_PAD_PROBE_INFO_DATA (info) = nullptr;
  return GST_PAD_PROBE_HANDLED;
}

// Terminates a pad whose data goes elsewhere (events still need a peer).
void
link_to_fakesink (GstElement * pipeline, GstPad * pad)
{
  GstElement *sink = gst_element_factory_make ("fakesink", nullptr);
  g_object_set (sink, "sync", FALSE, "async", FALSE, "enable-last-sample",
      FALSE, nullptr);
  gst_bin_add (GST_BIN (pipeline), sink);
  GstPad *sinkpad = gst_element_get_static_pad (sink, "sink");
  gst_pad_link (pad, sinkpad);
  gst_object_unref (sinkpad);
  gst_element_sync_state_with_parent (sink);
}

bool
is_audio_or_video (GstCaps * caps)
{
  if (!caps || gst_caps_is_empty (caps))
    return false;
  const gchar *media =
      gst_structure_get_string (gst_caps_get_structure (caps, 0), "media");
  return media && (g_str_equal (media, "video") || g_str_equal (media, "audio"));
}

// What rtspsrc's signal handlers need; owned by the rtspsrc element.
struct RtspContext
{
  std::shared_ptr<RtpFanout> fanout;
  std::shared_ptr<HealthBoard> health;
  HealthSpec health_spec;
  std::shared_ptr<std::string> tls_problem;
  std::mutex *tls_lock;
};

// Called only when the certificate already failed validation: say why.
gboolean
on_accept_certificate (GstElement *, GTlsConnection *, GTlsCertificate *,
    GTlsCertificateFlags errors, gpointer user_data)
{
  auto *context = static_cast<RtspContext *> (user_data);
  std::string why;
  if (errors & G_TLS_CERTIFICATE_UNKNOWN_CA)
    why = "signed by an unknown authority (self-signed?)";
  else if (errors & G_TLS_CERTIFICATE_BAD_IDENTITY)
    why = "made out for another host name";
  else if (errors & (G_TLS_CERTIFICATE_EXPIRED | G_TLS_CERTIFICATE_NOT_ACTIVATED))
    why = "outside its validity dates";
  else
    why = "invalid";
  std::lock_guard<std::mutex> lk (*context->tls_lock);
  *context->tls_problem = "the camera's TLS certificate is not trusted (" + why
      + "); set source.tls-verify: false to accept it";
  return FALSE;
}

void
on_rtspsrc_pad_added (GstElement * src, GstPad * pad, gpointer user_data)
{
  auto *context = static_cast<RtspContext *> (user_data);
  GstElement *pipeline = GST_ELEMENT (gst_element_get_parent (src));
  g_autofree gchar *name = gst_pad_get_name (pad);
  unsigned stream_id = 0, ssrc = 0, pt = 0;
  GstCaps *caps = gst_pad_get_current_caps (pad);
  if (!caps)
    caps = gst_pad_query_caps (pad, nullptr);

  if (sscanf (name, "recv_rtp_src_%u_%u_%u", &stream_id, &ssrc, &pt) == 3
      && is_audio_or_video (caps)) {
    context->fanout->set_track_caps (stream_id, caps);
    GstPad *out = watch_track (GST_BIN (pipeline), pad, context->health_spec,
        *context->health);
    feed_fanout_from_pad (out, context->fanout, stream_id);
    gst_object_unref (out);
  } else {
    // Data tracks (ONVIF metadata) and anything unexpected are dropped.
    link_to_fakesink (pipeline, pad);
  }
  gst_caps_unref (caps);
  gst_object_unref (pipeline);
}

void
on_rtspsrc_no_more_pads (GstElement *, gpointer user_data)
{
  static_cast<RtspContext *> (user_data)->fanout->end_track_setup ();
}

// What tsdemux's signal handlers need for an SRT source; owned by tsdemux.
// The track layout is complete once no-more-pads came (the one count it
// holds until then) and every track reported its caps.
struct DemuxContext
{
  std::shared_ptr<RtpFanout> fanout;
  std::shared_ptr<HealthBoard> health;
  HealthSpec health_spec;
  std::shared_ptr<std::atomic<int>> missing
      = std::make_shared<std::atomic<int>> (1);
  unsigned tracks = 0;
};

void
on_demux_pad_added (GstElement * demux, GstPad * pad, gpointer user_data)
{
  auto *context = static_cast<DemuxContext *> (user_data);
  GstElement *pipeline = GST_ELEMENT (gst_element_get_parent (demux));
  if (GstPad *payloaded = add_track_chain (GST_BIN (pipeline), pad,
          GST_OBJECT_NAME (pipeline))) {
    GstPad *out = watch_track (GST_BIN (pipeline), payloaded,
        context->health_spec, *context->health);
    context->missing->fetch_add (1);
    feed_fanout_track (out, context->fanout, context->tracks++,
        context->missing);
    gst_object_unref (out);
    gst_object_unref (payloaded);
  } else {
    link_to_fakesink (pipeline, pad);
  }
  gst_object_unref (pipeline);
}

void
on_demux_no_more_pads (GstElement *, gpointer user_data)
{
  auto *context = static_cast<DemuxContext *> (user_data);
  if (context->missing->fetch_sub (1) == 1)
    context->fanout->end_track_setup ();
}

// Counts tracks whose caps are known; the layout is complete when all are.
struct TrackCapsWatch
{
  std::shared_ptr<RtpFanout> fanout;
  unsigned index;
  std::shared_ptr<std::atomic<int>> missing;
  bool seen = false;
};

GstPadProbeReturn
on_track_caps (GstPad *, GstPadProbeInfo * info, gpointer user_data)
{
  auto *tracks = static_cast<TrackCapsWatch *> (user_data);
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS) {
    GstCaps *caps;
    gst_event_parse_caps (event, &caps);
    tracks->fanout->set_track_caps (tracks->index, caps);
    if (!tracks->seen) {
      tracks->seen = true;
      if (tracks->missing->fetch_sub (1) == 1)
        tracks->fanout->end_track_setup ();
    }
  }
  return GST_PAD_PROBE_OK;
}

// Ghosts every unlinked source pad of the description's elements on `bin`:
// each is one output track (gst_parse's own ghosting only takes the first).
std::vector<GstPad *>
expose_unlinked_outputs (GstBin * bin)
{
  std::vector<GstPad *> unlinked;
  GstIterator *elements = gst_bin_iterate_sorted (bin);
  GValue item = G_VALUE_INIT;
  while (gst_iterator_next (elements, &item) == GST_ITERATOR_OK) {
    auto element = GST_ELEMENT (g_value_get_object (&item));
    GstIterator *pads = gst_element_iterate_src_pads (element);
    GValue pad_item = G_VALUE_INIT;
    while (gst_iterator_next (pads, &pad_item) == GST_ITERATOR_OK) {
      auto pad = GST_PAD (g_value_get_object (&pad_item));
      if (!gst_pad_is_linked (pad))
        unlinked.push_back (GST_PAD (gst_object_ref (pad)));
      g_value_reset (&pad_item);
    }
    g_value_unset (&pad_item);
    gst_iterator_free (pads);
    g_value_reset (&item);
  }
  g_value_unset (&item);
  gst_iterator_free (elements);

  // Sorted iteration runs sinks first: reverse to follow the description.
  std::reverse (unlinked.begin (), unlinked.end ());
  std::vector<GstPad *> ghosts;
  for (GstPad *pad : unlinked) {
    GstPad *ghost = gst_ghost_pad_new (nullptr, pad);
    gst_pad_set_active (ghost, TRUE);
    gst_element_add_pad (GST_ELEMENT (bin), ghost);
    ghosts.push_back (GST_PAD (gst_object_ref (ghost)));
    gst_object_unref (pad);
  }
  return ghosts;
}

GstElement *
on_request_jitterbuffer (GstElement *, guint, gpointer)
{
  return GST_ELEMENT (g_object_new (CAMGATE_TYPE_IN_ORDER_BUFFER, nullptr));
}

void
on_new_manager (GstElement *, GstElement * manager, gpointer)
{
  g_signal_connect (manager, "request-jitterbuffer",
      G_CALLBACK (on_request_jitterbuffer), nullptr);
}

}  // namespace

void
feed_fanout_from_pad (GstPad * pad, std::shared_ptr<RtpFanout> fanout,
    unsigned index)
{
  gst_pad_add_probe (pad, (GstPadProbeType) (GST_PAD_PROBE_TYPE_BUFFER
          | GST_PAD_PROBE_TYPE_BUFFER_LIST), on_rtp_data,
      new PadFeed { std::move (fanout), index },
      [](gpointer data) { delete static_cast<PadFeed *> (data); });
}

GstPad *
watch_track (GstBin * bin, GstPad * pad, const HealthSpec & spec,
    HealthBoard & board)
{
  GstElement *health = board.make_watch (spec);
  if (!health) {
    link_to_fakesink (GST_ELEMENT (bin), pad);
    return GST_PAD (gst_object_ref (pad));
  }
  gst_bin_add (bin, health);
  GstPad *sink = gst_element_get_static_pad (health, "sink");
  gst_pad_link (pad, sink);
  gst_object_unref (sink);
  GstPad *out = gst_element_get_static_pad (health, "src");
  link_to_fakesink (GST_ELEMENT (bin), out);
  gst_element_sync_state_with_parent (health);
  return out;
}

void
feed_fanout_track (GstPad * pad, std::shared_ptr<RtpFanout> fanout,
    unsigned index, std::shared_ptr<std::atomic<int>> tracks_missing)
{
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_track_caps,
      new TrackCapsWatch { fanout, index, std::move (tracks_missing), false },
      [](gpointer data) { delete static_cast<TrackCapsWatch *> (data); });
  feed_fanout_from_pad (pad, std::move (fanout), index);
}

std::string
SourceSession::tls_problem () const
{
  std::lock_guard<std::mutex> lk (tls_lock_);
  return tls_problem_ ? *tls_problem_ : std::string ();
}

SourceSession::~SourceSession ()
{
  if (pipeline_) {
    gst_element_set_state (pipeline_, GST_STATE_NULL);
    gst_object_unref (pipeline_);
  }
}

std::string
SourceSession::test_pattern_description ()
{
  return "videotestsrc is-live=true pattern=smpte "
      "! video/x-raw,width=640,height=360,framerate=25/1 "
      "! clockoverlay halignment=right valignment=bottom shaded-background=true "
      "time-format=\"%Y-%m-%d %H:%M:%S\" font-desc=\"Sans 20\" "
      "! videoconvert ! x264enc tune=zerolatency speed-preset=ultrafast "
      "bitrate=800 key-int-max=50 "
      "! video/x-h264,profile=constrained-baseline ! h264parse";
}

std::unique_ptr<SourceSession>
SourceSession::create (const StreamSpec & spec,
    std::shared_ptr<RtpFanout> fanout, std::shared_ptr<HealthBoard> health,
    std::string & error)
{
  std::unique_ptr<SourceSession> session (new SourceSession ());
  session->fanout_ = std::move (fanout);
  session->health_ = std::move (health);
  session->health_spec_ = spec.health;
  g_autofree gchar *name = g_strdup_printf ("source-%s", spec.name.c_str ());
  session->pipeline_ = gst_pipeline_new (name);
  gst_object_ref_sink (session->pipeline_);

  bool ok = false;
  switch (spec.source.kind) {
    case SourceKind::Rtsp:
      ok = session->build_rtsp (spec, error);
      break;
    case SourceKind::Srt:
      ok = session->build_srt (spec, error);
      break;
    case SourceKind::Test:
      ok = session->build_launch (test_pattern_description (), error);
      break;
    case SourceKind::Pipeline:
      ok = session->build_launch (spec.source.pipeline, error);
      break;
    case SourceKind::Publish:
      error = "publish streams have no source pipeline";
      break;
  }
  if (!ok)
    return nullptr;
  return session;
}

bool
SourceSession::build_rtsp (const StreamSpec & spec, std::string & error)
{
  // onvif://: onvifsrc asks the device for the RTSP URI and plays it with
  // the rtspsrc inside, which is configured as ours would be.
  const bool onvif = spec.source.uri.rfind ("onvif://", 0) == 0;
  GstElement *camera = gst_element_factory_make (onvif ? "onvifsrc"
      : "rtspsrc", "camera");
  GstElement *src = camera;
  if (camera && onvif)
    g_object_get (camera, "rtspsrc", &src, nullptr);
  else if (camera)
    gst_object_ref (src);
  if (!src) {
    error = "the rtspsrc element is missing (gstreamer1.0-plugins-good)";
    if (camera)
      gst_object_unref (gst_object_ref_sink (camera));
    return false;
  }
  int protocols = GST_RTSP_LOWER_TRANS_UDP | GST_RTSP_LOWER_TRANS_UDP_MCAST
      | GST_RTSP_LOWER_TRANS_TCP;
  if (spec.source.transport == RtspTransport::Tcp)
    protocols = GST_RTSP_LOWER_TRANS_TCP;
  else if (spec.source.transport == RtspTransport::Udp)
    protocols = GST_RTSP_LOWER_TRANS_UDP;

  // buffer-mode=none: the relay re-times packets on output, so rtspsrc's
  // clock-skew estimation would be wasted work. The jitterbuffer still
  // reorders within `latency` and passes in-order packets at once.
  if (onvif)
    g_object_set (camera, "location", spec.source.uri.c_str (), nullptr);
  else
    g_object_set (src, "location", spec.source.uri.c_str (), nullptr);
  g_object_set (src,
      "protocols", protocols,
      "latency", (guint) spec.source.latency_ms,
      "buffer-mode", 0,
      "do-retransmission", FALSE,
      "timeout", (guint64) spec.source.timeout_ms * 1000,
      "tcp-timeout", (guint64) 10 * G_USEC_PER_SEC,
      "user-agent", "camgate/" VERSION,
      nullptr);
  // Cameras mostly carry self-signed certificates: the file may say to
  // accept whatever certificate the camera presents.
  if (!spec.source.tls_verify)
    g_object_set (src, "tls-validation-flags", 0, nullptr);
  gst_bin_add (GST_BIN (pipeline_), camera);

  if (spec.source.transport == RtspTransport::Tcp || spec.source.latency_ms == 0)
    g_signal_connect (src, "new-manager", G_CALLBACK (on_new_manager), nullptr);

  // The element owns what its handlers use, for as long as it lives.
  tls_problem_ = std::make_shared<std::string> ();
  auto *context = new RtspContext { fanout_, health_, health_spec_,
    tls_problem_, &tls_lock_ };
  g_object_set_data_full (G_OBJECT (camera), "camgate-context", context,
      [](gpointer p) { delete static_cast<RtspContext *> (p); });
  g_signal_connect (camera, "pad-added", G_CALLBACK (on_rtspsrc_pad_added),
      context);
  g_signal_connect (camera, "no-more-pads",
      G_CALLBACK (on_rtspsrc_no_more_pads), context);
  if (spec.source.tls_verify)
    g_signal_connect (src, "accept-certificate",
        G_CALLBACK (on_accept_certificate), context);
  bind_camera_udp_to_route (src);
  gst_object_unref (src);
  return true;
}

// An SRT encoder in listener mode: srtsrc calls it (never retrying by
// itself: the stream's backoff does), tsdemux splits its MPEG-TS.
bool
SourceSession::build_srt (const StreamSpec & spec, std::string & error)
{
  GstElement *src = gst_element_factory_make ("srtsrc", "camera");
  GstElement *demux = gst_element_factory_make ("tsdemux", nullptr);
  if (!src || !demux) {
    error = "the srtsrc or tsdemux element is missing "
        "(gstreamer1.0-plugins-bad)";
    if (src)
      gst_object_unref (gst_object_ref_sink (src));
    if (demux)
      gst_object_unref (gst_object_ref_sink (demux));
    return false;
  }
  // The URI's query sets streamid, passphrase and latency; the file's keys
  // win over it, and camgate always calls.
  g_object_set (src, "uri", spec.source.uri.c_str (), nullptr);
  gst_util_set_object_arg (G_OBJECT (src), "mode", "caller");
  g_object_set (src, "auto-reconnect", FALSE,
      "poll-timeout", (gint) spec.source.timeout_ms, nullptr);
  if (!spec.source.passphrase.empty ())
    g_object_set (src, "passphrase", spec.source.passphrase.c_str (), nullptr);
  if (spec.source.latency_ms > 0)
    g_object_set (src, "latency", (gint) spec.source.latency_ms, nullptr);
  // tsdemux's own latency is for players; a relay passes frames on.
  g_object_set (demux, "latency", 0, nullptr);
  gst_bin_add_many (GST_BIN (pipeline_), src, demux, nullptr);
  gst_element_link (src, demux);
  auto *context = new DemuxContext { fanout_, health_, health_spec_ };
  g_object_set_data_full (G_OBJECT (demux), "camgate-context", context,
      [](gpointer p) { delete static_cast<DemuxContext *> (p); });
  g_signal_connect (demux, "pad-added", G_CALLBACK (on_demux_pad_added),
      context);
  g_signal_connect (demux, "no-more-pads", G_CALLBACK (on_demux_no_more_pads),
      context);
  return true;
}

bool
SourceSession::build_launch (const std::string & description,
    std::string & error)
{
  GError *gerror = nullptr;
  GstElement *bin = gst_parse_bin_from_description_full (description.c_str (),
      FALSE, nullptr, GST_PARSE_FLAG_FATAL_ERRORS, &gerror);
  if (!bin) {
    error = std::string ("cannot build pipeline: ")
        + (gerror ? gerror->message : "unknown error");
    g_clear_error (&gerror);
    return false;
  }
  gst_bin_add (GST_BIN (pipeline_), bin);
  std::vector<GstPad *> pads = expose_unlinked_outputs (GST_BIN (bin));

  if (pads.empty ()) {
    error = "the pipeline has no unlinked output: it must end in parsed "
        "H.264/H.265 (and optionally audio)";
    return false;
  }

  auto missing = std::make_shared<std::atomic<int>> (
      static_cast<int> (pads.size ()));
  bool ok = true;
  unsigned index = 0;
  for (GstPad *pad : pads) {
    GstCaps *caps = gst_pad_query_caps (pad, nullptr);
    const MediaCodec *codec = nullptr;
    if (caps && !gst_caps_is_empty (caps) && !gst_caps_is_any (caps))
      codec = codec_for_caps (gst_caps_get_structure (caps, 0));
    if (!codec) {
      g_autofree gchar *caps_str = caps ? gst_caps_to_string (caps) : nullptr;
      error = "pipeline output '" + std::string (GST_PAD_NAME (pad))
          + "' produces " + (caps_str ? caps_str : "unknown caps")
          + "; expected " + codec_names ();
      ok = false;
    }
    if (caps)
      gst_caps_unref (caps);
    if (!ok)
      break;

    const std::string payloader = payload_chain (*codec, codec->video ? 96 : 97);
    GstElement *pay = gst_parse_bin_from_description (payloader.c_str (), TRUE,
        nullptr);
    gst_bin_add (GST_BIN (pipeline_), pay);
    GstPad *paysink = gst_element_get_static_pad (pay, "sink");
    if (gst_pad_link (pad, paysink) != GST_PAD_LINK_OK) {
      error = "cannot link pipeline output '" + std::string (GST_PAD_NAME (pad))
          + "' to " + payloader;
      ok = false;
    }
    gst_object_unref (paysink);
    if (!ok)
      break;

    GstPad *paysrc = gst_element_get_static_pad (pay, "src");
    GstPad *out = watch_track (GST_BIN (pipeline_), paysrc, health_spec_,
        *health_);
    feed_fanout_track (out, fanout_, index, missing);
    gst_object_unref (out);
    gst_object_unref (paysrc);
    index++;
  }
  for (GstPad *pad : pads)
    gst_object_unref (pad);
  return ok;
}

}  // namespace camgate
