#include "webrtc/audio_pacing.h"

namespace camgate::webrtc {

GstClockTime
opus_packet_duration (const guint8 * data, gsize size)
{
  if (size < 1)
    return GST_CLOCK_TIME_NONE;
  const unsigned config = data[0] >> 3;
  // Frame length per configuration: SILK 10/20/40/60 ms, Hybrid 10/20 ms,
  // CELT 2.5/5/10/20 ms (RFC 6716 Table 2), in units of 2.5 ms.
  static const unsigned silk[] = { 4, 8, 16, 24 }, hybrid[] = { 4, 8 },
      celt[] = { 1, 2, 4, 8 };
  const unsigned quarter_frames = config < 12 ? silk[config % 4]
      : config < 16 ? hybrid[config % 2] : celt[config % 4];
  unsigned frames;
  switch (data[0] & 3) {
    case 0:
      frames = 1;
      break;
    case 1:
    case 2:
      frames = 2;
      break;
    default:
      if (size < 2)
        return GST_CLOCK_TIME_NONE;
      frames = data[1] & 0x3f;
      break;
  }
  const GstClockTime duration = frames * quarter_frames * 2500 * GST_USECOND;
  // At most 120 ms in one packet.
  if (frames == 0 || duration > 120 * GST_MSECOND)
    return GST_CLOCK_TIME_NONE;
  return duration;
}

GstClockTime
audio_duration (GstCaps * caps, GstBuffer * buffer)
{
  if (GST_BUFFER_DURATION_IS_VALID (buffer))
    return GST_BUFFER_DURATION (buffer);
  const GstStructure *s = caps ? gst_caps_get_structure (caps, 0) : nullptr;
  if (!s)
    return GST_CLOCK_TIME_NONE;
  if (gst_structure_has_name (s, "audio/x-opus")) {
    GstMapInfo map;
    if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
      return GST_CLOCK_TIME_NONE;
    GstClockTime duration = opus_packet_duration (map.data, map.size);
    gst_buffer_unmap (buffer, &map);
    return duration;
  }
  int rate = 0, channels = 1;
  if ((gst_structure_has_name (s, "audio/x-alaw")
          || gst_structure_has_name (s, "audio/x-mulaw"))
      && gst_structure_get_int (s, "rate", &rate) && rate > 0) {
    gst_structure_get_int (s, "channels", &channels);
    return gst_util_uint64_scale (gst_buffer_get_size (buffer), GST_SECOND,
        (guint64) rate * MAX (channels, 1));
  }
  return GST_CLOCK_TIME_NONE;
}

GstClockTime
AudioPacer::stamp (GstClockTime arrival, GstClockTime duration)
{
  GstClockTime pts = arrival;
  if (GST_CLOCK_TIME_IS_VALID (next_)) {
    // Far ahead of arrival (a source faster than our clock): one packet is
    // dropped rather than the delay growing; time never goes back.
    if (next_ > arrival + kResyncWindow)
      return GST_CLOCK_TIME_NONE;
    // Far behind: a real gap, started again from arrival.
    if (arrival <= next_ + kResyncWindow)
      pts = next_;
  }
  next_ = GST_CLOCK_TIME_IS_VALID (duration) ? pts + duration
      : GST_CLOCK_TIME_NONE;
  return pts;
}

}  // namespace camgate::webrtc
