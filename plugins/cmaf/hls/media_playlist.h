// The LL-HLS media playlist of one CMAF stream (draft-pantos-hls-rfc8216bis;
// see the shared specs §1): segments made of parts, a sliding window,
// program-date-time on every segment, a preload hint for the next part,
// blocking-reload and delta-update support. Pure C++; the segment store
// feeds it and the HTTP server renders it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace camgate::hls {

struct PlaylistConfig
{
  double part_target = 0.2;        // seconds; no part is ever longer
  unsigned target_duration = 2;    // seconds, integer; the first segment
                                   // may raise it (long GOPs), then fixed
  size_t window = 6;               // complete segments kept in the playlist
  std::string map_uri = "init.mp4";
};

struct Part
{
  unsigned index = 0;
  double duration = 0;
  bool independent = false;
  std::string uri;
};

struct Segment
{
  uint64_t msn = 0;
  int64_t program_date_time_ms = 0;  // wall clock of the first sample
  std::vector<Part> parts;
  bool complete = false;
  double duration = 0;             // complete segments only
  std::string uri;                 // complete segments only
};

// "seg<msn>.m4s", and "part<number>.m4s" for a part. Parts are numbered
// across segments, not by segment and index: whether the next part opens a
// new segment is only known when its first sample arrives, and the preload
// hint has to name it before that.
std::string segment_uri (uint64_t msn);
std::string part_uri (uint64_t number);

// Where a blocking request stands (§6.2.5.2).
enum class Readiness { Ready, Wait, BadRequest };

class MediaPlaylist
{
public:
  explicit MediaPlaylist (PlaylistConfig config);

  const PlaylistConfig & config () const { return config_; }

  // A new part of segment `msn` (a new segment when msn is new), named by
  // the next running part number; returns its URI (`part.uri` is ignored).
  std::string add_part (uint64_t msn, Part part,
      int64_t program_date_time_ms);
  // Segment `msn` is complete. Returns the URIs that fell out of the window
  // (the segment file and its parts), to delete once no longer served.
  std::vector<std::string> complete_segment (uint64_t msn,
      const std::string & uri, double duration);

  // The stream ended: EXT-X-ENDLIST, no preload hint, no blocking.
  void end () { ended_ = true; }
  bool ended () const { return ended_; }

  // The playlist as text. `skip`: a delta update (EXT-X-SKIP) if allowed.
  std::string render (bool skip = false) const;

  // For `_HLS_msn`/`_HLS_part`: is that part (or the whole segment when
  // `part` is empty) in the playlist yet?
  Readiness readiness (uint64_t msn, std::optional<unsigned> part) const;

  // Complete segments in the window, oldest first.
  std::vector<const Segment *> complete_segments () const;

  // The URI the preload hint names: the next part, whether it continues the
  // open segment or starts a new one.
  std::string next_part_uri () const { return part_uri (next_part_); }
  bool empty () const { return segments_.empty (); }
  // Whether the first segment is complete, which fixes the target duration
  // for the rest of the stream.
  bool target_settled () const { return target_settled_; }
  // Segments longer than the settled target (a camera whose GOP grew).
  unsigned overlong_segments () const { return overlong_segments_; }
  uint64_t last_msn () const;

private:
  PlaylistConfig config_;
  std::vector<Segment> segments_;  // oldest first; the last may be open
  bool ended_ = false;
  uint64_t next_part_ = 0;         // running part number, never reused
  bool target_settled_ = false;
  unsigned overlong_segments_ = 0;
};

}  // namespace camgate::hls
