#include "media/reader_count.h"

namespace camgate {

const char *
to_string (ReaderKind kind)
{
  switch (kind) {
    case ReaderKind::Rtsp:
      return "rtsp";
    case ReaderKind::WebRtc:
      return "webrtc";
    case ReaderKind::Hls:
      return "hls";
    case ReaderKind::Snapshot:
      return "snapshot";
  }
  return "unknown";
}

ReaderCount::Lease
ReaderCount::lease ()
{
  count_++;
  auto self = shared_from_this ();
  // A token whose deleter gives the reader back.
  return Lease (new char (0), [self](void *token) {
        delete static_cast<char *> (token);
        self->last_left_us_ = g_get_monotonic_time ();
        self->count_--;
      });
}

bool
RecentReaders::seen (const std::string & key,
    const std::shared_ptr<ReaderCount> & readers, int64_t now_us)
{
  auto it = readers_.find (key);
  const bool fresh = it == readers_.end ();
  if (fresh)
    it = readers_.emplace (key, Reader { readers->lease (), now_us }).first;
  it->second.last_us = now_us;
  return fresh;
}

void
RecentReaders::expire (int64_t now_us)
{
  std::erase_if (readers_, [&](const auto & entry) {
        return now_us - entry.second.last_us > idle_us_;
      });
}

bool
ReaderCount::wanted (int64_t linger_us) const
{
  if (count_ > 0)
    return true;
  const int64_t left = last_left_us_;
  return left != 0 && g_get_monotonic_time () - left < linger_us;
}

}  // namespace camgate
