#include "media/gop_cache.h"

#include <gst/rtp/gstrtpbuffer.h>

#include <utility>

namespace camgate {

namespace {

void
unref_all (std::vector<GstBufferList *> & frames)
{
  for (auto *frame : frames)
    gst_buffer_list_unref (frame);
  frames.clear ();
}

}  // namespace

GopCache::Snapshot::~Snapshot ()
{
  unref_all (frames_);
}

GopCache::Snapshot::Snapshot (Snapshot && other) noexcept
    : frames_ (std::exchange (other.frames_, {}))
{
}

GopCache::Snapshot &
GopCache::Snapshot::operator= (Snapshot && other) noexcept
{
  if (this != &other) {
    unref_all (frames_);
    frames_ = std::exchange (other.frames_, {});
  }
  return *this;
}

size_t
GopCache::Snapshot::packets () const
{
  size_t count = 0;
  for (auto *frame : frames_)
    count += gst_buffer_list_length (frame);
  return count;
}

bool
GopCache::Snapshot::first_packet (uint16_t & seq, uint32_t & rtptime) const
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (frames_.empty () || !gst_rtp_buffer_map (gst_buffer_list_get
          (frames_.front (), 0), GST_MAP_READ, &rtp))
    return false;
  seq = gst_rtp_buffer_get_seq (&rtp);
  rtptime = gst_rtp_buffer_get_timestamp (&rtp);
  gst_rtp_buffer_unmap (&rtp);
  return true;
}

GopCache::~GopCache ()
{
  clear ();
}

void
GopCache::add (GstBufferList * frame, bool keyframe)
{
  if (gst_buffer_list_length (frame) == 0)
    return;
  if (keyframe) {
    clear ();
    have_keyframe_ = true;
  } else if (!have_keyframe_) {
    return;                        // nothing decodable to add it to
  }
  const size_t size = gst_buffer_list_calculate_size (frame);
  if (bytes_ + size > max_bytes_) {
    // Too large to keep: wait for the next keyframe.
    clear ();
    return;
  }
  frames_.push_back (gst_buffer_list_copy (frame));
  bytes_ += size;
}

void
GopCache::clear ()
{
  unref_all (frames_);
  bytes_ = 0;
  have_keyframe_ = false;
}

GopCache::Snapshot
GopCache::snapshot () const
{
  Snapshot snapshot;
  snapshot.frames_.reserve (frames_.size ());
  for (auto *frame : frames_)
    snapshot.frames_.push_back (gst_buffer_list_ref (frame));
  return snapshot;
}

}  // namespace camgate
