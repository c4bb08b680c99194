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
//
// A transcoded rendition's packaging (HlsRendition) reads the rendition's
// fanout instead, runs while the stream has adaptive-bitrate HLS/DASH
// players (keeping the rendition's encoder on), and lines its segments up with the camera's own
// packaging (cmafsink align-to): same numbers, boundaries and decode times,
// so that ABR players switch between them.
#pragma once

#include "config/stream_spec.h"
#include "media/fanout_output.h"

#include "hls/segment_store.h"

#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace camgate {

class HlsOutput;

struct HlsRendition
{
  std::string name;                          // "360p"
  // The rendition's readers: the output's lease keeps its encoder on.
  std::shared_ptr<ReaderCount> encoder_readers;
  std::shared_ptr<HlsOutput> leader;         // the camera's own packaging
  // The stream's adaptive-bitrate players (those that asked for the
  // multivariant playlist, the MPD or a rendition), shared by its
  // renditions' packagings: they keep all of them on.
  std::shared_ptr<ReaderCount> abr_readers;
  int64_t linger_us = 0;
};

class HlsOutput : public FanoutOutput
{
public:
  HlsOutput (std::string stream, HlsSpec spec,
      std::shared_ptr<RtpFanout> fanout,
      std::optional<HlsRendition> rendition = std::nullopt);
  ~HlsOutput () override;

  // The rendition it packages ("" = the camera's own stream).
  std::string rendition () const
  {
    return rendition_ ? rendition_->name : std::string ();
  }
  // A rendition's: the readers that keep it on (see HlsRendition).
  std::shared_ptr<ReaderCount> abr_readers () const
  {
    return rendition_ ? rendition_->abr_readers : nullptr;
  }
  // The store being served (null until the first build).
  std::shared_ptr<hls::SegmentStore> store () const;
  // The running pipeline's cmafsink (a reference), null while stopped.
  GstElement *sink () const;

  // A rendition's packaging that may yet produce media: not asked for yet,
  // or asked for less than kStartWaitUs ago (a rendition whose encoder
  // fails is not waited for again and again).
  static constexpr int64_t kStartWaitUs = 8 * G_USEC_PER_SEC;
  bool starting (int64_t now_us) const;

  std::optional<Demand> demand () const override;
  void update (const OutputTick & tick) override;
  void stop () override;

  // The rule: no part for 3 target durations (at least 5 s) since the last
  // one, or none at all 15 s after the output or the session started (a
  // long first GOP).
  static bool parts_overdue (int64_t now_us, int64_t started_us,
      int64_t last_part_us, unsigned target_duration_s);
  // "hls-stalled" ("hls-stalled:<rendition>" for a rendition's) while
  // stalled(): players see a frozen picture whatever the source does.
  void add_health_reasons (const OutputTick & tick,
      std::vector<std::string> & reasons) const override;

protected:
  bool describe (const RtpFanout::Layout & layout, std::string & description,
      std::string & error) override;
  void started (GstElement * pipeline) override;
  void stopped () override;
  void source_idle () override;
  // The camera's frames by when they arrived, a rendition's as the ladder
  // encoded them (by the same arrival): the keyframes of both meet on the
  // clock however late either pipeline started.
  bool timed_by_clock (size_t) const override { return true; }

private:
  // Whether the packager has stopped making parts while its pipeline runs
  // (the source may look healthy: players would see a frozen picture).
  // `session_us`: when the current source session began delivering.
  bool stalled (int64_t now_us, int64_t session_us) const;

  const HlsSpec spec_;
  const std::optional<HlsRendition> rendition_;
  ReaderCount::Lease encoder_lease_;         // a rendition's, while wanted
  int64_t wanted_since_us_ = 0;              // when it took the lease
  GstElement *leader_sink_ = nullptr;        // what the build lined up with
  mutable std::mutex store_lock_;
  // The store's last part when the source went idle (-1: not idle): the
  // store is hidden until a newer part comes.
  mutable int64_t idle_at_part_us_ = -1;
  std::shared_ptr<hls::SegmentStore> store_;
  GstElement *sink_ = nullptr;
  int64_t started_us_ = 0;
};

}  // namespace camgate
