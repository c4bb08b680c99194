// AudioPacer and audio durations: WebRTC audio is timestamped by sample
// count, whatever the rhythm it arrives in.
#include "webrtc/audio_pacing.h"

#include <gtest/gtest.h>

#include <vector>

using namespace camgate::webrtc;

namespace {

constexpr GstClockTime kMs = GST_MSECOND;

}  // namespace

TEST (AudioPacing, BurstsComeOutEvenlySpaced)
{
  // One 64 ms AAC frame decodes into three 20 ms Opus packets at once, the
  // next one 64 ms later: the stamps step 20 ms whatever the arrival.
  AudioPacer pacer;
  std::vector<GstClockTime> stamps;
  for (int frame = 0; frame < 50; frame++)
    for (int packet = 0; packet < 3; packet++)
      stamps.push_back (pacer.stamp (1000 * kMs + frame * 64 * kMs + packet
              * kMs / 10, 20 * kMs));
  for (size_t i = 1; i < stamps.size (); i++)
    ASSERT_EQ (stamps[i] - stamps[i - 1], 20 * kMs) << i;
  EXPECT_EQ (stamps.front (), 1000 * kMs);
}

TEST (AudioPacing, AGapStartsAgainFromArrivalAndRunningAheadDrops)
{
  AudioPacer pacer;
  EXPECT_EQ (pacer.stamp (0, 20 * kMs), 0u);
  EXPECT_EQ (pacer.stamp (25 * kMs, 20 * kMs), 20 * kMs);
  // The source paused for two seconds: the audio resumes at its time.
  EXPECT_EQ (pacer.stamp (2040 * kMs, 20 * kMs), 2040 * kMs);
  EXPECT_EQ (pacer.stamp (2041 * kMs, 20 * kMs), 2060 * kMs);
  // A source that sends faster than real time: once the stamps are more
  // than the window ahead, packets are dropped instead of the delay growing.
  GstClockTime last = 2060 * kMs, arrival = 2042 * kMs;
  int dropped = 0;
  for (int i = 0; i < 100; i++, arrival += 10 * kMs) {
    GstClockTime pts = pacer.stamp (arrival, 20 * kMs);
    if (!GST_CLOCK_TIME_IS_VALID (pts)) {
      dropped++;
      continue;
    }
    EXPECT_GT (pts, last);
    EXPECT_LE (pts, arrival + AudioPacer::kResyncWindow);
    last = pts;
  }
  EXPECT_GT (dropped, 0);
  // Unknown duration: stamped on arrival.
  AudioPacer plain;
  EXPECT_EQ (plain.stamp (5 * kMs, GST_CLOCK_TIME_NONE), 5 * kMs);
  EXPECT_EQ (plain.stamp (6 * kMs, GST_CLOCK_TIME_NONE), 6 * kMs);
}

TEST (AudioPacing, OpusDurationsFromThePacketToc)
{
  auto duration = [](std::vector<guint8> packet) {
    return opus_packet_duration (packet.data (), packet.size ());
  };
  // config 31 (CELT 20 ms), one frame: what opusenc frame-size=20 makes.
  EXPECT_EQ (duration ({ 0xf8, 0x00 }), 20 * kMs);
  // config 1 (SILK 20 ms), two frames (code 1).
  EXPECT_EQ (duration ({ 0x09, 0x00 }), 40 * kMs);
  // config 16 (CELT 2.5 ms), code 3 with 4 frames.
  EXPECT_EQ (duration ({ 0x83, 0x04 }), 10 * kMs);
  // config 3 (SILK 60 ms), code 3 with 2 frames: 120 ms, the most allowed.
  EXPECT_EQ (duration ({ 0x1b, 0x02 }), 120 * kMs);
  // Malformed: empty, code 3 without a count, zero frames, over 120 ms.
  EXPECT_FALSE (GST_CLOCK_TIME_IS_VALID (duration ({})));
  EXPECT_FALSE (GST_CLOCK_TIME_IS_VALID (duration ({ 0xfb })));
  EXPECT_FALSE (GST_CLOCK_TIME_IS_VALID (duration ({ 0xfb, 0x00 })));
  EXPECT_FALSE (GST_CLOCK_TIME_IS_VALID (duration ({ 0x1b, 0x03 })));

  // G.711: a byte per sample.
  GstCaps *alaw = gst_caps_from_string ("audio/x-alaw,rate=8000,channels=1");
  GstBuffer *buffer = gst_buffer_new_allocate (nullptr, 160, nullptr);
  EXPECT_EQ (audio_duration (alaw, buffer), 20 * kMs);
  GST_BUFFER_DURATION (buffer) = 7 * kMs;     // a set duration wins
  EXPECT_EQ (audio_duration (alaw, buffer), 7 * kMs);
  gst_buffer_unref (buffer);
  gst_caps_unref (alaw);
}
