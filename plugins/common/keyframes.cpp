#include "keyframes.h"

namespace camgate {

namespace {

bool
h264_key_nal (uint8_t type)
{
  return type == 5 || type == 7;               // IDR slice, SPS
}

bool
h265_key_nal (uint8_t type)
{
  return (type >= 16 && type <= 21) || (type >= 32 && type <= 34);  // IRAP, VPS/SPS/PPS
}

// Walks the NAL units of an aggregation packet (STAP-A / AP).
template <typename IsKey> bool
aggregate_has_key (const uint8_t * p, size_t size, size_t offset,
    IsKey is_key)
{
  while (offset + 2 < size) {
    size_t length = (size_t (p[offset]) << 8) | p[offset + 1];
    offset += 2;
    if (length == 0 || offset + length > size)
      return false;
    if (is_key (p[offset]))
      return true;
    offset += length;
  }
  return false;
}

// Walks an Annex B access unit's NAL units to the first slice;
// `is_slice (header, key)` says whether a NAL header opens a slice and sets
// whether that slice is a keyframe's.
template <typename IsSlice> bool
first_slice_is_key (const uint8_t * p, size_t size, IsSlice is_slice)
{
  for (size_t i = 0; i + 4 < size; i++) {
    if (p[i] != 0 || p[i + 1] != 0 || p[i + 2] != 1)
      continue;
    bool key = false;
    if (is_slice (p[i + 3], key))
      return key;
    i += 3;
  }
  return false;
}

}  // namespace

bool
h264_rtp_starts_keyframe (const uint8_t * p, size_t size)
{
  if (size < 1)
    return false;
  uint8_t type = p[0] & 0x1f;
  if (type == 24)                                    // STAP-A
    return aggregate_has_key (p, size, 1, [](uint8_t nal) {
          return h264_key_nal (nal & 0x1f);
        });
  if (type == 28 && size >= 2)                       // FU-A: start fragment
    return (p[1] & 0x80) && h264_key_nal (p[1] & 0x1f);
  return h264_key_nal (type);
}

bool
h265_rtp_starts_keyframe (const uint8_t * p, size_t size)
{
  if (size < 2)
    return false;
  uint8_t type = (p[0] >> 1) & 0x3f;
  if (type == 48)                                    // AP
    return aggregate_has_key (p, size, 2, [](uint8_t nal) {
          return h265_key_nal ((nal >> 1) & 0x3f);
        });
  if (type == 49 && size >= 3)                       // FU: start fragment
    return (p[2] & 0x80) && h265_key_nal (p[2] & 0x3f);
  return h265_key_nal (type);
}

bool
h264_access_unit_is_keyframe (const uint8_t * data, size_t size)
{
  return first_slice_is_key (data, size, [](uint8_t header, bool & key) {
        const unsigned type = header & 0x1f;
        key = type == 5;                             // IDR
        return type >= 1 && type <= 5;
      });
}

bool
h265_access_unit_is_keyframe (const uint8_t * data, size_t size)
{
  return first_slice_is_key (data, size, [](uint8_t header, bool & key) {
        const unsigned type = (header >> 1) & 0x3f;
        key = type >= 16 && type <= 23;              // IRAP
        return type <= 31;
      });
}

}  // namespace camgate
