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
#include "stream/rtp_fanout.h"

#include "hls/segment_store.h"

#include <gst/gst.h>

#include <memory>
#include <mutex>
#include <string>

namespace camgate {

class HlsOutput
{
public:
  HlsOutput (std::string stream, HlsSpec spec,
      std::shared_ptr<RtpFanout> fanout);
  ~HlsOutput ();
  HlsOutput (const HlsOutput &) = delete;
  HlsOutput & operator= (const HlsOutput &) = delete;

  // On the main context, every tick: builds the pipeline once the source
  // delivers, rebuilds it after a layout change.
  void update ();
  void stop ();

  // The store being served (null until the first build).
  std::shared_ptr<hls::SegmentStore> store () const;
  std::string last_error () const;

private:
  bool build (const RtpFanout::Layout & layout, std::string & error);
  static gboolean on_bus (GstBus *, GstMessage * message, gpointer self);

  const std::string stream_;
  const HlsSpec spec_;
  const std::shared_ptr<RtpFanout> fanout_;
  GstElement *pipeline_ = nullptr;
  guint bus_watch_ = 0;
  uint64_t output_id_ = 0;
  uint64_t generation_ = 0;
  bool failed_ = false;

  mutable std::mutex lock_;
  std::shared_ptr<hls::SegmentStore> store_;
  std::string last_error_;
};

}  // namespace camgate
