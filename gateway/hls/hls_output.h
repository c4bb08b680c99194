// HlsOutput: a stream's LL-HLS/DASH packaging. A pipeline fed by the
// stream's RtpFanout (like an RTSP media) depayloads each track once, parses
// it, transcodes G.711 to AAC (players cannot take G.711 in fMP4), and feeds
// cmafsink, whose segment store the HTTP server serves.
//
//   appsrc(RTP H.264/H.265) ─► depay ─► parse ─┐
//   appsrc(RTP AAC/Opus)    ─► depay ─► parse ─┼─► cmafsink (store)
//   appsrc(RTP PCMA/PCMU)   ─► depay ─► decode ─► AAC ─┘
//
// Rebuilt when the camera comes back with a different layout.
#pragma once

#include "config/stream_spec.h"
#include "media/fanout_output.h"

#include "hls/segment_store.h"

#include <memory>
#include <mutex>
#include <string>

namespace camgate {

class HlsOutput : public FanoutOutput
{
public:
  HlsOutput (std::string stream, HlsSpec spec,
      std::shared_ptr<RtpFanout> fanout);
  ~HlsOutput () override;

  // The store being served (null until the first build).
  std::shared_ptr<hls::SegmentStore> store () const;

  // The rule: no part for 3 target durations (at least 5 s) since the last
  // one, or none at all 15 s after the output or the session started (a
  // long first GOP).
  static bool parts_overdue (int64_t now_us, int64_t started_us,
      int64_t last_part_us, unsigned target_duration_s);
  // "hls-stalled" while stalled(): players see a frozen picture whatever
  // the source does.
  void add_health_reasons (const OutputTick & tick,
      std::vector<std::string> & reasons) const override;

protected:
  bool describe (const RtpFanout::Layout & layout, std::string & description,
      std::string & error) override;
  void started (GstElement * pipeline) override;

private:
  // Whether the packager has stopped making parts while its pipeline runs
  // (the source may look healthy: players would see a frozen picture).
  // `session_us`: when the current source session began delivering.
  bool stalled (int64_t now_us, int64_t session_us) const;

  const HlsSpec spec_;
  mutable std::mutex store_lock_;
  std::shared_ptr<hls::SegmentStore> store_;
  int64_t started_us_ = 0;
};

}  // namespace camgate
