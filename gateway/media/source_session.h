// SourceSession: one attempt at running a stream's source as a GstPipeline
// that feeds the stream's RtpFanout. A failed or finished session is thrown
// away and a new one is built on retry, so no state leaks between attempts.
//
//   rtsp:      rtspsrc ─(RTP, camera's own packets)─► streamhealth ─► fanout
//   srt:       srtsrc (caller) ─► tsdemux ─► parsed tracks ─► rtpXpay
//              ─► streamhealth ─► fanout
//   test/pipeline: <description> ─► parsed H.264/H.265/AAC/Opus/G.711
//                  ─► rtpXpay (once per stream) ─► streamhealth ─► fanout
//
// Publish streams have no SourceSession: the RTSP RECORD media is the source
// (see rtsp/stream_media_factory.cpp).
#pragma once

#include "config/stream_spec.h"
#include "media/health_board.h"
#include "media/rtp_fanout.h"

#include <gst/gst.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

namespace camgate {

class SourceSession
{
public:
  ~SourceSession ();
  SourceSession (const SourceSession &) = delete;
  SourceSession & operator= (const SourceSession &) = delete;

  // Builds (but does not start) the pipeline. Returns nullptr and sets
  // `error` when the spec cannot be turned into a pipeline.
  static std::unique_ptr<SourceSession> create (const StreamSpec & spec,
      std::shared_ptr<RtpFanout> fanout, std::shared_ptr<HealthBoard> health,
      std::string & error);

  GstElement *pipeline () const { return pipeline_; }

  // Why the camera's TLS certificate was refused, if it was ("" otherwise):
  // a clearer reason than rtspsrc's "Failed to connect".
  std::string tls_problem () const;

  // The gst-launch description of the built-in test source.
  static std::string test_pattern_description ();

private:
  SourceSession () = default;
  bool build_rtsp (const StreamSpec & spec, std::string & error);
  bool build_srt (const StreamSpec & spec, std::string & error);
  bool build_launch (const std::string & description, std::string & error);

  GstElement *pipeline_ = nullptr;
  std::shared_ptr<RtpFanout> fanout_;
  std::shared_ptr<HealthBoard> health_;
  HealthSpec health_spec_;
  std::shared_ptr<std::string> tls_problem_;   // written once, by rtspsrc
  mutable std::mutex tls_lock_;
};

// Sends every RTP buffer leaving `pad` to `fanout` as source track `index`
// (the buffers go no further). Used by every kind of source.
void feed_fanout_from_pad (GstPad * pad, std::shared_ptr<RtpFanout> fanout,
    unsigned index);

// As feed_fanout_from_pad, and also reports the pad's caps as track `index`;
// the fanout's track setup ends once `tracks_missing` tracks reported caps.
void feed_fanout_track (GstPad * pad, std::shared_ptr<RtpFanout> fanout,
    unsigned index, std::shared_ptr<std::atomic<int>> tracks_missing);

// Adds `pad ─► streamhealth ─► fakesink` to `bin` and returns the
// streamhealth's output pad (a new reference), where the fanout reads; the
// element is put on `board`. Falls back to the pad itself when the
// streamhealth element is missing.
GstPad *watch_track (GstBin * bin, GstPad * pad, const HealthSpec & spec,
    HealthBoard & board);

}  // namespace camgate
