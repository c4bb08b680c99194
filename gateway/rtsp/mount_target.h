// What an RTSP mount serves: the stream's RTP fanout for players, and, for
// `source: publish` streams, the door through which a publisher feeds it.
#pragma once

#include "config/stream_spec.h"
#include "stream/health_board.h"
#include "stream/rtp_fanout.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace camgate {

struct MountTarget
{
  std::string name;
  std::shared_ptr<RtpFanout> fanout;
  std::shared_ptr<HealthBoard> health;   // publish: watches the publisher
  HealthSpec health_spec;
  bool play = true;                // outputs.rtsp: viewers may DESCRIBE/PLAY
  bool publish = false;            // source: publish: ANNOUNCE/RECORD accepted
  uint32_t publish_latency_ms = 100;

  // Called from RTSP server threads when a publisher starts or goes away.
  std::function<void ()> on_publish_start;
  std::function<void (const std::string &)> on_publish_end;

  // Shared with the stream: one publisher at a time, RTSP or WHIP.
  std::shared_ptr<std::atomic<bool>> publishing =
      std::make_shared<std::atomic<bool>> (false);
};

}  // namespace camgate
