// HealthBoard: the streamhealth elements watching one stream's tracks, read
// from the main thread. Sessions come and go (a camera reconnects, a
// publisher leaves); the board keeps what the last one measured so the API
// still says why a stream is being restarted.
#pragma once

#include "config/stream_spec.h"

#include <gst/gst.h>

#include <mutex>
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
};

class HealthBoard
{
public:
  ~HealthBoard ();

  // A streamhealth element configured from `spec`, for one track.
  static GstElement *make_element (const HealthSpec & spec);

  // A new session starts: forget the previous session's elements.
  void begin_session ();
  void add (GstElement * health);  // any thread

  // Reads every element; a session without elements keeps the last reading.
  StreamHealthSummary read ();

private:
  std::mutex lock_;
  std::vector<GstElement *> entries_;
  StreamHealthSummary last_;
};

}  // namespace camgate
