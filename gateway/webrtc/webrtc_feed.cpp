#include "webrtc/webrtc_feed.h"

#include "media_codec.h"

namespace camgate::webrtc {

namespace {

// A GOP longer than this is not kept (a camera with a 60 s GOP would
// otherwise hold a minute of video per stream).
constexpr size_t kMaxGopFrames = 300;
constexpr size_t kMaxGopBytes = 16 * 1024 * 1024;
// RTP-time spacing of the kept GOP's frames sent to a new viewer.
constexpr GstClockTime kCatchUpStep = GST_MSECOND;

const char *kAppsink = " sync=false async=false max-buffers=200 drop=true "
    "enable-last-sample=false";

// Video up to its appsink: parsed access units (see depayload_chain), as
// the byte stream the viewers' payloaders take; "" when WebRTC cannot take it.
std::string
video_chain (const MediaCodec & codec)
{
  if (codec.webrtc != Carriage::AsIs)
    return "";
  return depayload_chain (codec) + " ! " + codec.media_type
      + ",stream-format=byte-stream,alignment=au ! appsink name=video"
      + kAppsink;
}

// Audio: Opus for everyone, and the G.711 itself where it is G.711.
std::string
audio_chain (const MediaCodec & codec)
{
  const std::string opus_sink = std::string ("appsink name=opus") + kAppsink;
  if (codec.id == CodecId::Opus)
    return std::string (codec.depayloader) + " ! " + opus_sink;
  if (codec.webrtc == Carriage::AsIs)
    return std::string (codec.depayloader) + " ! tee name=g711tee ! queue "
        "! appsink name=g711" + kAppsink + " g711tee. ! queue ! "
        + codec.decoder + " ! " + raw_audio_to_opus_chain () + " ! "
        + opus_sink;
  return decode_chain (codec) + " ! " + raw_audio_to_opus_chain () + " ! "
      + opus_sink;
}

}  // namespace

WebRtcFeed::WebRtcFeed (std::string stream, std::shared_ptr<RtpFanout> fanout,
    bool warm, std::optional<FeedRendition> rendition)
    : FanoutOutput (std::move (stream), rendition ? "WebRTC " + rendition->name
          : "WebRTC", std::move (fanout)),
      warm_ (warm && !rendition), rendition_ (std::move (rendition))
{
}

std::optional<Demand>
WebRtcFeed::demand () const
{
  if (rendition_)
    return Demand { ReaderKind::WebRtc, rendition_->linger_us,
          rendition_viewers_ };
  if (warm_)
    return std::nullopt;
  return Demand { ReaderKind::WebRtc, kLingerUs };
}

ReaderCount::Lease
WebRtcFeed::take_viewer (const std::shared_ptr<ReaderCount> & stream_readers)
    const
{
  if (!rendition_)
    return stream_readers->lease ();
  struct Both
  {
    ReaderCount::Lease feed, rendition;
  };
  return std::make_shared<Both> (Both { rendition_viewers_->lease (),
          rendition_->readers->lease () });
}

void
WebRtcFeed::add_health_reasons (const OutputTick &,
    std::vector<std::string> & reasons) const
{
  if (saw_b_frames ())
    reasons.push_back ("b-frames");
}

WebRtcFeed::~WebRtcFeed ()
{
  stop ();
  std::lock_guard<std::mutex> lk (lock_);
  for (auto & [id, viewer] : viewers_)
    release (viewer);
  viewers_.clear ();
  clear_gop ();
  if (h264_)
    gst_h264_nal_parser_free (h264_);
}

// What a feed of `fanout`'s current layout would send; none without one.
static std::optional<StreamCodecs>
codecs_of (const RtpFanout & fanout)
{
  auto layout = fanout.layout ();
  if (!layout)
    return std::nullopt;
  StreamCodecs out = WebRtcFeed::codecs_for (*layout);
  layout->release ();
  return out;
}

StreamCodecs
WebRtcFeed::codecs () const
{
  {
    std::lock_guard<std::mutex> lk (lock_);
    if (running ())
      return codecs_;
  }
  if (auto own = codecs_of (*fanout ()))
    return *own;
  if (!rendition_)
    return {};
  // A rendition not encoding yet: what it will send once it does.
  StreamCodecs out = codecs_of (*rendition_->source).value_or (StreamCodecs {});
  if (!out.video.empty ()) {
    out.video = "H264";
    out.video_profile.clear ();
  }
  return out;
}

// The tracks a feed takes: the first video and the first audio it can send
// (index, chain), and what they give viewers.
static std::vector<std::pair<size_t, std::string>>
plan_tracks (const RtpFanout::Layout & layout, StreamCodecs & codecs)
{
  std::vector<std::pair<size_t, std::string>> tracks;
  for (size_t i = 0; i < layout.caps.size (); i++) {
    const GstStructure *s = gst_caps_get_structure (layout.caps[i], 0);
    const MediaCodec *codec = codec_for_caps (s);
    if (!codec)
      continue;
    std::string chain;
    if (codec->video && codecs.video.empty ()) {
      chain = video_chain (*codec);
      if (!chain.empty ()) {
        codecs.video = codec->rtp_encoding;
        const char *profile = gst_structure_get_string (s, "profile-level-id");
        codecs.video_profile = profile ? profile : "";
      }
    } else if (!codec->video && codecs.audio.empty ()) {
      chain = audio_chain (*codec);
      if (!chain.empty ())
        codecs.audio = codec->webrtc == Carriage::AsIs ? codec->rtp_encoding
            : codec_row (CodecId::Opus).rtp_encoding;
    }
    if (!chain.empty ())
      tracks.push_back ({ i, chain });
  }
  return tracks;
}

StreamCodecs
WebRtcFeed::codecs_for (const RtpFanout::Layout & layout)
{
  StreamCodecs codecs;
  plan_tracks (layout, codecs);
  return codecs;
}

bool
WebRtcFeed::describe (const RtpFanout::Layout & layout,
    std::string & description, std::string & error)
{
  StreamCodecs codecs;
  for (const auto & [index, chain] : plan_tracks (layout, codecs))
    description += " " + track_source (index) + " ! " + chain;
  if (codecs.video.empty () && codecs.audio.empty ()) {
    error = "no track can be sent over WebRTC without re-encoding";
    return false;
  }
  std::lock_guard<std::mutex> lk (lock_);
  codecs_ = codecs;
  video_codec_ = codec_for_rtp_encoding (codecs_.video.c_str ());
  return true;
}

void
WebRtcFeed::started (GstElement * pipeline)
{
  generation_++;
  const struct
  {
    const char *name;
    Kind kind;
  } sinks[] = { { "video", kVideo }, { "opus", kOpus }, { "g711", kG711 } };
  for (const auto & s : sinks) {
    GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), s.name);
    if (!sink)
      continue;
    GstAppSinkCallbacks callbacks = {};
    callbacks.new_sample = on_sample;
    gst_app_sink_set_callbacks (GST_APP_SINK (sink), &callbacks,
        new SinkTag { this, s.kind },
        [](gpointer tag) { delete static_cast<SinkTag *> (tag); });
    gst_object_unref (sink);
  }
}

void
WebRtcFeed::stopped ()
{
  std::lock_guard<std::mutex> lk (lock_);
  codecs_ = {};
  video_codec_ = nullptr;
  clear_gop ();
}

GstFlowReturn
WebRtcFeed::on_sample (GstAppSink * sink, gpointer data)
{
  auto *tag = static_cast<SinkTag *> (data);
  GstSample *sample = gst_app_sink_pull_sample (sink);
  if (!sample)
    return GST_FLOW_EOS;
  tag->feed->deliver (tag->kind, sample);
  gst_sample_unref (sample);
  return GST_FLOW_OK;
}

void
WebRtcFeed::deliver (Kind kind, GstSample * sample)
{
  GstBuffer *buffer = gst_sample_get_buffer (sample);
  GstCaps *caps = gst_sample_get_caps (sample);
  if (!buffer || !caps)
    return;
  if (kind == kVideo && !b_frames_)
    check_b_frames (buffer);
  std::lock_guard<std::mutex> lk (lock_);
  if (kind == kVideo)
    keep_in_gop (caps, buffer);
  std::optional<bool> keyframe;    // looked at once, for a viewer moving in
  for (auto & [id, viewer] : viewers_) {
    if (!viewer.live)
      continue;
    if (viewer.incoming) {
      if (kind != kVideo)
        continue;
      if (!keyframe)
        keyframe = starts_gop (buffer);
      if (!*keyframe)
        continue;
      auto handover = std::move (viewer.incoming);
      std::lock_guard<std::mutex> moving (handover->lock);
      handover->done = true;
      send (viewer, kind, caps, buffer);
    } else if (viewer.outgoing) {
      std::lock_guard<std::mutex> moving (viewer.outgoing->lock);
      if (!viewer.outgoing->done)
        send (viewer, kind, caps, buffer);
    } else {
      send (viewer, kind, caps, buffer);
    }
  }
}

void
WebRtcFeed::keep_in_gop (GstCaps * caps, GstBuffer * buffer)
{
  if (starts_gop (buffer)) {
    clear_gop ();
    gst_caps_replace (&gop_caps_, caps);
  } else if (gop_.empty () || gop_.size () >= kMaxGopFrames
      || gop_bytes_ >= kMaxGopBytes) {
    // No keyframe yet, or a GOP too long to keep: wait for the next one.
    clear_gop ();
    return;
  }
  gop_.push_back (gst_buffer_ref (buffer));
  gop_bytes_ += gst_buffer_get_size (buffer);
}

bool
WebRtcFeed::starts_gop (GstBuffer * buffer) const
{
  const MediaCodec *codec = video_codec_;
  if (!codec || !codec->access_unit_is_keyframe)
    return false;
  GstMapInfo map;
  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return false;
  const bool key = codec->access_unit_is_keyframe (map.data, map.size);
  gst_buffer_unmap (buffer, &map);
  return key;
}

void
WebRtcFeed::clear_gop ()
{
  for (auto *b : gop_)
    gst_buffer_unref (b);
  gop_.clear ();
  gop_bytes_ = 0;
  gst_clear_caps (&gop_caps_);
}

void
WebRtcFeed::check_b_frames (GstBuffer * buffer)
{
  if (codecs ().video != "H264")
    return;
  if (!h264_)
    h264_ = gst_h264_nal_parser_new ();
  GstMapInfo map;
  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return;
  GstH264NalUnit nalu;
  guint offset = 0;
  GstH264ParserResult result;
  while ((result = gst_h264_parser_identify_nalu (h264_, map.data, offset,
              map.size, &nalu)) == GST_H264_PARSER_OK
      || result == GST_H264_PARSER_NO_NAL_END) {
    if (nalu.type == GST_H264_NAL_SPS || nalu.type == GST_H264_NAL_PPS) {
      gst_h264_parser_parse_nal (h264_, &nalu);
    } else if (nalu.type == GST_H264_NAL_SLICE) {
      GstH264SliceHdr slice;
      if (gst_h264_parser_parse_slice_hdr (h264_, &nalu, &slice, FALSE, FALSE)
          == GST_H264_PARSER_OK && GST_H264_IS_B_SLICE (&slice))
        b_frames_ = true;
      break;                       // the first slice tells the frame's kind
    }
    if (result == GST_H264_PARSER_NO_NAL_END)
      break;
    offset = nalu.offset + nalu.size;
  }
  gst_buffer_unmap (buffer, &map);
}

void
WebRtcFeed::send (Viewer & viewer, Kind kind, GstCaps * caps,
    GstBuffer * buffer)
{
  GstAppSrc *src = nullptr;
  if (kind == kVideo)
    src = viewer.ends.video;
  else if ((kind == kOpus) == (viewer.ends.audio_encoding == "OPUS"))
    src = viewer.ends.audio;
  if (!src)
    return;
  if (!viewer.sent_caps[kind] || !gst_caps_is_equal (viewer.sent_caps[kind],
          caps)) {
    gst_caps_replace (&viewer.sent_caps[kind], caps);
    gst_app_src_set_caps (src, caps);
  }
  // Video is stamped with the viewer pipeline's running time on arrival: the
  // camera's pacing passes through, and frames sent back to back step 1 ms
  // apart. Audio follows on by sample count (AudioPacer).
  GstClock *clock = gst_element_get_clock (viewer.ends.pipeline);
  if (!clock)
    return;
  GstClockTime base = gst_element_get_base_time (viewer.ends.pipeline);
  GstClockTime now = gst_clock_get_time (clock);
  gst_object_unref (clock);
  GstClockTime pts = now > base ? now - base : 0;
  GstClockTime & last = viewer.last_pts[kind];
  if (kind != kVideo)
    pts = viewer.audio_pacers[kind].stamp (pts, audio_duration (caps, buffer));
  else if (GST_CLOCK_TIME_IS_VALID (last) && pts < last + kCatchUpStep)
    pts = last + kCatchUpStep;
  if (!GST_CLOCK_TIME_IS_VALID (pts))
    return;
  last = pts;
  GstBuffer *out = gst_buffer_copy (buffer);   // metadata only, data shared
  GST_BUFFER_PTS (out) = pts;
  GST_BUFFER_DTS (out) = GST_CLOCK_TIME_NONE;
  gst_app_src_push_buffer (src, out);
}

uint64_t
WebRtcFeed::add_viewer (const FeedViewer & ends)
{
  Viewer viewer;
  viewer.ends = ends;
  gst_object_ref (ends.pipeline);
  if (ends.video)
    gst_object_ref (ends.video);
  if (ends.audio)
    gst_object_ref (ends.audio);
  std::lock_guard<std::mutex> lk (lock_);
  uint64_t id = next_id_++;
  viewers_.emplace (id, viewer);
  return id;
}

void
WebRtcFeed::start_viewer (uint64_t id)
{
  std::lock_guard<std::mutex> lk (lock_);
  auto it = viewers_.find (id);
  if (it == viewers_.end () || it->second.live)
    return;
  it->second.live = true;
  for (auto *buffer : gop_)
    send (it->second, kVideo, gop_caps_, buffer);
}

void
WebRtcFeed::start_viewer_at_keyframe (uint64_t id,
    std::shared_ptr<Handover> handover)
{
  std::lock_guard<std::mutex> lk (lock_);
  auto it = viewers_.find (id);
  if (it == viewers_.end () || it->second.live)
    return;
  it->second.incoming = std::move (handover);
  it->second.live = true;
}

void
WebRtcFeed::hand_over (uint64_t id, std::shared_ptr<Handover> handover)
{
  std::lock_guard<std::mutex> lk (lock_);
  auto it = viewers_.find (id);
  if (it != viewers_.end ())
    it->second.outgoing = std::move (handover);
}

void
WebRtcFeed::remove_viewer (uint64_t id)
{
  std::lock_guard<std::mutex> lk (lock_);
  auto it = viewers_.find (id);
  if (it == viewers_.end ())
    return;
  release (it->second);
  viewers_.erase (it);
}

void
WebRtcFeed::release (Viewer & viewer)
{
  gst_clear_object (&viewer.ends.pipeline);
  gst_clear_object (&viewer.ends.video);
  gst_clear_object (&viewer.ends.audio);
  for (auto *& caps : viewer.sent_caps)
    gst_clear_caps (&caps);
}

}  // namespace camgate::webrtc
