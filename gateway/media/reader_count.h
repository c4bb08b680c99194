// ReaderCount: the readers of one kind a stream has, each holding a lease
// (RAII) while it reads. The stream counts them for the API, metrics and
// limits, and decides from them whether an on-demand output runs: it goes
// on for a linger time after the last reader left. Leases may be released
// on any thread.
#pragma once

#include <glib.h>

#include <atomic>
#include <cstdint>
#include <memory>

namespace camgate {

class ReaderCount : public std::enable_shared_from_this<ReaderCount>
{
public:
  // Held by one reader; the count drops when it goes.
  using Lease = std::shared_ptr<void>;
  Lease lease ();

  unsigned count () const { return count_; }
  // Whether a reader holds a lease, or the last one left less than
  // `linger_us` ago.
  bool wanted (int64_t linger_us) const;

private:
  std::atomic<unsigned> count_ { 0 };
  std::atomic<int64_t> last_left_us_ { 0 };   // g_get_monotonic_time
};

}  // namespace camgate
