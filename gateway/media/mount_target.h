// What an RTSP mount serves: the stream's RTP fanout for players, and, for
// `source: publish` streams, the door through which a publisher feeds it;
// and StreamMounts, what serves them (the RTSP server), which the stream
// layer tells as streams come and go without depending on it.
#pragma once

#include "config/stream_spec.h"
#include "media/publisher_lease.h"
#include "media/reader_count.h"
#include "media/rtp_fanout.h"

#include <cstdint>
#include <functional>
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
  // The stream's RTSP players: each PLAYing session holds a lease.
  std::shared_ptr<ReaderCount> readers;
  // For a source that starts on demand (a rendition): a player's request
  // counts as a reader and waits this long for data before it is refused.
  uint32_t start_wait_ms = 0;
  // In a cluster: the owner's "rtsp://host:port" when another node owns the
  // stream and its viewers are sent there ("" to serve or refuse here).
  std::function<std::string ()> redirect;
};

class StreamMounts
{
public:
  virtual ~StreamMounts () = default;
  // Serves `target` at /<target->name>, replacing a mount of that name.
  virtual void mount (std::shared_ptr<MountTarget> target) = 0;
  // Removes the mount and ends every session that was watching it.
  virtual void unmount (const std::string & name) = 0;
};

}  // namespace camgate
