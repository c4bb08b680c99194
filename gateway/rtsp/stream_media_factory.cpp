#include "rtsp/stream_media_factory.h"

#include "rtsp/gateway_server.h"
#include "rtsp/gop_replay.h"
#include "rtsp/record_guard.h"
#include "rtsp/relay_src.h"
#include "service/stream_log.h"

#include <gst/app/gstappsrc.h>
#include <gst/sdp/gstsdpmessage.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>

using camgate::log_stream;
using camgate::MountTarget;
using camgate::RtpFanout;

struct CamgateStreamMediaFactoryPrivate
{
  std::shared_ptr<MountTarget> target;

  // The shared play media built last for each key. A client that only
  // DESCRIBEd unprepares the shared media when it leaves; a request arriving
  // then must not be handed that media (gst-rtsp-server before 1.23.1 does,
  // commit 55c961a4dc, and even after it the media can still be unprepared
  // between the lookup and the new client's prepare): the request failed
  // with 503. gen_key holds the media prepared for the request (see
  // camgate_rtsp_client_hold_prepared), or, when it is already going, moves
  // its key on to a new epoch so that a fresh media is built.
  struct Cached
  {
    Cached () { g_weak_ref_init (&media, nullptr); }
    ~Cached () { g_weak_ref_clear (&media); }
    GWeakRef media;
    unsigned epoch = 0;
  };
  std::mutex lock;
  std::map<std::string, std::unique_ptr<Cached>> cached;
};

struct _CamgateStreamMediaFactory
{
  GstRTSPMediaFactory parent;
  CamgateStreamMediaFactoryPrivate *priv;
};

GST_DEBUG_CATEGORY_STATIC (camgate_stream_media_factory_debug);

G_DEFINE_TYPE_WITH_CODE (CamgateStreamMediaFactory, camgate_stream_media_factory, GST_TYPE_RTSP_MEDIA_FACTORY,
    GST_DEBUG_CATEGORY_INIT (camgate_stream_media_factory_debug, "camgatemediafactory", 0,
        "camgate RTSP media factory (play and RECORD medias of a stream)"));
#define GST_CAT_DEFAULT camgate_stream_media_factory_debug

namespace {

const char *kOutputIdKey = "camgate-output-id";
// The play key gen_key made last on this thread, for construct (gst-rtsp-
// server calls both for one request on one thread).
thread_local std::string last_play_key;
const char *kPublishKey = "camgate-publish";
// Set on a media once it has been prepared: "unprepared" again then means
// finished, not yet to be prepared.
const char *kWasPreparedKey = "camgate-was-prepared";
// What the queue before a viewer's sink holds before it drops the oldest:
// a keyframe's burst and more, for a TCP viewer's sending thread to catch up.
constexpr guint kViewerBranchBytes = 1024 * 1024;

// The RTSP method being handled on this thread, if any.
GstRTSPMethod
current_method ()
{
  GstRTSPContext *ctx = gst_rtsp_context_get_current ();
  if (!ctx || !ctx->request)
    return GST_RTSP_INVALID;
  GstRTSPMethod method = GST_RTSP_INVALID;
  const gchar *uri = nullptr;
  GstRTSPVersion version;
  if (gst_rtsp_message_parse_request (ctx->request, &method, &uri, &version)
      != GST_RTSP_OK)
    return GST_RTSP_INVALID;
  return method;
}

// The payload types of each media section in the SDP of the ANNOUNCE being
// handled (empty when there is none).
std::vector<std::vector<guint>>
announced_payload_types ()
{
  std::vector<std::vector<guint>> tracks;
  GstRTSPContext *ctx = gst_rtsp_context_get_current ();
  if (!ctx || !ctx->request)
    return tracks;
  guint8 *data = nullptr;
  guint size = 0;
  if (gst_rtsp_message_get_body (ctx->request, &data, &size) != GST_RTSP_OK
      || size == 0)
    return tracks;
  GstSDPMessage *sdp = nullptr;
  gst_sdp_message_new (&sdp);
  if (gst_sdp_message_parse_buffer (data, size, sdp) == GST_SDP_OK) {
    for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++) {
      const GstSDPMedia *media = gst_sdp_message_get_media (sdp, i);
      std::vector<guint> pts;
      for (guint f = 0; f < gst_sdp_media_formats_len (media); f++) {
        const gchar *format = gst_sdp_media_get_format (media, f);
        guint64 pt = 0;
        if (g_ascii_string_to_unsigned (format, 10, 0, 127, &pt, nullptr))
          pts.push_back (static_cast<guint> (pt));
      }
      tracks.push_back (pts);
    }
  }
  gst_sdp_message_free (sdp);
  return tracks;
}

// Why a request for a media must be refused (GST_RTSP_STS_OK: it need not).
// Checked before gst-rtsp-server builds anything, so a refusal is a clear
// status code and a log line rather than a failed construction.
GstRTSPStatusCode
refusal (MountTarget & target, bool announce)
{
  if (announce) {
    if (!target.publish) {
      log_stream (G_LOG_LEVEL_MESSAGE, target.name, "refusing a publisher: the "
          "stream's source is not 'publish'");
      return GST_RTSP_STS_METHOD_NOT_ALLOWED;
    }
    if (announced_payload_types ().empty ()) {
      log_stream (G_LOG_LEVEL_MESSAGE, target.name, "refusing a publisher: its "
          "SDP has no media");
      return GST_RTSP_STS_BAD_REQUEST;
    }
    if (target.publish_slot->taken ()) {
      log_stream (G_LOG_LEVEL_MESSAGE, target.name, "refusing a second "
          "publisher");
      return GST_RTSP_STS_SERVICE_UNAVAILABLE;
    }
    return GST_RTSP_STS_OK;
  }
  if (!target.play)
    return GST_RTSP_STS_NOT_FOUND;
  // In a cluster, to the node that owns the stream, same path and query.
  const std::string owner = target.redirect ? target.redirect () : "";
  GstRTSPContext *ctx = gst_rtsp_context_get_current ();
  if (!owner.empty () && ctx && ctx->uri) {
    std::string location = owner + (ctx->uri->abspath ? ctx->uri->abspath
        : "/");
    if (ctx->uri->query)
      location += std::string ("?") + ctx->uri->query;
    camgate_rtsp_redirect_request (location.c_str ());
    return GST_RTSP_STS_MOVE_TEMPORARILY;
  }
  if (!target.fanout->session_active ()) {
    log_stream (G_LOG_LEVEL_MESSAGE, target.name, "no data from the source "
        "yet, refusing a viewer");
    return GST_RTSP_STS_SERVICE_UNAVAILABLE;
  }
  return GST_RTSP_STS_OK;
}

// A player's request for a source that starts on demand: it counts as a
// reader at once (the source starts on the main loop's next tick), and the
// request waits until data flows or start_wait_ms passed.
void
await_source (MountTarget & target)
{
  if (target.start_wait_ms == 0 || target.fanout->session_active ()
      || (target.redirect && !target.redirect ().empty ()))
    return;
  target.readers->lease ().reset ();
  const gint64 deadline = g_get_monotonic_time ()
      + target.start_wait_ms * (gint64) 1000;
  while (!target.fanout->session_active ()
      && g_get_monotonic_time () < deadline)
    g_usleep (20 * 1000);
}

GstElement *
build_play_element (MountTarget & target)
{
  auto layout = target.play ? target.fanout->layout () : std::nullopt;
  if (!layout) {
    log_stream (G_LOG_LEVEL_MESSAGE, target.name, "the source went away while "
        "a viewer connected, refusing it");
    camgate_rtsp_refuse_request (GST_RTSP_STS_SERVICE_UNAVAILABLE);
    return nullptr;
  }
  GstElement *bin = gst_bin_new (nullptr);
  std::vector<GstAppSrc *> srcs;
  for (size_t i = 0; i < layout->caps.size (); i++) {
    g_autofree gchar *name = g_strdup_printf ("pay%zu", i);
    // The media's rtpsession learns a sender's clock rate only from caps
    // that name its SSRC: without it, it sent viewers no sender report.
    GstCaps *caps = gst_caps_copy (layout->caps[i]);
    gst_caps_set_simple (caps, "ssrc", G_TYPE_UINT, layout->ssrcs[i], nullptr);
    GstElement *src = camgate_relay_src_new (name, caps);
    gst_caps_unref (caps);
    gst_bin_add (GST_BIN (bin), src);
    srcs.push_back (GST_APP_SRC (src));
  }
  uint64_t id = target.fanout->attach (layout->generation, srcs);
  camgate::offer_gop_replay (bin, target.fanout, layout->generation);
  layout->release ();
  if (id == 0) {
    log_stream (G_LOG_LEVEL_MESSAGE, target.name, "the source's tracks changed "
        "while a viewer connected, refusing it");
    camgate_rtsp_refuse_request (GST_RTSP_STS_SERVICE_UNAVAILABLE);
    gst_object_unref (gst_object_ref_sink (bin));
    return nullptr;
  }
  g_object_set_data_full (G_OBJECT (bin), kOutputIdKey, new uint64_t (id),
      [](gpointer p) { delete static_cast<uint64_t *> (p); });
  return bin;
}

GstElement *
build_record_element (MountTarget & target)
{
  auto tracks = static_cast<guint> (announced_payload_types ().size ());
  // The client whose ANNOUNCE builds this media: its address for the API.
  GstRTSPContext *context = gst_rtsp_context_get_current ();
  const gchar *ip = context && context->conn
      ? gst_rtsp_connection_get_ip (context->conn) : nullptr;
  auto lease = target.publish && tracks > 0
      ? target.publish_slot->claim ("RTSP", ip ? ip : "") : nullptr;
  if (!lease) {
    // Two publishers racing past refusal(): the loser lands here.
    camgate_rtsp_refuse_request (GST_RTSP_STS_SERVICE_UNAVAILABLE);
    return nullptr;
  }
  // One "depayN" per announced track: an identity whose output goes through
  // streamhealth to the fanout as RTP, so nothing is depayloaded here either.
  GstElement *bin = gst_bin_new (nullptr);
  lease->begin (tracks);
  for (guint i = 0; i < tracks; i++) {
    g_autofree gchar *name = g_strdup_printf ("depay%u", i);
    GstElement *entry = gst_element_factory_make ("identity", name);
    gst_bin_add (GST_BIN (bin), entry);
    GstPad *pad = gst_element_get_static_pad (entry, "src");
    lease->add_track (GST_BIN (bin), pad);
    gst_object_unref (pad);
  }
  // The media's element holds the lease: it ends when the media is
  // unprepared, or at the latest when the element goes.
  g_object_set_data_full (G_OBJECT (bin), kPublishKey, lease.release (),
      [](gpointer lease) { delete static_cast<camgate::PublisherLease *> (lease); });
  return bin;
}

// The sinks gst-rtsp-server adds to a play media as viewers SETUP (an
// appsink per track for TCP viewers, a multiudpsink for UDP ones, and a
// queue before each once both kinds share a track's tee):
// - A TCP viewer's appsink holds one packet, emptied by gst-rtsp-server's
//   sending thread only while one TCP viewer of the media can take more. When
//   none can (one that stops reading fills its backlog), that appsink blocks
//   what feeds it. Behind a leaky queue only that branch waits, and the tee,
//   so every UDP viewer, goes on. (Dropping in the appsink itself instead
//   confuses the sending thread: it counts one packet per arrival, so after a
//   drop it waits, holding the stream's lock, for a packet more than there
//   is; when the last viewer then left, nothing came and the TEARDOWN waited
//   on that lock for good.) Alone on a tee, a stalled appsink holds up only
//   its own media, whose source queue drops old packets.
// - A UDP viewer's RTP sink added to the running pipeline prerolled
//   asynchronously, and the pipeline lost its state for it: now and then
//   under load a sink (a TCP viewer's appsink) then stayed PAUSED and its
//   track's RTP and RTCP threads waited on it for good (viewers got no
//   sender report for the rest of their session). A UDP sink of a live
//   relay has nothing to preroll: it goes to the pipeline's state at once.
//   (Not the appsinks: made synchronous, a TEARDOWN could wait forever on
//   gst-rtsp-server's TCP sending thread.)
void
on_sender_element_added (GstBin * pipeline, GstBin * parent,
    GstElement * element, gpointer)
{
  if (parent != pipeline)
    return;     // inside the media's own element, not a viewer's branch
  const gchar *type = G_OBJECT_TYPE_NAME (element);
  if (g_str_equal (type, "GstQueue"))
    g_object_set (element, "leaky", 2 /* downstream: drop old */ ,
        "max-size-buffers", 0, "max-size-time", (guint64) 0,
        "max-size-bytes", kViewerBranchBytes, nullptr);
  else if (g_str_equal (type, "GstMultiUDPSink"))
    g_object_set (element, "async", FALSE, nullptr);
}

void
on_media_unprepared (GstRTSPMedia * media, gpointer user_data)
{
  auto *target = static_cast<std::shared_ptr<MountTarget> *> (user_data);
  GstElement *element = gst_rtsp_media_get_element (media);
  if (auto *lease = static_cast<camgate::PublisherLease *> (g_object_steal_data (
              G_OBJECT (element), kPublishKey))) {
    delete lease;
  } else if (auto *id = static_cast<uint64_t *> (g_object_get_data (
              G_OBJECT (element), kOutputIdKey))) {
    (*target)->fanout->detach (*id);
  }
  gst_object_unref (element);
}

}  // namespace

static gchar *
camgate_stream_media_factory_gen_key (GstRTSPMediaFactory * factory,
    const GstRTSPUrl * url)
{
  auto self = CAMGATE_STREAM_MEDIA_FACTORY (factory);
  static std::atomic<guint64> publish_counter { 0 };
  // Publish medias are never shared; play medias are shared per layout
  // generation, so a camera that comes back with new codec settings gets a
  // new media (and SDP) for new viewers.
  if (current_method () == GST_RTSP_ANNOUNCE)
    return g_strdup_printf ("publish-%" G_GUINT64_FORMAT, ++publish_counter);
  // Before the key: it names the layout the source delivers once started.
  await_source (*self->priv->target);
  auto layout = self->priv->target->fanout->layout ();
  guint64 generation = layout ? layout->generation : 0;
  if (layout)
    layout->release ();
  gchar *base = g_strdup_printf ("%s#%" G_GUINT64_FORMAT, url->abspath,
      generation);
  last_play_key = base;
  g_free (base);

  auto *priv = self->priv;
  std::lock_guard<std::mutex> lk (priv->lock);
  auto & entry = priv->cached[last_play_key];
  if (!entry)
    entry = std::make_unique<CamgateStreamMediaFactoryPrivate::Cached> ();
  if (auto *media = static_cast<GstRTSPMedia *> (g_weak_ref_get (
              &entry->media))) {
    // One not prepared yet is shared: its first client prepares it. One
    // that is unprepared again is still in gst-rtsp-server's cache until it
    // has told everyone, and cannot be prepared again.
    GstRTSPMediaStatus status = gst_rtsp_media_get_status (media);
    GstRTSPContext *ctx = gst_rtsp_context_get_current ();
    bool going = status == GST_RTSP_MEDIA_STATUS_UNPREPARING
        || status == GST_RTSP_MEDIA_STATUS_ERROR
        || (status == GST_RTSP_MEDIA_STATUS_UNPREPARED
            && g_object_get_data (G_OBJECT (media), kWasPreparedKey));
    if (!going && (status == GST_RTSP_MEDIA_STATUS_PREPARED
            || status == GST_RTSP_MEDIA_STATUS_SUSPENDED))
      going = !ctx || !camgate_rtsp_client_hold_prepared (ctx->client, media);
    if (going) {
      entry->epoch++;
      g_weak_ref_set (&entry->media, nullptr);
    }
    g_object_unref (media);
  }
  return g_strdup_printf ("%s.%u", last_play_key.c_str (), entry->epoch);
}

static GstRTSPMedia *
camgate_stream_media_factory_construct (GstRTSPMediaFactory * factory,
    const GstRTSPUrl * url)
{
  auto self = CAMGATE_STREAM_MEDIA_FACTORY (factory);
  GstRTSPStatusCode status = refusal (*self->priv->target,
      current_method () == GST_RTSP_ANNOUNCE);
  if (status == GST_RTSP_STS_MOVE_TEMPORARILY)
    return nullptr;                // the redirect is recorded already
  if (status != GST_RTSP_STS_OK) {
    camgate_rtsp_refuse_request (status);
    return nullptr;
  }
  GstRTSPMedia *media = GST_RTSP_MEDIA_FACTORY_CLASS
      (camgate_stream_media_factory_parent_class)->construct (factory, url);
  if (media && current_method () != GST_RTSP_ANNOUNCE) {
    auto *priv = self->priv;
    std::lock_guard<std::mutex> lk (priv->lock);
    // Keys of earlier camera layouts whose media is gone go too.
    for (auto it = priv->cached.begin (); it != priv->cached.end ();) {
      GObject *alive = static_cast<GObject *> (g_weak_ref_get (
              &it->second->media));
      if (alive)
        g_object_unref (alive);
      if (!alive && it->first != last_play_key)
        it = priv->cached.erase (it);
      else
        ++it;
    }
    auto & entry = priv->cached[last_play_key];
    if (!entry)
      entry = std::make_unique<CamgateStreamMediaFactoryPrivate::Cached> ();
    g_weak_ref_set (&entry->media, media);
  }
  return media;
}

static GstElement *
camgate_stream_media_factory_create_element (GstRTSPMediaFactory * factory,
    const GstRTSPUrl *)
{
  auto self = CAMGATE_STREAM_MEDIA_FACTORY (factory);
  const bool record = current_method () == GST_RTSP_ANNOUNCE;
  GST_DEBUG_OBJECT (self, "building a %s media for stream %s",
      record ? "RECORD" : "play", self->priv->target->name.c_str ());
  return record ? build_record_element (*self->priv->target)
      : build_play_element (*self->priv->target);
}

static void
camgate_stream_media_factory_configure (GstRTSPMediaFactory * factory,
    GstRTSPMedia * media)
{
  auto self = CAMGATE_STREAM_MEDIA_FACTORY (factory);
  GST_RTSP_MEDIA_FACTORY_CLASS (camgate_stream_media_factory_parent_class)
      ->configure (factory, media);

  GstElement *element = gst_rtsp_media_get_element (media);
  bool publish = g_object_get_data (G_OBJECT (element), kPublishKey) != nullptr;
  if (publish) {
    gst_rtsp_media_set_transport_mode (media, GST_RTSP_TRANSPORT_MODE_RECORD);
    gst_rtsp_media_set_shared (media, FALSE);
    gst_rtsp_media_set_latency (media, self->priv->target->publish_latency_ms);
    camgate::guard_record_media (media, self->priv->target->name,
        announced_payload_types ());
  } else {
    gst_rtsp_media_set_transport_mode (media, GST_RTSP_TRANSPORT_MODE_PLAY);
    // The camera paces the packets: send each one on as it comes instead of
    // holding it in the sink until the clock reaches its time.
    gst_rtsp_media_set_rate_control (media, FALSE);
    g_signal_connect (media, "prepared", G_CALLBACK (+[](GstRTSPMedia * m) {
          g_object_set_data (G_OBJECT (m), kWasPreparedKey,
              GINT_TO_POINTER (TRUE));
        }), nullptr);
    // The sinks are added to the media's pipeline, the element's parent,
    // as viewers SETUP.
    if (GstObject *pipeline = gst_object_get_parent (GST_OBJECT (element))) {
      g_signal_connect (pipeline, "deep-element-added",
          G_CALLBACK (on_sender_element_added), nullptr);
      gst_object_unref (pipeline);
    }
  }
  gst_object_unref (element);
  g_signal_connect_data (media, "unprepared",
      G_CALLBACK (on_media_unprepared),
      new std::shared_ptr<MountTarget> (self->priv->target),
      [](gpointer p, GClosure *) {
        delete static_cast<std::shared_ptr<MountTarget> *> (p);
      }, (GConnectFlags) 0);
}

static void
camgate_stream_media_factory_finalize (GObject * object)
{
  auto self = CAMGATE_STREAM_MEDIA_FACTORY (object);
  delete self->priv;
  G_OBJECT_CLASS (camgate_stream_media_factory_parent_class)->finalize (object);
}

static void
camgate_stream_media_factory_class_init (CamgateStreamMediaFactoryClass * klass)
{
  auto object_class = G_OBJECT_CLASS (klass);
  auto factory_class = GST_RTSP_MEDIA_FACTORY_CLASS (klass);
  object_class->finalize = camgate_stream_media_factory_finalize;
  factory_class->gen_key = camgate_stream_media_factory_gen_key;
  factory_class->construct = camgate_stream_media_factory_construct;
  factory_class->create_element = camgate_stream_media_factory_create_element;
  factory_class->configure = camgate_stream_media_factory_configure;
}

static void
camgate_stream_media_factory_init (CamgateStreamMediaFactory * self)
{
  self->priv = new CamgateStreamMediaFactoryPrivate ();
}

GstRTSPMediaFactory *
camgate_stream_media_factory_new (std::shared_ptr<MountTarget> target)
{
  auto self = CAMGATE_STREAM_MEDIA_FACTORY (g_object_new (
          CAMGATE_TYPE_STREAM_MEDIA_FACTORY, nullptr));
  self->priv->target = std::move (target);
  auto factory = GST_RTSP_MEDIA_FACTORY (self);
  gst_rtsp_media_factory_set_shared (factory, TRUE);
  gst_rtsp_media_factory_set_transport_mode (factory,
      (GstRTSPTransportMode) (GST_RTSP_TRANSPORT_MODE_PLAY
          | GST_RTSP_TRANSPORT_MODE_RECORD));
  // Relayed packets are already paced by the camera: nothing to buffer.
  gst_rtsp_media_factory_set_latency (factory, 0);
  return factory;
}

std::shared_ptr<MountTarget>
camgate_stream_media_factory_get_target (CamgateStreamMediaFactory * factory)
{
  return factory->priv->target;
}
