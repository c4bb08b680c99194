// Reading ISO BMFF boxes (ISO/IEC 14496-12 §4.2) out of bytes that may be
// torn or hostile: every box is checked to fit in its parent before it is
// handed out, and nothing is read past the end. The writers' counterpart.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace camgate::isobmff {

constexpr uint32_t
fourcc (const char (&code)[5])
{
  return uint32_t (uint8_t (code[0])) << 24 | uint32_t (uint8_t (code[1])) << 16
      | uint32_t (uint8_t (code[2])) << 8 | uint8_t (code[3]);
}

inline uint16_t
read_u16 (const uint8_t * p)
{
  return uint16_t (p[0] << 8 | p[1]);
}

inline uint32_t
read_u32 (const uint8_t * p)
{
  return uint32_t (p[0]) << 24 | uint32_t (p[1]) << 16 | uint32_t (p[2]) << 8
      | p[3];
}

inline uint64_t
read_u64 (const uint8_t * p)
{
  return uint64_t (read_u32 (p)) << 32 | read_u32 (p + 4);
}

inline void
write_u32 (uint8_t * p, uint32_t v)
{
  p[0] = uint8_t (v >> 24);
  p[1] = uint8_t (v >> 16);
  p[2] = uint8_t (v >> 8);
  p[3] = uint8_t (v);
}

// Where one box lies in a buffer: [start, start + size), its body after
// `header` bytes (8, or 16 with a 64-bit size).
struct BoxRef
{
  uint32_t type = 0;
  size_t start = 0;
  size_t header = 8;
  size_t size = 0;

  size_t body () const { return start + header; }
  size_t end () const { return start + size; }
  size_t body_size () const { return size - header; }
};

// The boxes in data[begin, end), in order. Stops at the first box that does
// not fit (a file cut short, or garbage); `whole` says whether the range was
// read to its end.
std::vector<BoxRef> read_boxes (const uint8_t * data, size_t begin,
    size_t end, bool *whole = nullptr);

// The first box of `type` in data[begin, end).
std::optional<BoxRef> find_box (const uint8_t * data, size_t begin,
    size_t end, uint32_t type);

}  // namespace camgate::isobmff
