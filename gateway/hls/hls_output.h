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
#include "stream/fanout_output.h"

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

protected:
  bool describe (const RtpFanout::Layout & layout, std::string & description,
      std::string & error) override;
  void started (GstElement * pipeline) override;

private:
  const HlsSpec spec_;
  mutable std::mutex store_lock_;
  std::shared_ptr<hls::SegmentStore> store_;
};

}  // namespace camgate
