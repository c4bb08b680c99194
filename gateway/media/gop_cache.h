// GopCache: the frames of one video track from its last keyframe on, as the
// fanout hands them to readers (their RTP headers rewritten), so that an RTSP
// viewer joining mid-GOP can be sent a picture it can decode at once instead
// of waiting for the camera's next keyframe.
//
// It holds references to packets that exist anyway; what it costs is that
// they live until the next keyframe. A GOP larger than `max_bytes` is not
// kept (the cache empties and waits for the next keyframe), so a camera with
// a very long GOP or a very high bitrate costs at most that.
//
// Not locked: the fanout calls it under its own lock.
#pragma once

#include <gst/gst.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace camgate {

class GopCache
{
public:
  // The frames of the current GOP, each a list of RTP packets; holds a
  // reference on each list.
  class Snapshot
  {
  public:
    Snapshot () = default;
    ~Snapshot ();
    Snapshot (Snapshot && other) noexcept;
    Snapshot & operator= (Snapshot && other) noexcept;
    Snapshot (const Snapshot &) = delete;
    Snapshot & operator= (const Snapshot &) = delete;

    bool empty () const { return frames_.empty (); }
    const std::vector<GstBufferList *> & frames () const { return frames_; }
    size_t packets () const;
    // RTP sequence number and timestamp of the keyframe's first packet;
    // false when empty.
    bool first_packet (uint16_t & seq, uint32_t & rtptime) const;

  private:
    friend class GopCache;
    std::vector<GstBufferList *> frames_;
  };

  explicit GopCache (size_t max_bytes) : max_bytes_ (max_bytes) {}
  ~GopCache ();
  GopCache (const GopCache &) = delete;
  GopCache & operator= (const GopCache &) = delete;

  // One frame as it leaves for readers; the cache keeps a list of its own
  // around the same packets (readers' lists are restamped as they go).
  void add (GstBufferList * frame, bool keyframe);
  void clear ();
  Snapshot snapshot () const;

private:
  const size_t max_bytes_;
  std::vector<GstBufferList *> frames_;
  size_t bytes_ = 0;
  bool have_keyframe_ = false;
};

}  // namespace camgate
