// SourceSession: one attempt at running a stream's source as a GstPipeline
// that feeds the stream's RtpFanout. A failed or finished session is thrown
// away and a new one is built on retry, so no state leaks between attempts.
//
//   rtsp:      rtspsrc ─(RTP, camera's own packets)─► fanout
//   test/pipeline: <description> ─► parsed H.264/H.265/AAC/Opus/G.711
//                  ─► rtpXpay (once per stream) ─► fanout
//
// Publish streams have no SourceSession: the RTSP RECORD media is the source
// (see rtsp/stream_media_factory.cpp).
#pragma once

#include "config/stream_spec.h"
#include "stream/rtp_fanout.h"

#include <gst/gst.h>

#include <atomic>
#include <memory>
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
      std::shared_ptr<RtpFanout> fanout, std::string & error);

  GstElement *pipeline () const { return pipeline_; }

  // The gst-launch description of the built-in test source.
  static std::string test_pattern_description ();

private:
  SourceSession () = default;
  bool build_rtsp (const StreamSpec & spec, std::string & error);
  bool build_launch (const std::string & description, std::string & error);

  GstElement *pipeline_ = nullptr;
  std::shared_ptr<RtpFanout> fanout_;
};

// Sends every RTP buffer leaving `pad` to `fanout` as source track `index`
// (the buffers go no further). Used by every kind of source.
void feed_fanout_from_pad (GstPad * pad, std::shared_ptr<RtpFanout> fanout,
    unsigned index);

// As feed_fanout_from_pad, and also reports the pad's caps as track `index`;
// the fanout's track setup ends once `tracks_missing` tracks reported caps.
void feed_fanout_track (GstPad * pad, std::shared_ptr<RtpFanout> fanout,
    unsigned index, std::shared_ptr<std::atomic<int>> tracks_missing);

}  // namespace camgate
