// The DASH MPD (ISO/IEC 23009-1, live profile, DASH-IF low-latency
// signalling) over a SegmentStore's segments: what the store knows, put in
// MPD form. Kept apart from the store, which only gathers the facts.
#pragma once

#include "media_playlist.h"

#include <cstdint>
#include <string>
#include <vector>

namespace camgate::hls {

struct DashRepresentation
{
  // 0: the stream's muxed files (init.mp4, seg<n>.m4s) as they are; else
  // one track's view of them (init-<track>.mp4, seg<n>-<track>.m4s).
  uint32_t track_id = 0;
  bool video = true;
  std::string codecs;
  unsigned width = 0, height = 0;
  uint32_t sample_rate = 0;
  unsigned channels = 0;
  uint64_t bandwidth = 0;          // bits per second, 0: not measured yet
  // Another rendition of the picture, packaged beside this stream's own:
  // its files' folder ("360p/"), also its Representation's id. Renditions'
  // segments line up with the stream's (same numbers and times), so they
  // share its AdaptationSet and SegmentTimeline.
  std::string rendition;
};

struct DashSegment
{
  int64_t start_ms = 0;            // from availabilityStartTime
  int64_t duration_ms = 0;
};

struct DashPresentation
{
  PlaylistConfig config;
  int64_t availability_start_ms = 0;   // wall clock, ms since 1970
  int64_t now_ms = 0;                  // publishTime and UTCTiming
  uint64_t start_number = 0;
  // Complete segments, then the one being built (with its expected
  // length) while the stream goes on.
  std::vector<DashSegment> segments;
  std::vector<DashRepresentation> representations;
  // GStreamer 1.22's dashdemux and dashdemux2 find a live position one
  // "first listed segment's start" too far ahead (gst_mpd_client_stream_seek
  // adds that start to the offset into the segment), so they wait for a
  // segment that does not exist yet once the window has slid. For them the
  // timeline begins with one entry from time 0 to the first real segment,
  // numbered one before it: it lies outside timeShiftBufferDepth, so no
  // player asks for it, and the demuxers' arithmetic comes out right.
  bool timeline_from_zero = false;
};

std::string render_dash_manifest (const DashPresentation & presentation);

// How far behind live players are asked to stay: three parts, as LL-HLS's
// PART-HOLD-BACK, and at least 1.5 s.
double dash_presentation_delay (const PlaylistConfig & config);

}  // namespace camgate::hls
