#include "media/rtp_fanout.h"

#include "media/departure_stamp.h"
#include "media_codec.h"

#include <gst/rtp/gstrtpbuffer.h>

#include <algorithm>
#include <utility>

namespace camgate {

namespace {

// A frame is handed on after this many packets even without a marker bit.
constexpr guint kMaxFramePackets = 256;
// The packets of a frame looked at for the start of a keyframe: parameter
// sets or the IDR slice come first, after at most an access unit delimiter
// and an SEI.
constexpr guint kKeyframeHeadPackets = 4;
// RTP time may run this far ahead of (or behind) the wall clock between two
// packets before it counts as broken and is rebased.
constexpr int64_t kMaxTimestampSlackUs = 10 * G_USEC_PER_SEC;

const char *
media_of (GstCaps * caps)
{
  const gchar *media =
      gst_structure_get_string (gst_caps_get_structure (caps, 0), "media");
  return media ? media : "unknown";
}

}  // namespace

void
RtpFanout::Layout::release ()
{
  for (auto *c : caps)
    gst_caps_unref (c);
  caps.clear ();
}

RtpFanout::RtpFanout () = default;

RtpFanout::OutputList::OutputList (const OutputList & other)
    : outputs (other.outputs)
{
  for (auto & output : outputs)
    for (auto *src : output.srcs)
      gst_object_ref (src);
}

RtpFanout::OutputList::~OutputList ()
{
  for (auto & output : outputs)
    for (auto *src : output.srcs)
      gst_object_unref (src);
}

RtpFanout::~RtpFanout ()
{
  end_outputs (outputs_);
  drop_frames ();
  for (auto & track : tracks_)
    gst_caps_unref (track.caps);
  for (auto *c : pending_)
    if (c)
      gst_caps_unref (c);
}

GstCaps *
RtpFanout::clean_caps (GstCaps * caps)
{
  static const char *session_fields[] = {
    "ssrc", "clock-base", "seqnum-base", "npt-start", "npt-stop",
    "play-speed", "play-scale", "onvif-mode", "a-sendonly", "a-recvonly",
    "a-sendrecv", "a-inactive", "a-control", "a-range", "a-tool", "a-type",
    nullptr
  };
  GstCaps *clean = gst_caps_copy (caps);
  for (guint i = 0; i < gst_caps_get_size (clean); i++) {
    GstStructure *s = gst_caps_get_structure (clean, i);
    for (const char **f = session_fields; *f; f++)
      gst_structure_remove_field (s, *f);
    // "a=ssrc:<id> cname:..." lines become per-session "ssrc-<id>-*" fields.
    gst_structure_filter_and_map_in_place (s,
        [](GQuark field, GValue *, gpointer) -> gboolean {
          return !g_str_has_prefix (g_quark_to_string (field), "ssrc-");
        }, nullptr);
  }
  return clean;
}

namespace {

// Whether packets of caps `a` and `b` depayload alike. The fields that only
// describe the media (SDP attributes, the profile's name, an answerer's
// freedom to pick a level) differ between the camera's SDP and a relay's
// (a cluster edge that starts pulling from the camera itself): viewers can
// stay across such a change.
bool
same_payload (GstCaps * a, GstCaps * b)
{
  auto essential = [](GstCaps * caps) {
    GstCaps *copy = gst_caps_copy (caps);
    for (guint i = 0; i < gst_caps_get_size (copy); i++)
      gst_structure_filter_and_map_in_place (gst_caps_get_structure (copy, i),
          [](GQuark field, GValue *, gpointer) -> gboolean {
            const char *name = g_quark_to_string (field);
            return !g_str_has_prefix (name, "a-")
                && !g_str_equal (name, "profile")
                && !g_str_equal (name, "level-asymmetry-allowed");
          }, nullptr);
    return copy;
  };
  GstCaps *left = essential (a), *right = essential (b);
  const bool same = gst_caps_is_equal (left, right);
  gst_caps_unref (left);
  gst_caps_unref (right);
  return same;
}

}  // namespace

void
RtpFanout::begin_session ()
{
  std::lock_guard<std::mutex> lk (lock_);
  for (auto *c : pending_)
    if (c)
      gst_caps_unref (c);
  pending_.clear ();
  setting_up_ = true;
  active_ = false;
  drop_frames ();
  for (auto & track : tracks_)
    track.have_input = false;
}

void
RtpFanout::set_track_caps (unsigned index, GstCaps * caps)
{
  GstCaps *clean = clean_caps (caps);
  std::lock_guard<std::mutex> lk (lock_);
  if (pending_.size () <= index)
    pending_.resize (index + 1, nullptr);
  if (pending_[index])
    gst_caps_unref (pending_[index]);
  pending_[index] = clean;
}

// Whether the session's fewer tracks each match one of the current
// layout's; if so, sources are mapped onto those tracks and the rest are
// reported missing.
bool
RtpFanout::keep_layout_without_locked (const std::vector<GstCaps *> & layout)
{
  std::vector<int> track_of_layout;
  std::vector<bool> used (tracks_.size (), false);
  for (auto *caps : layout) {
    int match = -1;
    for (size_t t = 0; t < tracks_.size () && match < 0; t++)
      if (!used[t] && same_payload (caps, tracks_[t].caps))
        match = static_cast<int> (t);
    if (match < 0)
      return false;
    used[match] = true;
    track_of_layout.push_back (match);
  }
  for (auto & t : track_of_source_)
    if (t >= 0)
      t = track_of_layout[t];
  for (size_t t = 0; t < tracks_.size (); t++)
    if (!used[t])
      missing_.push_back (media_of (tracks_[t].caps));
  return true;
}

// A new layout: new tracks (and output SSRCs) for its caps, which they take.
void
RtpFanout::set_tracks_locked (const std::vector<GstCaps *> & layout)
{
  for (auto & track : tracks_)
    gst_caps_unref (track.caps);
  tracks_.clear ();
  for (auto *c : layout) {
    Track track;
    track.caps = c;
    track.out_ssrc = g_random_int ();
    const GstStructure *s = gst_caps_get_structure (c, 0);
    if (!gst_structure_get_int (s, "clock-rate", &track.clock_rate)
        || track.clock_rate <= 0)
      track.clock_rate = 90000;
    track.batch_frames =
        g_strcmp0 (gst_structure_get_string (s, "media"), "video") == 0;
    const MediaCodec *codec = codec_for_caps (s);
    track.starts_keyframe = codec ? codec->rtp_starts_keyframe : nullptr;
    if (gop_bytes_ > 0 && track.batch_frames && track.starts_keyframe)
      track.gop = std::make_unique<GopCache> (gop_bytes_);
    tracks_.push_back (std::move (track));
  }
}

void
RtpFanout::end_track_setup ()
{
  // Outputs built for an old layout are ended once the lock is released.
  struct EndLater
  {
    Outputs list;
    ~EndLater ()
    {
      if (list)
        end_outputs (list);
    }
  } ended;
  std::lock_guard<std::mutex> lk (lock_);
  if (!setting_up_)
    return;
  setting_up_ = false;

  // Tracks the source announced but never delivered leave holes: drop them.
  std::vector<GstCaps *> layout;
  track_of_source_.assign (pending_.size (), -1);
  for (size_t i = 0; i < pending_.size (); i++) {
    if (pending_[i]) {
      track_of_source_[i] = static_cast<int> (layout.size ());
      layout.push_back (pending_[i]);
    }
  }
  pending_.clear ();

  bool same = layout.size () == tracks_.size ();
  for (size_t i = 0; same && i < layout.size (); i++)
    same = same_payload (layout[i], tracks_[i].caps);
  missing_.clear ();

  // Cameras come back without a track now and then (audio only after a
  // reboot): keep the layout viewers have, feed what arrived, and report the
  // rest missing so the stream can try again.
  if (!same && !layout.empty () && layout.size () < tracks_.size ()
      && keep_layout_without_locked (layout)) {
    for (auto *caps : layout)
      gst_caps_unref (caps);
    counters_.sessions++;
    active_ = true;
    return;
  }

  if (same) {
    for (auto *c : layout)
      gst_caps_unref (c);
  } else {
    // A new layout: outputs built for the old one cannot carry it.
    drop_frames ();
    for (size_t i = 0; i < layout.size (); i++) {
      g_autofree gchar *now = gst_caps_to_string (layout[i]);
      g_autofree gchar *before = i < tracks_.size ()
          ? gst_caps_to_string (tracks_[i].caps) : g_strdup ("none");
      g_debug ("track %zu: %s (was %s)", i, now, before);
    }
    ended.list = take_outputs_locked ();
    set_tracks_locked (layout);
    generation_++;
  }
  counters_.sessions++;
  active_ = !tracks_.empty ();
}

bool
RtpFanout::rewrite_header (Track & track, GstBuffer * buffer)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (!gst_rtp_buffer_map (buffer, GST_MAP_READWRITE, &rtp))
    return true;
  const bool marker = gst_rtp_buffer_get_marker (&rtp);
  const uint32_t ssrc = gst_rtp_buffer_get_ssrc (&rtp);
  const uint16_t seq = gst_rtp_buffer_get_seq (&rtp);
  const uint32_t ts = gst_rtp_buffer_get_timestamp (&rtp);
  const int64_t now = g_get_monotonic_time ();

  if (track.have_input && ssrc == track.in_ssrc && track.have_output) {
    // Same RTP stream: is its clock still sane against the wall clock?
    const int64_t step_us = static_cast<int32_t> (ts - track.last_in_ts)
        * (int64_t) G_USEC_PER_SEC / track.clock_rate;
    const int64_t elapsed_us = now - track.last_out_us;
    if (step_us > elapsed_us + kMaxTimestampSlackUs
        || step_us < -kMaxTimestampSlackUs) {
      const uint32_t elapsed_ticks = static_cast<uint32_t> (
          elapsed_us * static_cast<int64_t> (track.clock_rate) / G_USEC_PER_SEC);
      track.ts_offset = track.last_out_ts + elapsed_ticks - ts;
      counters_.timestamp_repairs++;
      counters_.last_repair_us = now;
    }
  }
  track.last_in_ts = ts;

  if (!track.have_input || ssrc != track.in_ssrc) {
    // First packet of a session (or the camera restarted its RTP stream):
    // continue numbering where readers last saw this track.
    track.have_input = true;
    track.in_ssrc = ssrc;
    if (track.have_output) {
      const int64_t elapsed_us = now - track.last_out_us;
      const uint32_t elapsed_ticks = static_cast<uint32_t> (
          elapsed_us * static_cast<int64_t> (track.clock_rate) / 1000000);
      track.seq_offset = static_cast<uint16_t> (track.last_out_seq + 1 - seq);
      track.ts_offset = track.last_out_ts + elapsed_ticks - ts;
    } else {
      track.seq_offset = 0;
      track.ts_offset = 0;
    }
  }

  const uint16_t out_seq = static_cast<uint16_t> (seq + track.seq_offset);
  const uint32_t out_ts = ts + track.ts_offset;
  gst_rtp_buffer_set_ssrc (&rtp, track.out_ssrc);
  gst_rtp_buffer_set_seq (&rtp, out_seq);
  gst_rtp_buffer_set_timestamp (&rtp, out_ts);
  gst_rtp_buffer_unmap (&rtp);

  track.have_output = true;
  track.last_out_seq = out_seq;
  track.last_out_ts = out_ts;
  track.last_out_us = now;
  return marker;
}

void
RtpFanout::deliver (const OutputList & list, size_t track, GstMiniObject * data)
{
  const size_t n = list.outputs.size ();
  for (size_t i = 0; i < n; i++) {
    GstAppSrc *src = list.outputs[i].srcs[track];
    // The last output takes our reference instead of a new one. A frame
    // (buffer list) goes to each output in a list of its own around the
    // same packets: each appsrc walks and restamps its list on its own
    // thread, and a list shared between them was seen freed under one
    // appsrc's feet (a CRITICAL, then a crash, as outputs started).
    if (GST_IS_BUFFER_LIST (data)) {
      GstBufferList *frame = GST_BUFFER_LIST_CAST (data);
      gst_app_src_push_buffer_list (src, (i + 1 == n) ? frame
          : gst_buffer_list_copy (frame));
      continue;
    }
    GstMiniObject *ref = (i + 1 == n) ? data : gst_mini_object_ref (data);
    gst_app_src_push_buffer (src, GST_BUFFER_CAST (ref));
  }
  if (n == 0)
    gst_mini_object_unref (data);
}

bool
RtpFanout::is_keyframe (const Track & track, GstBufferList * frame)
{
  const guint head = MIN (gst_buffer_list_length (frame), kKeyframeHeadPackets);
  for (guint i = 0; i < head; i++) {
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    if (!gst_rtp_buffer_map (gst_buffer_list_get (frame, i), GST_MAP_READ, &rtp))
      continue;
    const bool key = track.starts_keyframe (static_cast<const uint8_t *>
        (gst_rtp_buffer_get_payload (&rtp)),
        gst_rtp_buffer_get_payload_len (&rtp));
    gst_rtp_buffer_unmap (&rtp);
    if (key)
      return true;
  }
  return false;
}

// Frames being collected are dropped; so are kept GOPs, which a new session
// of the camera does not continue.
void
RtpFanout::drop_frames ()
{
  for (auto & track : tracks_) {
    if (track.frame) {
      gst_buffer_list_unref (track.frame);
      track.frame = nullptr;
    }
    if (track.gop)
      track.gop->clear ();
  }
}

void
RtpFanout::push (unsigned index, GstBuffer * buffer)
{
  buffer = gst_buffer_make_writable (buffer);
  GstMiniObject *ready = nullptr;
  size_t index_of_track = 0;
  Outputs outputs;
  {
    std::lock_guard<std::mutex> lk (lock_);
    counters_.packets_in++;
    counters_.bytes_in += gst_buffer_get_size (buffer);
    counters_.last_packet_us = g_get_monotonic_time ();

    if (!active_ || index >= track_of_source_.size ()
        || track_of_source_[index] < 0) {
      gst_buffer_unref (buffer);
      return;
    }
    index_of_track = static_cast<size_t> (track_of_source_[index]);
    Track & track = tracks_[index_of_track];
    const bool marker = rewrite_header (track, buffer);

    // The output pipelines stamp buffers with their own clock as they
    // leave for them, some by when their frame arrived here.
    GST_BUFFER_PTS (buffer) = GST_CLOCK_TIME_NONE;
    GST_BUFFER_DTS (buffer) = GST_CLOCK_TIME_NONE;

    if (!track.batch_frames) {
      mark_arrival (buffer);
      ready = GST_MINI_OBJECT_CAST (buffer);
    } else {
      if (!track.frame) {
        track.frame = gst_buffer_list_new_sized (64);
        mark_arrival (buffer);
      }
      gst_buffer_list_add (track.frame, buffer);
      // A camera that never sets the marker still gets its packets through.
      if (marker || gst_buffer_list_length (track.frame) >= kMaxFramePackets) {
        ready = GST_MINI_OBJECT_CAST (track.frame);
        track.frame = nullptr;
        if (track.gop)
          track.gop->add (GST_BUFFER_LIST_CAST (ready),
              is_keyframe (track, GST_BUFFER_LIST_CAST (ready)));
      }
    }
    if (!ready)
      return;
    outputs = outputs_;
    counters_.bytes_out += outputs->outputs.size () * (GST_IS_BUFFER_LIST
        (ready) ? gst_buffer_list_calculate_size (GST_BUFFER_LIST_CAST (ready))
        : gst_buffer_get_size (GST_BUFFER_CAST (ready)));
  }
  // Outside the lock: a push may run appsrc signal handlers synchronously.
  deliver (*outputs, index_of_track, ready);
}

void
RtpFanout::keep_gops (size_t max_bytes)
{
  std::lock_guard<std::mutex> lk (lock_);
  gop_bytes_ = max_bytes;
  for (auto & track : tracks_) {
    if (max_bytes == 0 || !track.batch_frames || !track.starts_keyframe)
      track.gop.reset ();
    else if (!track.gop)
      track.gop = std::make_unique<GopCache> (max_bytes);
  }
}

GopCache::Snapshot
RtpFanout::gop (uint64_t generation, size_t track) const
{
  std::lock_guard<std::mutex> lk (lock_);
  if (generation != generation_ || track >= tracks_.size ()
      || !tracks_[track].gop)
    return {};
  return tracks_[track].gop->snapshot ();
}

void
RtpFanout::end_session ()
{
  std::lock_guard<std::mutex> lk (lock_);
  drop_frames ();
  active_ = false;
  setting_up_ = false;
  for (auto & track : tracks_)
    track.have_input = false;
}

std::optional<RtpFanout::Layout>
RtpFanout::layout () const
{
  std::lock_guard<std::mutex> lk (lock_);
  if (!active_)
    return std::nullopt;
  Layout layout;
  layout.generation = generation_;
  for (const auto & track : tracks_) {
    layout.caps.push_back (gst_caps_ref (track.caps));
    layout.ssrcs.push_back (track.out_ssrc);
  }
  return layout;
}

uint64_t
RtpFanout::attach (uint64_t generation, const std::vector<GstAppSrc *> & srcs)
{
  std::lock_guard<std::mutex> lk (lock_);
  if (generation != generation_ || srcs.size () != tracks_.size ())
    return 0;
  auto list = std::make_shared<OutputList> (*outputs_);
  Output output { next_output_id_++, {} };
  for (auto *src : srcs)
    output.srcs.push_back (GST_APP_SRC (gst_object_ref (src)));
  list->outputs.push_back (std::move (output));
  outputs_ = std::move (list);
  return outputs_->outputs.back ().id;
}

void
RtpFanout::detach (uint64_t id)
{
  Outputs before;                  // released after the lock
  std::lock_guard<std::mutex> lk (lock_);
  auto list = std::make_shared<OutputList> (*outputs_);
  auto it = std::find_if (list->outputs.begin (), list->outputs.end (),
      [id](const Output & o) { return o.id == id; });
  if (it == list->outputs.end ())
    return;
  for (auto *src : it->srcs)
    gst_object_unref (src);
  list->outputs.erase (it);
  before = std::exchange (outputs_, std::move (list));
}

RtpFanout::Outputs
RtpFanout::take_outputs_locked ()
{
  return std::exchange (outputs_, std::make_shared<OutputList> ());
}

void
RtpFanout::end_outputs (const Outputs & list)
{
  for (const auto & output : list->outputs)
    for (auto *src : output.srcs)
      gst_app_src_end_of_stream (src);
}

void
RtpFanout::end_all_outputs ()
{
  Outputs ended;
  {
    std::lock_guard<std::mutex> lk (lock_);
    ended = take_outputs_locked ();
  }
  end_outputs (ended);
}

RtpFanout::Counters
RtpFanout::counters () const
{
  std::lock_guard<std::mutex> lk (lock_);
  return counters_;
}

bool
RtpFanout::session_active () const
{
  std::lock_guard<std::mutex> lk (lock_);
  return active_;
}

std::vector<std::string>
RtpFanout::missing_tracks () const
{
  std::lock_guard<std::mutex> lk (lock_);
  return missing_;
}

size_t
RtpFanout::output_count () const
{
  std::lock_guard<std::mutex> lk (lock_);
  return outputs_->outputs.size ();
}

}  // namespace camgate
