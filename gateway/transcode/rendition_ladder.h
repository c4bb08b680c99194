// RenditionLadder: a stream's `transcode:` renditions. The camera's video is
// decoded once, while at least one rendition runs, and each running
// rendition is a branch of that pipeline that scales, encodes H.264 and
// payloads it:
//
//   appsrc(RTP video) ─► depay ─► parse ─► decode ─► tee ─┬─► [720p] queue ─►
//       scale ─► rate ─► caps ─► encoder ─► parse ─► pay ─► appsink ─► fanout
//                                                       └─► [360p] ...
//   appsrc(RTP audio) ─► appsink ─► every running rendition's fanout, as is
//
// Every rendition has an RtpFanout of its own, so it is served like a
// camera: at rtsp://<gateway>/<stream>/<rendition> (mount_targets(); the
// automatic H.264 one only over WebRTC). Its
// keyframes are forced at the frames that were keyframes in the camera's
// stream, so every rendition starts its GOPs at the same times.
//
// On demand (the default), a rendition's branch runs while it has readers
// and for kLingerUs after the last left, and the decoder only while a
// branch runs; a reader's DESCRIBE wakes it (MountTarget::start_wait_ms).
#pragma once

#include "config/stream_spec.h"
#include "media/fanout_output.h"
#include "media/mount_target.h"
#include "transcode/encoder_choice.h"

#include <atomic>
#include <future>
#include <memory>
#include <vector>

namespace camgate::transcode {

struct RenditionState;

// What the API shows of one rendition.
struct RenditionView
{
  RenditionSpec spec;
  bool running = false;
  unsigned readers = 0;
  uint64_t frames = 0;             // encoded since the gateway started
  uint64_t bytes = 0;              // of RTP payloaded output
  // From the encoder's input to the payloaded frame, averaged over the
  // last frames (0 while it does not run).
  int64_t encode_latency_us = 0;
};

class RenditionLadder : public FanoutOutput
{
public:
  RenditionLadder (std::string stream, std::shared_ptr<RtpFanout> fanout,
      TranscodeSpec spec);
  ~RenditionLadder () override;
  static constexpr int64_t kLingerUs = 5 * G_USEC_PER_SEC;
  // A running branch that has encoded nothing for this long is stalled.
  static constexpr int64_t kStalledBranchUs = 6 * G_USEC_PER_SEC;

  void update (const OutputTick & tick) override;
  // RTSP mounts: the configured renditions.
  std::vector<std::shared_ptr<MountTarget>> mount_targets () const override;
  // Every rendition's target, the automatic one's too (for WebRTC feeds).
  std::vector<std::shared_ptr<MountTarget>> rendition_targets () const;
  // How many automatic renditions may encode at once in the process
  // (webrtc.max-h264-transcodes); 0 = one per processor.
  static void limit_automatic (unsigned running);

  // The encoder, once chosen: the choice tries candidates (up to seconds
  // each) on a thread of its own, and renditions wait for it.
  EncoderChoice encoder () const;
  // The decoder of the source's video: the one decoding now, else the
  // last choice made (empty before one; "being chosen" while trying).
  DecoderChoice decoder () const;
  std::vector<RenditionView> renditions () const;

protected:
  bool describe (const RtpFanout::Layout & layout, std::string & description,
      std::string & error) override;
  void started (GstElement * pipeline) override;
  void stopped () override;
  // By the source's arrival (which the renditions' packets then carry):
  // decoding that started late still times frames as the camera's
  // packaging does.
  bool timed_by_clock (size_t) const override { return true; }

private:
  bool wanted (const RenditionState & rendition) const;
  void start_encoder_choice ();    // once
  // Whether the decoder for the source's video is chosen; starts choosing
  // it on a thread (hardware decoders are tried with real frames, which
  // may take seconds) when its codec is new.
  bool decoder_chosen ();
  const EncoderChoice *chosen_encoder () const;
  void start_branch (RenditionState & rendition, const std::string & encoder);
  void stop_branch (RenditionState & rendition);

  const TranscodeSpec spec_;
  std::shared_future<EncoderChoice> encoder_;
  DecoderChoice decoder_;          // main context, like the API that reads it
  std::string decoder_media_;      // what decoder_choice_ decodes
  std::shared_future<DecoderChoice> decoder_choice_;
  std::vector<std::shared_ptr<RenditionState>> renditions_;
  GstElement *decoding_ = nullptr;   // the pipeline, while started
  GstElement *tee_ = nullptr;
  // Source keyframe times (running time of the decoded frames), written on
  // the decoding thread and read by every branch's.
  std::shared_ptr<std::atomic<GstClockTime>> last_keyframe_;
};

}  // namespace camgate::transcode
