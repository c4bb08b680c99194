#include "record_guard.h"

#include "service/stream_log.h"

#include <gst/rtp/gstrtcpbuffer.h>
#include <gst/rtp/gstrtpbuffer.h>

#include <algorithm>
#include <atomic>
#include <memory>

namespace camgate {

namespace {

// Where a track's packets are: the highest sequence number and the
// timestamp of the newest packet accepted, and a packet that jumped away
// from both, which the next packet may confirm. Used by the RTP thread only.
struct SequenceState
{
  bool started = false;
  guint16 highest = 0;
  guint32 timestamp = 0;
  bool jumped = false;
  guint16 jump_seq = 0;
  guint32 jump_timestamp = 0;
};

// One announced track: the payload type it may carry and, from its first
// valid packet on, the sender it belongs to.
struct TrackGuard
{
  std::string stream;
  guint index = 0;
  std::vector<guint> payload_types;
  // The sender's SSRC, bit 32 set once locked (read by the RTCP thread).
  std::atomic<guint64> sender { 0 };
  std::atomic<bool> reported { false };
  SequenceState sequence;
};

// RFC 3550 A.1's window: up to 3000 packets ahead, 100 behind. Timestamps
// within 10 s at 90 kHz (longer for audio clocks) of the newest packet.
constexpr guint16 kMaxDropout = 3000;
constexpr guint16 kMaxMisorder = 100;
constexpr gint64 kMaxTimestampJump = 900000;

bool
near_timestamp (guint32 timestamp, guint32 reference)
{
  const gint64 difference = static_cast<gint32> (timestamp - reference);
  return difference <= kMaxTimestampJump && difference >= -kMaxTimestampJump;
}

// A packet far from the stream's sequence numbers or timestamps is only
// taken when the next one follows on from it (RFC 3550 A.1's probation), so
// a publisher that restarts its numbering loses one packet, while packets of
// random numbering (noise that keeps the SSRC and payload type) never reach
// the jitterbuffer, which would stall waiting on their far-off times.
bool
in_sequence (SequenceState & state, guint16 seq, guint32 timestamp)
{
  if (!state.started) {
    state = SequenceState { true, seq, timestamp };
    return true;
  }
  const guint16 ahead = seq - state.highest;
  const guint16 behind = state.highest - seq;
  if ((ahead < kMaxDropout || behind <= kMaxMisorder)
      && near_timestamp (timestamp, state.timestamp)) {
    if (ahead > 0 && ahead < kMaxDropout) {
      state.highest = seq;
      state.timestamp = timestamp;
    }
    return true;
  }
  if (state.jumped && seq == static_cast<guint16> (state.jump_seq + 1)
      && near_timestamp (timestamp, state.jump_timestamp)) {
    state = SequenceState { true, seq, timestamp };
    return true;
  }
  state.jumped = true;
  state.jump_seq = seq;
  state.jump_timestamp = timestamp;
  return false;
}

bool
acceptable (TrackGuard & guard, GstBuffer * buffer)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  // Validates version 2, header, CSRC list, extension and padding lengths.
  if (!gst_rtp_buffer_map (buffer, GST_MAP_READ, &rtp))
    return false;
  const guint pt = gst_rtp_buffer_get_payload_type (&rtp);
  const guint32 ssrc = gst_rtp_buffer_get_ssrc (&rtp);
  const guint16 seq = gst_rtp_buffer_get_seq (&rtp);
  const guint32 timestamp = gst_rtp_buffer_get_timestamp (&rtp);
  const bool has_payload = gst_rtp_buffer_get_payload_len (&rtp) > 0;
  gst_rtp_buffer_unmap (&rtp);
  if (!has_payload || std::find (guard.payload_types.begin (),
          guard.payload_types.end (), pt) == guard.payload_types.end ())
    return false;
  // The first valid packet names the sender; RTP arrives on one thread.
  guint64 sender = guard.sender.load ();
  if (!sender) {
    sender = (G_GUINT64_CONSTANT (1) << 32) | ssrc;
    guard.sender = sender;
  }
  return ssrc == static_cast<guint32> (sender)
      && in_sequence (guard.sequence, seq, timestamp);
}

// RTCP from the publisher: a valid compound packet, no BYE (which would
// make rtpbin drop the sender and rebuild its receive path for the next
// packet), and sender reports only from the locked sender.
bool
acceptable_rtcp (TrackGuard & guard, GstBuffer * buffer)
{
  if (!gst_rtcp_buffer_validate (buffer))
    return false;
  const guint64 sender = guard.sender.load ();
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  if (!sender || !gst_rtcp_buffer_map (buffer, GST_MAP_READ, &rtcp))
    return false;
  bool ok = true;
  GstRTCPPacket packet;
  for (gboolean more = gst_rtcp_buffer_get_first_packet (&rtcp, &packet);
      more && ok; more = gst_rtcp_packet_move_to_next (&packet)) {
    const GstRTCPType type = gst_rtcp_packet_get_type (&packet);
    if (type == GST_RTCP_TYPE_BYE) {
      ok = false;
    } else if (type == GST_RTCP_TYPE_SR) {
      guint32 ssrc = 0;
      gst_rtcp_packet_sr_get_sender_info (&packet, &ssrc, nullptr, nullptr,
          nullptr, nullptr);
      ok = ssrc == static_cast<guint32> (sender);
    }
  }
  gst_rtcp_buffer_unmap (&rtcp);
  return ok;
}

gboolean
drop_unacceptable (GstBuffer ** buffer, guint, gpointer guard)
{
  if (!acceptable (*static_cast<TrackGuard *> (guard), *buffer))
    gst_clear_buffer (buffer);
  return TRUE;
}

void
report (TrackGuard & guard)
{
  if (!guard.reported.exchange (true))
    log_stream (G_LOG_LEVEL_MESSAGE, guard.stream, "dropping RTP packets on "
        "track %u that do not match the announced stream (malformed, another "
        "payload type or another sender)", guard.index);
}

GstPadProbeReturn
filter_rtcp (GstPad *, GstPadProbeInfo * info, gpointer data)
{
  auto & guard = **static_cast<std::shared_ptr<TrackGuard> *> (data);
  // TCP and UDP deliver RTCP one compound packet at a time.
  if ((info->type & GST_PAD_PROBE_TYPE_BUFFER)
      && acceptable_rtcp (guard, GST_PAD_PROBE_INFO_BUFFER (info)))
    return GST_PAD_PROBE_OK;
  return GST_PAD_PROBE_DROP;
}

GstPadProbeReturn
filter_packets (GstPad *, GstPadProbeInfo * info, gpointer data)
{
  auto *guard = static_cast<std::shared_ptr<TrackGuard> *> (data)->get ();
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    if (acceptable (*guard, GST_PAD_PROBE_INFO_BUFFER (info)))
      return GST_PAD_PROBE_OK;
    report (*guard);
    return GST_PAD_PROBE_DROP;
  }
  GstBufferList *list = GST_PAD_PROBE_INFO_BUFFER_LIST (info);
  bool all = true;
  for (guint i = 0; i < gst_buffer_list_length (list) && all; i++)
    all = acceptable (*guard, gst_buffer_list_get (list, i));
  if (all)
    return GST_PAD_PROBE_OK;
  // Rare (TCP delivers single buffers): keep only the acceptable ones.
  list = gst_buffer_list_make_writable (list);
  gst_buffer_list_foreach (list, drop_unacceptable, guard);
  GST_PAD_PROBE_INFO_DATA (info) = list;
  report (*guard);
  return GST_PAD_PROBE_OK;
}

// gst-rtsp-server answers rtpbin's "request-fec-decoder" with an
// rtpulpfecdec for every received stream, FEC negotiated or not, and that
// element asserts on inputs a publisher controls (caps without an SSRC after
// a receive path resets, which random sequence numbers cause). RECORD never
// negotiates FEC: the media's handler is blocked, so no decoder is inserted.
void
keep_fec_decoders_out (GstElement * rtpbin, GstRTSPMedia * media,
    const std::string & name)
{
  const guint signal = g_signal_lookup ("request-fec-decoder",
      G_OBJECT_TYPE (rtpbin));
  const guint blocked = g_signal_handlers_block_matched (rtpbin,
      (GSignalMatchType) (G_SIGNAL_MATCH_ID | G_SIGNAL_MATCH_DATA), signal, 0,
      nullptr, nullptr, media);
  if (!blocked)
    log_stream (G_LOG_LEVEL_WARNING, name, "gst-rtsp-server's FEC decoder "
        "request not found: an rtpulpfecdec may sit in the publisher's path");
}

GstElement *
find_rtpbin (GstRTSPMedia * media)
{
  GstElement *element = gst_rtsp_media_get_element (media);
  GstObject *pipeline = gst_object_get_parent (GST_OBJECT (element));
  gst_object_unref (element);
  if (!pipeline)
    return nullptr;
  GstElement *found = nullptr;
  GstIterator *it = gst_bin_iterate_elements (GST_BIN (pipeline));
  GValue item = G_VALUE_INIT;
  while (!found && gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    auto *child = GST_ELEMENT (g_value_get_object (&item));
    GstElementFactory *factory = gst_element_get_factory (child);
    if (factory && g_str_equal (GST_OBJECT_NAME (factory), "rtpbin"))
      found = GST_ELEMENT (gst_object_ref (child));
    g_value_reset (&item);
  }
  g_value_unset (&item);
  gst_iterator_free (it);
  gst_object_unref (pipeline);
  return found;
}

struct MediaGuard
{
  std::string stream;
  std::vector<std::vector<guint>> payload_types;
};

void
on_prepared (GstRTSPMedia * media, gpointer data)
{
  auto *media_guard = static_cast<MediaGuard *> (data);
  const std::string *name = &media_guard->stream;
  GstElement *rtpbin = find_rtpbin (media);
  if (!rtpbin) {
    log_stream (G_LOG_LEVEL_WARNING, *name, "no rtpbin in the publisher's "
        "media: RECORD packets are not filtered");
    return;
  }
  keep_fec_decoders_out (rtpbin, media, *name);
  for (guint i = 0; i < gst_rtsp_media_n_streams (media); i++) {
    GstRTSPStream *stream = gst_rtsp_media_get_stream (media, i);
    const guint index = gst_rtsp_stream_get_index (stream);
    g_autofree gchar *pad_name = g_strdup_printf ("recv_rtp_sink_%u", index);
    GstPad *pad = gst_element_get_static_pad (rtpbin, pad_name);
    if (!pad) {
      log_stream (G_LOG_LEVEL_WARNING, *name, "no %s in the publisher's media",
          pad_name);
      continue;
    }
    auto guard = std::make_shared<TrackGuard> ();
    guard->stream = *name;
    guard->index = index;
    // gst_rtsp_stream_get_pt() asks the payloader, and a RECORD stream has
    // none: the types come from the publisher's SDP.
    if (index < media_guard->payload_types.size ())
      guard->payload_types = media_guard->payload_types[index];
    auto release = [](gpointer p) {
      delete static_cast<std::shared_ptr<TrackGuard> *> (p);
    };
    gst_pad_add_probe (pad, (GstPadProbeType) (GST_PAD_PROBE_TYPE_BUFFER
            | GST_PAD_PROBE_TYPE_BUFFER_LIST), filter_packets,
        new std::shared_ptr<TrackGuard> (guard), release);
    gst_object_unref (pad);
    g_autofree gchar *rtcp_name = g_strdup_printf ("recv_rtcp_sink_%u", index);
    if (GstPad *rtcp = gst_element_get_static_pad (rtpbin, rtcp_name)) {
      gst_pad_add_probe (rtcp, (GstPadProbeType) (GST_PAD_PROBE_TYPE_BUFFER
              | GST_PAD_PROBE_TYPE_BUFFER_LIST), filter_rtcp,
          new std::shared_ptr<TrackGuard> (guard), release);
      gst_object_unref (rtcp);
    }
  }
  gst_object_unref (rtpbin);
}

}  // namespace

void
guard_record_media (GstRTSPMedia * media, const std::string & stream_name,
    std::vector<std::vector<guint>> payload_types)
{
  g_signal_connect_data (media, "prepared", G_CALLBACK (on_prepared),
      new MediaGuard { stream_name, std::move (payload_types) },
      [](gpointer p, GClosure *) {
        delete static_cast<MediaGuard *> (p);
      }, (GConnectFlags) 0);
}

}  // namespace camgate
