// SnapshotOutput: JPEGs of a stream's keyframes, for
// GET /api/v1/streams/<name>/snapshot.jpg. Only keyframes reach the decoder
// (one decode per GOP), and the output runs only while snapshot requests
// hold reader leases and a minute after: cheap when nobody asks.
#pragma once

#include "media/fanout_output.h"

#include <glib.h>

#include <functional>
#include <mutex>
#include <vector>

namespace camgate {

class SnapshotOutput : public FanoutOutput
{
public:
  SnapshotOutput (const std::string & stream,
      std::shared_ptr<RtpFanout> fanout);
  ~SnapshotOutput () override;
  static constexpr int64_t kLingerUs = 60 * G_USEC_PER_SEC;

  std::optional<Demand> demand () const override
  {
    return Demand { ReaderKind::Snapshot, kLingerUs };
  }
  // `callback` runs once, on the main context, after the next JPEG.
  void when_next_jpeg (std::function<void ()> callback);

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

  void run_jpeg_callbacks ();

  std::vector<std::function<void ()>> on_next_jpeg_;   // main context
  mutable std::mutex lock_;
  GBytes *jpeg_ = nullptr;
  gint64 made_us_ = 0;
  // Cleared in the destructor: a JPEG callback queued on the main context
  // must not reach a deleted output.
  std::shared_ptr<bool> alive_ = std::make_shared<bool> (true);
};

}  // namespace camgate
