#include "rtsp/gop_replay.h"

#include "media/rtp_fanout.h"

#include <memory>
#include <string>
#include <vector>

GST_DEBUG_CATEGORY_STATIC (camgate_gop_replay_debug);
#define GST_CAT_DEFAULT camgate_gop_replay_debug

namespace camgate {

namespace {

// On a play media's element: where its packets come from.
struct ReplaySource
{
  std::shared_ptr<RtpFanout> fanout;
  uint64_t generation;
};
constexpr const char *kSourceKey = "camgate-gop-replay";

// On a session's media between its PLAY reply and the replay: the streams
// whose RTP-Info names a kept GOP.
struct Announced
{
  std::vector<guint> streams;
};
constexpr const char *kAnnouncedKey = "camgate-gop-announced";
// On a session's media once its first PLAY was handled.
constexpr const char *kPlayedKey = "camgate-gop-played";
// A GOP sent over UDP arrives as one burst, before the player reads: more
// than its socket buffer holds (rtspsrc asks for 512 KiB, Linux grants
// ~200 KiB unless raised) would be lost. Larger GOPs are not replayed over
// UDP; over TCP the connection carries any kept GOP.
constexpr size_t kMaxUdpReplayBytes = 192 * 1024;

void
init_debug ()
{
  static gsize done = 0;
  if (g_once_init_enter (&done)) {
    GST_DEBUG_CATEGORY_INIT (camgate_gop_replay_debug, "camgategopreplay", 0,
        "camgate GOP replay to RTSP viewers joining a running stream");
    g_once_init_leave (&done, 1);
  }
}

const ReplaySource *
replay_source (GstRTSPMedia * media)
{
  GstElement *element = gst_rtsp_media_get_element (media);
  if (!element)
    return nullptr;
  auto *source = static_cast<const ReplaySource *> (g_object_get_data
      (G_OBJECT (element), kSourceKey));
  gst_object_unref (element);      // the media keeps it, and so the source
  return source;
}

size_t
bytes_of (const GopCache::Snapshot & gop)
{
  size_t bytes = 0;
  for (auto *frame : gop.frames ())
    bytes += gst_buffer_list_calculate_size (frame);
  return bytes;
}

// Plain RTP to one viewer: interleaved, or unicast UDP while it is small.
bool
replayable (GstRTSPStreamTransport * trans, const GopCache::Snapshot & gop)
{
  const GstRTSPTransport *t = gst_rtsp_stream_transport_get_transport (trans);
  if (!t || (t->profile & (GST_RTSP_PROFILE_SAVP | GST_RTSP_PROFILE_SAVPF)))
    return false;
  if (t->lower_transport == GST_RTSP_LOWER_TRANS_TCP)
    return true;
  return t->lower_transport == GST_RTSP_LOWER_TRANS_UDP && t->destination
      && t->client_port.min > 0 && bytes_of (gop) <= kMaxUdpReplayBytes;
}

// Rewrites the seq and rtptime of `trans`'s entry in an RTP-Info value
// ("url=<url>;seq=<n>;rtptime=<n>, url=..."), found by the transport's URL
// as gst-rtsp-server wrote it. False when there is no such entry.
bool
point_rtp_info_at (std::string & rtp_info, GstRTSPStreamTransport * trans,
    uint16_t seq, uint32_t rtptime)
{
  const GstRTSPUrl *url = gst_rtsp_stream_transport_get_url (trans);
  if (!url)
    return false;
  g_autofree gchar *uri = gst_rtsp_url_get_request_uri (url);
  const std::string entry = std::string ("url=") + uri + ";";
  size_t start = std::string::npos;
  for (size_t at = rtp_info.find (entry); at != std::string::npos;
      at = rtp_info.find (entry, at + 1)) {
    // The whole URL, not the end of a longer one.
    if (at == 0 || rtp_info[at - 1] == ',' || rtp_info[at - 1] == ' ') {
      start = at + entry.size () - 1;
      break;
    }
  }
  if (start == std::string::npos)
    return false;
  size_t end = rtp_info.find (',', start);
  if (end == std::string::npos)
    end = rtp_info.size ();
  g_autofree gchar *params = g_strdup_printf (";seq=%u;rtptime=%u",
      static_cast<guint> (seq), static_cast<guint> (rtptime));
  rtp_info.replace (start, end - start, params);
  return true;
}

// The packets from the stream's own RTP socket to the viewer's RTP port.
size_t
send_over_udp (GstRTSPStreamTransport * trans, const GopCache::Snapshot & gop)
{
  const GstRTSPTransport *t = gst_rtsp_stream_transport_get_transport (trans);
  GInetAddress *ip = g_inet_address_new_from_string (t->destination);
  if (!ip)
    return 0;
  GSocket *socket = gst_rtsp_stream_get_rtp_socket
      (gst_rtsp_stream_transport_get_stream (trans),
      g_inet_address_get_family (ip));
  GSocketAddress *to = g_inet_socket_address_new (ip, t->client_port.min);
  g_object_unref (ip);
  size_t sent = 0;
  bool failed = socket == nullptr;
  for (auto *frame : gop.frames ()) {
    for (guint i = 0; !failed && i < gst_buffer_list_length (frame); i++) {
      GstMapInfo map;
      GstBuffer *packet = gst_buffer_list_get (frame, i);
      if (!gst_buffer_map (packet, &map, GST_MAP_READ))
        continue;
      GError *error = nullptr;
      failed = g_socket_send_to (socket, to, reinterpret_cast<const gchar *>
          (map.data), map.size, nullptr, &error) < 0;
      gst_buffer_unmap (packet, &map);
      if (failed) {
        GST_INFO ("replay stopped: %s", error->message);
        g_error_free (error);
      } else {
        sent++;
      }
    }
  }
  g_object_unref (to);
  if (socket)
    g_object_unref (socket);
  return sent;
}

// The frames interleaved on the viewer's connection, behind whatever it
// already queued; stops when the connection's send queue is full.
size_t
send_interleaved (GstRTSPStreamTransport * trans,
    const GopCache::Snapshot & gop)
{
  size_t sent = 0;
  for (auto *frame : gop.frames ()) {
    if (!gst_rtsp_stream_transport_send_rtp_list (trans, frame)) {
      GST_INFO ("replay stopped: the viewer's connection is full");
      break;
    }
    sent += gst_buffer_list_length (frame);
  }
  return sent;
}

}  // namespace

void
offer_gop_replay (GstElement * media_element,
    std::shared_ptr<RtpFanout> fanout, uint64_t generation)
{
  init_debug ();
  g_object_set_data_full (G_OBJECT (media_element), kSourceKey,
      new ReplaySource { std::move (fanout), generation },
      [](gpointer p) { delete static_cast<ReplaySource *> (p); });
}

void
announce_gop_replay (GstRTSPContext * ctx)
{
  if (!ctx->media || !ctx->sessmedia || !ctx->response)
    return;
  GObject *session_media = G_OBJECT (ctx->sessmedia);
  // A PLAY that resumes after PAUSE continues where the viewer was.
  if (g_object_get_data (session_media, kPlayedKey))
    return;
  g_object_set_data (session_media, kPlayedKey, GINT_TO_POINTER (TRUE));
  const ReplaySource *source = replay_source (ctx->media);
  gchar *value = nullptr;
  if (!source || gst_rtsp_message_get_header (ctx->response,
          GST_RTSP_HDR_RTP_INFO, &value, 0) != GST_RTSP_OK)
    return;
  std::string rtp_info = value;
  auto announced = std::make_unique<Announced> ();
  const guint streams = gst_rtsp_media_n_streams (ctx->media);
  for (guint i = 0; i < streams; i++) {
    GstRTSPStreamTransport *trans =
        gst_rtsp_session_media_get_transport (ctx->sessmedia, i);
    if (!trans)
      continue;
    const auto gop = source->fanout->gop (source->generation, i);
    uint16_t seq = 0;
    uint32_t rtptime = 0;
    if (gop.first_packet (seq, rtptime) && replayable (trans, gop)
        && point_rtp_info_at (rtp_info, trans, seq, rtptime))
      announced->streams.push_back (i);
  }
  if (announced->streams.empty ())
    return;
  GST_DEBUG ("RTP-Info for a replay: %s", rtp_info.c_str ());
  gst_rtsp_message_remove_header (ctx->response, GST_RTSP_HDR_RTP_INFO, -1);
  gst_rtsp_message_add_header (ctx->response, GST_RTSP_HDR_RTP_INFO,
      rtp_info.c_str ());
  g_object_set_data_full (session_media, kAnnouncedKey, announced.release (),
      [](gpointer p) { delete static_cast<Announced *> (p); });
}

void
send_gop_replay (GstRTSPContext * ctx)
{
  if (!ctx->media || !ctx->sessmedia)
    return;
  std::unique_ptr<Announced> announced (static_cast<Announced *>
      (g_object_steal_data (G_OBJECT (ctx->sessmedia), kAnnouncedKey)));
  const ReplaySource *source = replay_source (ctx->media);
  if (!announced || !source)
    return;
  for (guint i : announced->streams) {
    GstRTSPStreamTransport *trans =
        gst_rtsp_session_media_get_transport (ctx->sessmedia, i);
    if (!trans)
      continue;
    // Taken now, after the viewer's transport joined the live packets: the
    // kept frames reach up to them (some twice), with no hole between.
    const auto gop = source->fanout->gop (source->generation, i);
    const GstRTSPTransport *t = gst_rtsp_stream_transport_get_transport (trans);
    const size_t sent = t->lower_transport == GST_RTSP_LOWER_TRANS_TCP
        ? send_interleaved (trans, gop) : send_over_udp (trans, gop);
    GST_INFO ("stream %u: replayed %zu of %zu kept packets (%zu frames)", i,
        sent, gop.packets (), gop.frames ().size ());
  }
}

}  // namespace camgate
