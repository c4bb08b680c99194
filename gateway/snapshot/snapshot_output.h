// SnapshotOutput: JPEGs of a stream's keyframes, for
// GET /api/v1/streams/<name>/snapshot.jpg. Only keyframes reach the decoder
// (one decode per GOP), and the output exists only while snapshots are asked
// for (SnapshotService stops it when idle): cheap when nobody asks.
#pragma once

#include "media/fanout_output.h"

#include <glib.h>

#include <functional>
#include <mutex>

namespace camgate {

class SnapshotOutput : public FanoutOutput
{
public:
  // `on_jpeg` runs on the main context after each new JPEG.
  SnapshotOutput (const std::string & stream,
      std::shared_ptr<RtpFanout> fanout, std::function<void ()> on_jpeg);
  ~SnapshotOutput () override;

  // The latest JPEG (null when none yet) and when it was made (monotonic us).
  GBytes *latest (gint64 & made_us) const;

protected:
  bool describe (const RtpFanout::Layout & layout, std::string & description,
      std::string & error) override;
  void started (GstElement * pipeline) override;

private:
  static GstFlowReturn on_sample (GstElement * sink, gpointer self);
  static GstPadProbeReturn drop_delta_frames (GstPad *, GstPadProbeInfo * info,
      gpointer);

  std::function<void ()> on_jpeg_;
  mutable std::mutex lock_;
  GBytes *jpeg_ = nullptr;
  gint64 made_us_ = 0;
  // Cleared in the destructor: a JPEG callback queued on the main context
  // must not reach a deleted output.
  std::shared_ptr<bool> alive_ = std::make_shared<bool> (true);
};

}  // namespace camgate
