// SegmentStore: one stream's CMAF header, parts and segments in memory, with
// its LL-HLS media playlist, a multivariant playlist and a DASH MPD
// (dash_manifest.h renders it) over the same files. cmafsink fills it; the gateway's HTTP server serves from it
// (and blocks requests until a part exists); a DirectoryWriter mirrors it to
// files. Thread-safe; memory is bounded by the playlist window (parts are
// kept once; a segment is served as its parts back to back).
#pragma once

#include "dash_manifest.h"
#include "media_playlist.h"
#include "isobmff/track_view.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace camgate::hls {

using Bytes = std::shared_ptr<const std::vector<uint8_t>>;

struct StreamInfo
{
  std::string codecs;              // "avc1.64001f,mp4a.40.2"
  unsigned width = 0, height = 0;
  uint64_t bandwidth = 0;          // bits per second, peak segment estimate
  double frame_rate = 0;           // 0: not said by the caps
};

// What a multivariant playlist says of one variant stream.
struct VariantInfo
{
  StreamInfo info;
  uint64_t peak_bandwidth = 0;     // bits per second, with a margin
  uint64_t average_bandwidth = 0;  // 0 before a segment is complete
};

// A multivariant playlist of `variants`: each its media playlist's URI and
// what it holds, highest first as listed.
std::string multivariant_playlist (const std::vector<std::pair<std::string,
    VariantInfo>> & variants);

struct ChunkInfo
{
  uint64_t segment = 0;            // MSN
  unsigned part = 0;
  double duration = 0;             // seconds
  bool independent = false;
  bool segment_start = false;
  int64_t wall_clock_ms = 0;       // when its first sample was captured
};

// DASH serves each track of a stream with audio and video on its own
// (separate AdaptationSets, as DASH players and ffmpeg's reader expect):
// "init.mp4" -> "init-<track>.mp4", "seg<n>.m4s" -> "seg<n>-<track>.m4s",
// one track's view of the muxed file (isobmff/track_view.h).
std::string track_uri (const std::string & uri, uint32_t track_id);

// What changed, for observers (called outside the store's lock).
struct StoreEvent
{
  enum Kind { Header, Part, SegmentComplete, Removed } kind;
  std::string uri;                 // the file added or removed
  Bytes bytes;                     // its contents (not for Removed)
};

class SegmentStore
{
public:
  explicit SegmentStore (PlaylistConfig config);

  void set_header (std::vector<uint8_t> bytes, StreamInfo info);
  void add_chunk (const ChunkInfo & chunk, std::vector<uint8_t> bytes);
  // The last segment is complete (end of stream).
  void finish ();

  // Whether the playlist is worth serving: the first segment is complete,
  // so its target duration is settled for good.
  bool has_media () const;
  // A file by name (init.mp4, seg<n>.m4s, part<n>.m4s, and their track
  // views for DASH), if held.
  Bytes file (const std::string & uri) const;
  // The tracks DASH serves on their own (none when the stream has one
  // track: its files are served as they are).
  std::vector<uint32_t> dash_tracks () const;
  std::string media_playlist (bool skip = false) const;
  std::string multivariant_playlist () const;
  VariantInfo variant () const;
  // `timeline_from_zero`: for GStreamer 1.22's DASH demuxers (see
  // DashPresentation).
  std::string dash_manifest (bool timeline_from_zero = false) const;
  // What the MPD is made of, for one that adds renditions' representations
  // (render_dash_manifest renders it).
  DashPresentation dash_presentation (bool timeline_from_zero = false) const;
  Readiness readiness (uint64_t msn, std::optional<unsigned> part) const;
  // Whether `uri` is about to exist: the part the playlist's preload hint
  // names, or the segment being built (DASH clients ask for it early, as
  // availabilityTimeOffset allows).
  bool is_pending (const std::string & uri) const;
  // When the last part arrived (g_get_monotonic_time; 0 before the first).
  int64_t last_part_us () const;
  // Segment `uri` from byte `offset` on, while it is being built (what its
  // parts hold so far, `complete` false) or once it is complete. False when
  // there is no such segment (any more).
  bool segment_from (const std::string & uri, size_t offset,
      std::vector<uint8_t> & out, bool & complete) const;
  PlaylistConfig config () const;

  using Observer = std::function<void (const StoreEvent &)>;
  // Observers are told of every change; returns an id for unobserve().
  int observe (Observer observer);
  void unobserve (int id);

  static constexpr const char *kMediaPlaylist = "stream.m3u8";
  static constexpr const char *kMultivariant = "index.m3u8";
  static constexpr const char *kManifest = "manifest.mpd";
  static constexpr const char *kInit = "init.mp4";

private:
  void notify (const std::vector<StoreEvent> & events);
  Bytes muxed_file_locked (const std::string & uri) const;
  // Whether DASH serves `track` on its own (a stream with 2+ tracks).
  bool serves_track_locked (uint32_t track) const;
  std::vector<DashRepresentation> dash_representations_locked () const;
  std::vector<StoreEvent> complete_open_segment_locked ();

  mutable std::mutex lock_;
  MediaPlaylist playlist_;
  StreamInfo info_;
  Bytes header_;
  std::map<std::string, Bytes> files_;
  // Bytes of the segment being built, until it completes (for the event
  // observers get); complete segments are served from their parts.
  std::vector<uint8_t> open_segment_;
  double open_duration_ = 0;
  bool have_open_ = false;
  uint64_t open_msn_ = 0;
  int64_t availability_start_ms_ = 0;   // wall clock of segment 0, for DASH
  int64_t next_start_ms_ = 0;           // media time of the open segment
  std::map<uint64_t, int64_t> start_ms_;  // media time of each segment
  double max_segment_seconds_ = 0;
  uint64_t peak_bitrate_ = 0;
  uint64_t complete_bytes_ = 0;         // of every segment completed
  double complete_seconds_ = 0;
  std::vector<isobmff::TrackSummary> tracks_;   // from the header
  std::map<uint32_t, uint64_t> peak_track_bitrate_;   // DASH, per track
  int64_t last_part_us_ = 0;
  std::map<int, Observer> observers_;
  int next_observer_ = 1;
};

// Mirrors a store into a folder: every file is written to a temporary name
// and renamed (readers never see half a file), removed files are deleted,
// playlists and the MPD are rewritten after each change.
class DirectoryWriter
{
public:
  DirectoryWriter (std::shared_ptr<SegmentStore> store, std::string directory);
  ~DirectoryWriter ();
  const std::string & error () const { return error_; }

private:
  void write (const std::string & name, const std::vector<uint8_t> & bytes);
  void write (const std::string & name, const std::string & text);

  std::shared_ptr<SegmentStore> store_;
  std::string directory_;
  int observer_ = 0;
  std::string error_;
};

}  // namespace camgate::hls
