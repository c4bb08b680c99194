#include "media/reader_count.h"

namespace camgate {

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
ReaderCount::wanted (int64_t linger_us) const
{
  if (count_ > 0)
    return true;
  const int64_t left = last_left_us_;
  return left != 0 && g_get_monotonic_time () - left < linger_us;
}

}  // namespace camgate
