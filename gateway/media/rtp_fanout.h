// RtpFanout: hands one stream's RTP packets, unchanged but for their headers,
// to every output that reads the stream.
//
// The camera's packets are never depayloaded or re-payloaded on the relay
// path: a source session (rtspsrc, an RTSP publisher, or our own payloaders)
// pushes RTP here, and each attached output (an RTSP media's appsrc per track)
// receives a reference to the same buffer. Only the RTP header is rewritten so
// that readers see one continuous RTP stream per track (fixed SSRC, sequence
// numbers and timestamps continued) across camera reconnects.
//
// Packets of a video frame are collected until its last packet (the RTP
// marker) and handed on as one GstBufferList: a frame arrives within a few
// milliseconds, and each output wakes once per frame rather than per packet.
//
// Timestamps are repaired on the way: a camera whose RTP clock jumps (hours
// forward, far backwards) is rebased so readers see time advance with the
// wall clock; small backward steps (B-frames) pass unchanged.
//
// Video frames are also kept from the last keyframe on (keep_gops), for RTSP
// viewers who join mid-GOP (see GopCache).
//
// A "layout" is the list of track caps of the current session. When a
// reconnecting camera comes back with a different layout, the generation
// changes: outputs attached to an older generation are ended, new ones attach
// to the new layout.
#pragma once

#include "media/gop_cache.h"

#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace camgate {

class RtpFanout
{
public:
  struct Layout
  {
    uint64_t generation = 0;
    std::vector<GstCaps *> caps;   // owned refs; see release()
    // The SSRC each track's packets leave with (fixed for the layout).
    std::vector<uint32_t> ssrcs;
    void release ();
  };

  struct Counters
  {
    uint64_t packets_in = 0;
    uint64_t bytes_in = 0;
    uint64_t bytes_out = 0;        // bytes handed to outputs (per output)
    uint64_t sessions = 0;         // source sessions that delivered a layout
    int64_t last_packet_us = 0;    // g_get_monotonic_time() of the last packet
    uint64_t timestamp_repairs = 0;
    int64_t last_repair_us = 0;
  };

  RtpFanout ();
  ~RtpFanout ();
  RtpFanout (const RtpFanout &) = delete;
  RtpFanout & operator= (const RtpFanout &) = delete;

  // Producer side; may be called from any streaming thread.
  void begin_session ();
  // `index` is the source's own numbering (e.g. the SDP media index); it may
  // have holes, tracks are numbered in its order.
  void set_track_caps (unsigned index, GstCaps * caps);
  void end_track_setup ();         // every track of the session is known
  void push (unsigned index, GstBuffer * buffer);  // takes ownership
  void end_session ();

  // Consumer side.
  // The layout to build a new output from, or nothing while no session
  // delivers data.
  std::optional<Layout> layout () const;
  // Attaches one appsrc per track of `generation`. Returns an id for
  // detach(), or 0 when the generation is no longer current.
  uint64_t attach (uint64_t generation, const std::vector<GstAppSrc *> & srcs);
  void detach (uint64_t id);
  // Ends every attached output (EOS) and detaches it.
  void end_all_outputs ();

  // Keeps each video track's frames from its last keyframe, up to
  // `max_bytes` per track, from the next frame on (0: keeps none).
  void keep_gops (size_t max_bytes);
  // The frames of `track` from its last keyframe, for outputs built for
  // `generation`; empty when none are kept (no keyframe since the camera
  // (re)connected, a GOP too large, another generation, or keep_gops off).
  GopCache::Snapshot gop (uint64_t generation, size_t track) const;

  Counters counters () const;
  bool session_active () const;
  size_t output_count () const;
  // Media of the tracks the current session lacks compared with the layout
  // outputs were built for ("video", "audio"); empty when complete.
  std::vector<std::string> missing_tracks () const;

  // Caps as an RTP output should announce them: per-session fields (ssrc,
  // seqnum-base, clock-base, npt/play ranges, direction) removed.
  static GstCaps *clean_caps (GstCaps * caps);

private:
  struct Track
  {
    GstCaps *caps = nullptr;
    uint32_t out_ssrc = 0;
    bool have_input = false;       // a packet of this session was seen
    uint32_t in_ssrc = 0;
    uint32_t last_in_ts = 0;
    uint16_t seq_offset = 0;
    uint32_t ts_offset = 0;
    bool have_output = false;      // a packet was ever sent on this track
    uint16_t last_out_seq = 0;
    uint32_t last_out_ts = 0;
    int64_t last_out_us = 0;
    int clock_rate = 90000;
    // Video packets are handed on a frame at a time (up to the RTP marker):
    // one wake-up of each output per frame instead of per packet.
    bool batch_frames = false;
    GstBufferList *frame = nullptr;
    // Whether a frame's packets start a keyframe (video codecs camgate
    // knows), and the frames kept since the last one.
    bool (*starts_keyframe) (const uint8_t * payload, size_t size) = nullptr;
    std::unique_ptr<GopCache> gop;
  };

  struct Output
  {
    uint64_t id;
    std::vector<GstAppSrc *> srcs;
  };
  // The attached outputs, never changed once published: a pusher takes the
  // current list under the lock and pushes (or ends) outside it, so an
  // appsrc signal handler may call back into the fanout. Holds a reference
  // on every appsrc it names.
  struct OutputList
  {
    std::vector<Output> outputs;
    OutputList () = default;
    OutputList (const OutputList & other);
    ~OutputList ();
  };
  using Outputs = std::shared_ptr<const OutputList>;

  // Returns the packet's marker bit.
  bool rewrite_header (Track & track, GstBuffer * buffer);
  static void deliver (const OutputList & outputs, size_t track,
      GstMiniObject * data);
  static void end_outputs (const Outputs & outputs);
  static bool is_keyframe (const Track & track, GstBufferList * frame);
  void drop_frames ();
  bool keep_layout_without_locked (const std::vector<GstCaps *> & layout);
  void set_tracks_locked (const std::vector<GstCaps *> & layout);
  // Detaches every output; the caller ends them once the lock is released.
  Outputs take_outputs_locked ();

  mutable std::mutex lock_;
  std::vector<Track> tracks_;      // layout of the current generation
  std::vector<GstCaps *> pending_; // caps by source index during setup
  std::vector<int> track_of_source_; // source index -> track, -1 = none
  bool setting_up_ = false;
  bool active_ = false;
  uint64_t generation_ = 0;
  Outputs outputs_ = std::make_shared<OutputList> ();
  uint64_t next_output_id_ = 1;
  std::vector<std::string> missing_;
  size_t gop_bytes_ = 0;           // keep_gops
  Counters counters_;
};

}  // namespace camgate
