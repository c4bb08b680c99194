// What an RTSP mount serves: the stream's RTP fanout for players, and, for
// `source: publish` streams, the door through which a publisher feeds it.
#pragma once

#include "config/stream_spec.h"
#include "stream/publisher_lease.h"
#include "stream/rtp_fanout.h"

#include <cstdint>
#include <memory>
#include <string>

namespace camgate {

struct MountTarget
{
  std::string name;
  std::shared_ptr<RtpFanout> fanout;
  bool play = true;                // outputs.rtsp: viewers may DESCRIBE/PLAY
  bool publish = false;            // source: publish: ANNOUNCE/RECORD accepted
  uint32_t publish_latency_ms = 100;

  // Shared with the stream: one publisher at a time, RTSP or WHIP.
  std::shared_ptr<PublishSlot> publish_slot;
};

}  // namespace camgate
