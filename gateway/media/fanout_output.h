// FanoutOutput: the common life of an output that reads a stream through its
// own pipeline fed by the RtpFanout (the HLS packager, the WebRTC feed): the
// pipeline is built once the source delivers a layout, rebuilt when the
// camera comes back with a different one or after an error, and torn down
// with the output. Subclasses say what pipeline a layout needs.
#pragma once

#include "media/rtp_fanout.h"
#include "media/stream_output.h"

#include <gst/gst.h>

#include <memory>
#include <mutex>
#include <string>

namespace camgate {

class FanoutOutput : public StreamOutput
{
public:
  FanoutOutput (std::string stream, std::string what,
      std::shared_ptr<RtpFanout> fanout);
  virtual ~FanoutOutput ();
  FanoutOutput (const FanoutOutput &) = delete;
  FanoutOutput & operator= (const FanoutOutput &) = delete;

  const std::string & what () const override { return what_; }
  // While the source delivers: builds the pipeline, rebuilds it after a
  // layout change or an error.
  void update (const OutputTick & tick) override;
  // Subclasses call this from their destructor (their hooks must still
  // exist while the pipeline goes down).
  void stop () override;
  bool running () const override { return pipeline_ != nullptr; }
  std::string last_error () const;

  // The appsrc (and reordering) a description starts track `index` with; the
  // caller appends its depayloading chain after it.
  static std::string track_source (size_t index);

protected:
  // The gst-launch description for `layout`. Each track the output takes is
  // read from track_source(i); the others are dropped. False with `error`
  // when nothing in the layout suits this output.
  virtual bool describe (const RtpFanout::Layout & layout,
      std::string & description, std::string & error) = 0;
  // The pipeline is built and about to start / has gone.
  virtual void started (GstElement * pipeline) { (void) pipeline; }
  // Whether track `index`'s packets are timed by their frame's clock time
  // (a rendition's, as the ladder encoded it) or by when their frame reached
  // the fanout, rather than by when they leave for this pipeline: for
  // outputs that must line up with each other on the clock (the packagings
  // of a stream and its renditions, the ladder), whenever each started.
  // See stamp_from_clock_time().
  virtual bool timed_by_clock (size_t index) const
  {
    (void) index;
    return false;
  }
  virtual void stopped () {}
  // An element message from the pipeline (main context).
  virtual void element_message (const GstStructure * message)
  {
    (void) message;
  }

  const std::string stream_;
  const std::shared_ptr<RtpFanout> & fanout () const { return fanout_; }

private:
  bool build (const RtpFanout::Layout & layout, std::string & error);
  void record_error (const std::string & error);
  static gboolean on_bus (GstBus *, GstMessage * message, gpointer self);

  const std::string what_;
  const std::shared_ptr<RtpFanout> fanout_;
  GstElement *pipeline_ = nullptr;
  guint bus_watch_ = 0;
  uint64_t output_id_ = 0;
  uint64_t generation_ = 0;
  bool failed_ = false;

  mutable std::mutex lock_;
  std::string last_error_;
};

}  // namespace camgate
