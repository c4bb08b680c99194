// BoxWriter: writes ISO BMFF boxes into a byte vector. Sizes are patched when
// a box is closed, so nested boxes are written in one pass:
//
//   BoxWriter w;
//   w.box ("moof", [&] { w.full_box ("mfhd", 0, 0, [&] { w.u32 (seq); }); });
//
// Pure C++, no GStreamer: unit-tested byte for byte.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace camgate::isobmff {

class BoxWriter
{
public:
  void u8 (uint8_t v) { bytes_.push_back (v); }
  void u16 (uint16_t v);
  void u24 (uint32_t v);
  void u32 (uint32_t v);
  void u64 (uint64_t v);
  void i16 (int16_t v) { u16 (static_cast<uint16_t> (v)); }
  void i32 (int32_t v) { u32 (static_cast<uint32_t> (v)); }
  void fourcc (const char *code);
  void bytes (const uint8_t * data, size_t size);
  void bytes (const std::vector<uint8_t> & data) { bytes (data.data (), data.size ()); }
  void zeros (size_t count) { bytes_.insert (bytes_.end (), count, 0); }
  // 16.16 and 2.30 fixed point, as in matrix and sizes.
  void fixed16_16 (double v) { u32 (static_cast<uint32_t> (v * 65536.0)); }

  // A box of `type` whose body `body` writes.
  void box (const char *type, const std::function<void ()> & body);
  // A full box: version and 24-bit flags, then the body.
  void full_box (const char *type, uint8_t version, uint32_t flags,
      const std::function<void ()> & body);

  // Position of the next byte, and patching at an earlier position (for
  // offsets known only later, such as trun's data_offset).
  size_t position () const { return bytes_.size (); }
  void patch_u32 (size_t at, uint32_t v);

  const std::vector<uint8_t> & data () const { return bytes_; }
  std::vector<uint8_t> take () { return std::move (bytes_); }

private:
  std::vector<uint8_t> bytes_;
};

}  // namespace camgate::isobmff
