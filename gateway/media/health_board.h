// HealthBoard: what the streamhealth elements watching one stream's tracks
// last reported. Each element's stream-health messages update it as they
// are posted (CamgateHealthWatch), and a change of state or reasons is told
// to a listener: nobody polls the elements. Sessions come and go (a camera
// reconnects, a publisher leaves); the board keeps what the last one
// measured so the API still says why a stream is being restarted.
#pragma once

#include "config/stream_spec.h"

#include <gst/gst.h>

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace camgate {

struct TrackHealth
{
  std::string media;               // "video", "audio"
  std::string encoding;            // "H264", "PCMA", ...
  std::string state = "healthy";   // healthy | degraded | stalled
  std::vector<std::string> reasons;
  guint64 bitrate = 0;
  double fps = 0;
  guint gop_frames = 0;
  double gop_seconds = 0;
  guint64 packets_lost = 0;
  guint64 stalls = 0;
};

struct StreamHealthSummary
{
  std::string state = "healthy";
  std::vector<std::string> reasons;  // union over tracks, in order seen
  std::vector<TrackHealth> tracks;
  // From an earlier session: the current one's tracks have not reported.
  bool stale = false;
};

class HealthBoard : public std::enable_shared_from_this<HealthBoard>
{
public:
  // A streamhealth element configured from `spec`, for one track of the
  // current session, in a CamgateHealthWatch whose reports update this
  // board. Must be owned by a shared_ptr.
  GstElement *make_watch (const HealthSpec & spec);

  // A new session starts: forget the previous session's tracks (the summary
  // stays until the new ones report).
  void begin_session ();

  // The summary of the tracks' last reports.
  StreamHealthSummary read () const;
  // `listener` runs, on the thread that posted the report, each time the
  // summary's state or reasons change.
  void on_change (std::function<void ()> listener);

private:
  void report (uint64_t session, size_t index, GstElement * health,
      const GstStructure * stats);
  StreamHealthSummary summarize_locked () const;

  mutable std::mutex lock_;
  uint64_t session_ = 0;
  std::vector<std::optional<TrackHealth>> tracks_;  // this session's, by watch
  StreamHealthSummary last_;
  std::function<void ()> listener_;
};

}  // namespace camgate
