// StreamOutput: one output of a stream (the LL-HLS/DASH packager, the WebRTC
// feed, the recording, snapshots) as its Stream drives it. The stream owns
// its outputs; it updates those that are wanted on every tick, stops an
// on-demand one when its readers have been gone for its linger time, and
// asks each what it adds to the stream's health. Which outputs a stream has
// is decided above the stream layer (an OutputMaker), so the stream knows
// none of them by type. Main context only.
#pragma once

#include "config/stream_spec.h"
#include "media/mount_target.h"
#include "media/reader_count.h"
#include "media/rtp_fanout.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace camgate {

// What the stream tells its outputs on each tick.
struct OutputTick
{
  int64_t now_us = 0;              // g_get_monotonic_time
  bool delivering = false;         // the source's tracks are known, data flows
  // When the current source session began delivering (or was started).
  int64_t delivering_since_us = 0;
};

// An on-demand output runs while readers of this kind hold leases, and for
// `linger_us` after the last left.
struct Demand
{
  ReaderKind readers;
  int64_t linger_us;
  // Set: these readers keep it on (the WebRTC viewers of one rendition),
  // not all the stream's readers of that kind.
  std::shared_ptr<ReaderCount> count = nullptr;
};

class StreamOutput
{
public:
  virtual ~StreamOutput () = default;

  // For logs: "LL-HLS", "WebRTC", "recording", "snapshot".
  virtual const std::string & what () const = 0;
  // Runs only on the node that owns the stream in a cluster (recording,
  // camera events, pushes), never on an edge that relays it.
  virtual bool owner_only () const { return false; }
  // Who keeps it running; none: it runs as long as the stream.
  virtual std::optional<Demand> demand () const { return std::nullopt; }
  // Every tick while wanted: follow the source (build, rebuild, check).
  virtual void update (const OutputTick & tick) = 0;
  virtual bool running () const = 0;
  // The source session ended (the camera dropped, the publisher left).
  virtual void session_ended () {}
  // An on-demand source was disconnected, nobody reading: what the output
  // shows of the last run is old now.
  virtual void source_idle () {}
  // Not wanted any more, or the stream stops.
  virtual void stop () = 0;
  // RTSP mounts of media the output makes itself (a transcoded rendition),
  // served beside the stream's own while the stream exists.
  virtual std::vector<std::shared_ptr<MountTarget>> mount_targets () const
  {
    return {};
  }
  // Adds why this output is not well ("hls-stalled", ...) to the stream's
  // health reasons.
  virtual void add_health_reasons (const OutputTick & tick,
      std::vector<std::string> & reasons) const
  {
    (void) tick;
    (void) reasons;
  }
};

// Makes the outputs a stream's definition asks for, fed by its fanout.
using OutputMaker = std::function<std::vector<std::shared_ptr<StreamOutput>> (
        const StreamSpec & spec, const std::shared_ptr<RtpFanout> & fanout)>;

}  // namespace camgate
