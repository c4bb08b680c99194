// A stream's readers of one kind: counted while their leases live, and an
// on-demand output wanted until the linger time after the last one left.
#include "media/reader_count.h"

#include <gtest/gtest.h>

#include <thread>

using camgate::ReaderCount;

TEST (ReaderCount, CountsLeasesAndLingersAfterTheLast)
{
  auto readers = std::make_shared<ReaderCount> ();
  EXPECT_EQ (readers->count (), 0u);
  EXPECT_FALSE (readers->wanted (G_USEC_PER_SEC));   // nobody ever came
  {
    auto first = readers->lease ();
    auto second = readers->lease ();
    EXPECT_EQ (readers->count (), 2u);
    EXPECT_TRUE (readers->wanted (0));
    auto copy = first;             // one reader, however many holders
    first.reset ();
    EXPECT_EQ (readers->count (), 2u);
  }
  EXPECT_EQ (readers->count (), 0u);
  EXPECT_TRUE (readers->wanted (G_USEC_PER_SEC));    // lingering
  std::this_thread::sleep_for (std::chrono::milliseconds (30));
  EXPECT_FALSE (readers->wanted (20 * 1000));        // linger over
}

TEST (ReaderCount, ALeaseOutlivesItsCount)
{
  // A session may hold its lease after the stream let go of its count.
  auto readers = std::make_shared<ReaderCount> ();
  auto lease = readers->lease ();
  std::weak_ptr<ReaderCount> weak = readers;
  readers.reset ();
  EXPECT_FALSE (weak.expired ());
  lease.reset ();
  EXPECT_TRUE (weak.expired ());
}

TEST (RecentReaders, AClientIsOneReaderUntilItStaysAwayTooLong)
{
  using camgate::RecentReaders;
  auto readers = std::make_shared<ReaderCount> ();
  const int64_t second = G_USEC_PER_SEC;
  RecentReaders recent (10 * second);
  EXPECT_TRUE (recent.empty ());
  recent.seen ("cam 127.0.0.1:5000", readers, 1 * second);
  recent.seen ("cam 127.0.0.1:5000", readers, 2 * second);   // same client
  recent.seen ("cam 127.0.0.1:5001", readers, 3 * second);
  EXPECT_EQ (readers->count (), 2u);
  recent.expire (12 * second);     // 10 s since 5000's last request: not yet
  EXPECT_EQ (readers->count (), 2u);
  recent.seen ("cam 127.0.0.1:5001", readers, 12 * second);
  recent.expire (12 * second + 1);
  EXPECT_EQ (readers->count (), 1u);
  recent.expire (23 * second);
  EXPECT_EQ (readers->count (), 0u);
  EXPECT_TRUE (recent.empty ());
  EXPECT_TRUE (readers->wanted (second));            // lingering after
}
