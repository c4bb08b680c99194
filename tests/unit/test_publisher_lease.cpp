// A publish stream's slot: one publisher at a time, freed however its lease
// ends, and the stream told once when a publisher that began goes.
#include "media/publisher_lease.h"

#include <gtest/gtest.h>

#include <vector>

using namespace camgate;

namespace {

std::shared_ptr<PublishSlot>
make_slot (std::vector<std::string> & stopped)
{
  auto slot = std::make_shared<PublishSlot> ("live",
      std::make_shared<RtpFanout> (), std::make_shared<HealthBoard> (),
      HealthSpec {});
  slot->on_stopped ([&stopped](const std::string & why) {
        stopped.push_back (why);
      });
  return slot;
}

}  // namespace

TEST (PublisherLease, OnePublisherAtATimeAndTheSlotFreesWithTheLease)
{
  std::vector<std::string> stopped;
  auto slot = make_slot (stopped);
  {
    auto lease = slot->claim ("RTSP");
    ASSERT_TRUE (lease);
    EXPECT_TRUE (slot->taken ());
    EXPECT_FALSE (slot->claim ("WHIP"));
  }
  // A publisher that failed before it began frees the slot, silently.
  EXPECT_FALSE (slot->taken ());
  EXPECT_TRUE (stopped.empty ());
  EXPECT_TRUE (slot->claim ("WHIP"));
}

TEST (PublisherLease, AnEndedSessionIsToldOnceWithItsReason)
{
  std::vector<std::string> stopped;
  auto slot = make_slot (stopped);
  {
    auto lease = slot->claim ("WHIP");
    lease->begin (2);
    lease->end ("ICE failed");
    EXPECT_FALSE (slot->taken ());
    auto next = slot->claim ("RTSP");
    ASSERT_TRUE (next);
    next->begin (1);
    lease.reset ();                // an ended lease frees nothing again
    EXPECT_TRUE (slot->taken ());
  }
  ASSERT_EQ (stopped.size (), 2u);
  EXPECT_EQ (stopped[0], "the WHIP publisher left: ICE failed");
  EXPECT_EQ (stopped[1], "the RTSP publisher left");
  EXPECT_FALSE (slot->taken ());
}
