// ReaderCount: the readers of one kind a stream has, each holding a lease
// (RAII) while it reads. The stream counts them for the API, metrics and
// limits, and decides from them whether an on-demand output runs: it goes
// on for a linger time after the last reader left. Leases may be released
// on any thread.
#pragma once

#include <glib.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace camgate {

// Who reads: an RTSP player's session, a WHEP session, an HLS/DASH player's
// connection, a snapshot request.
enum class ReaderKind { Rtsp, WebRtc, Hls, Snapshot };
constexpr std::array<ReaderKind, 4> kReaderKinds = { ReaderKind::Rtsp,
  ReaderKind::WebRtc, ReaderKind::Hls, ReaderKind::Snapshot };
// "rtsp", "webrtc", "hls", "snapshot": the API's and the metrics' names.
const char *to_string (ReaderKind kind);

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

// Readers that come back with a request now and then (HLS/DASH players)
// instead of holding a session: each key (a client's connection) holds a
// lease from its first request until `idle_us` passed without one. Not
// thread-safe: one owner's context.
class RecentReaders
{
public:
  explicit RecentReaders (int64_t idle_us) : idle_us_ (idle_us) {}

  // True when `key` got its lease now.
  bool seen (const std::string & key,
      const std::shared_ptr<ReaderCount> & readers, int64_t now_us);
  bool holds (const std::string & key) const { return readers_.count (key); }
  // Ends the leases of readers idle for longer than idle_us.
  void expire (int64_t now_us);
  bool empty () const { return readers_.empty (); }

private:
  struct Reader
  {
    ReaderCount::Lease lease;
    int64_t last_us;
  };
  const int64_t idle_us_;
  std::map<std::string, Reader> readers_;
};

}  // namespace camgate
