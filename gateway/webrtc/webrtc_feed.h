// WebRtcFeed: a stream's media made ready for WebRTC viewers, once per
// stream however many watch. A pipeline fed by the RtpFanout depayloads the
// camera's video into access units (parameter sets before every keyframe)
// and its audio into Opus frames (Opus passes, AAC and G.711 are transcoded
// once) plus the G.711 frames themselves for viewers that take them:
//
//   appsrc(RTP H.264/H.265) ─► depay ─► parse ─► appsink "video" ─┐
//   appsrc(RTP Opus)        ─► depay ─────────► appsink "opus"  ─┼─► viewers
//   appsrc(RTP AAC/G.711)   ─► depay ─► decode ─► opusenc ─► "opus" ─┘
//
// Each viewer's own pipeline (payloader + webrtcbin, see webrtc_peer.h)
// takes the frames through its appsrcs. The last GOP is kept, so a viewer
// that just connected starts at once from its keyframe: those frames go out
// back to back, 1 ms apart in RTP time, so the browser decodes through them
// and is live right away instead of waiting for the camera's next keyframe.
#pragma once

#include "media/fanout_output.h"
#include "media_codec.h"
#include "webrtc/audio_pacing.h"
#include "webrtc/codec_choice.h"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/codecparsers/gsth264parser.h>

#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <optional>

namespace camgate::webrtc {

// A viewer's end of the feed: the appsrcs of its own pipeline.
struct FeedViewer
{
  GstElement *pipeline = nullptr;  // its running time stamps the frames
  GstAppSrc *video = nullptr;      // null when it takes no video
  GstAppSrc *audio = nullptr;      // null when it takes no audio
  std::string audio_encoding;      // "OPUS", "PCMA" or "PCMU"
};

// A feed of one transcoded rendition rather than of the camera's own stream.
struct FeedRendition
{
  std::string name;                          // "360p"
  // Every reader of the rendition: a WHEP viewer's lease keeps its encoder on.
  std::shared_ptr<ReaderCount> readers;
  // The camera's: before the rendition's first frame, viewers are told it
  // will send H.264 and the camera's audio.
  std::shared_ptr<RtpFanout> source;
  int64_t linger_us = 0;
};

// A viewer moving between two feeds of one stream (adaptive bitrate): the
// feed it moves to takes it over at its next keyframe (the renditions' are
// where the camera's are), and the feed it leaves stops sending to it then.
// Both send to it holding `lock`, so that no frame of the old feed follows
// the new one's keyframe.
struct Handover
{
  std::mutex lock;
  bool done = false;
};

class WebRtcFeed : public FanoutOutput
{
public:
  // A `warm` feed runs as long as the stream; otherwise only while WHEP
  // viewers hold reader leases, and kLingerUs after the last left (a
  // rendition's: its linger_us).
  WebRtcFeed (std::string stream, std::shared_ptr<RtpFanout> fanout,
      bool warm, std::optional<FeedRendition> rendition = std::nullopt);
  ~WebRtcFeed () override;
  static constexpr int64_t kLingerUs = 5 * 60 * G_USEC_PER_SEC;

  // The rendition it sends ("" = the camera's own stream).
  std::string rendition () const
  {
    return rendition_ ? rendition_->name : std::string ();
  }
  // A WHEP viewer's lease: on the stream's WebRTC readers (`stream_readers`),
  // or, for a rendition, on its feed and its encoder.
  ReaderCount::Lease take_viewer (const std::shared_ptr<ReaderCount> &
      stream_readers) const;

  std::optional<Demand> demand () const override;
  // "b-frames": browsers' WebRTC decoders show them out of order.
  void add_health_reasons (const OutputTick & tick,
      std::vector<std::string> & reasons) const override;

  // What viewers can be sent: from the running feed, else from the source's
  // current layout (empty while the source delivers nothing).
  StreamCodecs codecs () const;
  // What a feed for `layout` would send.
  static StreamCodecs codecs_for (const RtpFanout::Layout & layout);
  // Registers a viewer (the feed keeps references); it receives nothing
  // until start_viewer(), when its transport is up.
  uint64_t add_viewer (const FeedViewer & viewer);
  void start_viewer (uint64_t id);
  // A move (see Handover): starts `id` at this feed's next keyframe rather
  // than from its kept GOP (which would replay the last seconds fast) ...
  void start_viewer_at_keyframe (uint64_t id,
      std::shared_ptr<Handover> handover);
  // ... and has this feed stop sending to its viewer `id` once that
  // keyframe went out.
  void hand_over (uint64_t id, std::shared_ptr<Handover> handover);
  void remove_viewer (uint64_t id);
  // The camera's H.264 carries B-frames (browsers' WebRTC decoders show them
  // out of order).
  bool saw_b_frames () const { return b_frames_; }
  // Changes each time the feed is rebuilt for a new camera layout: viewers
  // negotiated for an older one cannot follow (their codec may differ).
  uint64_t generation () const { return generation_; }

protected:
  bool describe (const RtpFanout::Layout & layout, std::string & description,
      std::string & error) override;
  void started (GstElement * pipeline) override;
  void stopped () override;

private:
  enum Kind { kVideo, kOpus, kG711, kKinds };
  const bool warm_;
  const std::optional<FeedRendition> rendition_;
  // A rendition feed's WHEP viewers (they alone keep the feed on).
  const std::shared_ptr<ReaderCount> rendition_viewers_
      = std::make_shared<ReaderCount> ();
  struct Viewer
  {
    FeedViewer ends;
    bool live = false;
    std::shared_ptr<Handover> incoming;   // sends from its next keyframe
    std::shared_ptr<Handover> outgoing;   // sends until the handover
    GstClockTime last_pts[kKinds] = { GST_CLOCK_TIME_NONE, GST_CLOCK_TIME_NONE,
        GST_CLOCK_TIME_NONE };
    GstCaps *sent_caps[kKinds] = { nullptr, nullptr, nullptr };
    AudioPacer audio_pacers[kKinds];
  };
  struct SinkTag
  {
    WebRtcFeed *feed;
    Kind kind;
  };

  static GstFlowReturn on_sample (GstAppSink * sink, gpointer tag);
  void deliver (Kind kind, GstSample * sample);
  void send (Viewer & viewer, Kind kind, GstCaps * caps, GstBuffer * buffer);
  void keep_in_gop (GstCaps * caps, GstBuffer * buffer);
  bool starts_gop (GstBuffer * buffer) const;   // an IDR / IRAP access unit
  void check_b_frames (GstBuffer * buffer);
  static void release (Viewer & viewer);
  void clear_gop ();

  mutable std::mutex lock_;
  StreamCodecs codecs_;
  const MediaCodec *video_codec_ = nullptr;   // codecs_.video's row
  std::map<uint64_t, Viewer> viewers_;
  uint64_t next_id_ = 1;
  // The current GOP, from its keyframe; dropped when it grows past a limit.
  std::deque<GstBuffer *> gop_;
  GstCaps *gop_caps_ = nullptr;
  size_t gop_bytes_ = 0;
  GstH264NalParser *h264_ = nullptr;
  std::atomic<bool> b_frames_ { false };
  std::atomic<uint64_t> generation_ { 0 };
};

}  // namespace camgate::webrtc
