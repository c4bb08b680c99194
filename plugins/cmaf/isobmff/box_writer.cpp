#include "box_writer.h"

namespace camgate::isobmff {

void
BoxWriter::u16 (uint16_t v)
{
  u8 (v >> 8);
  u8 (v & 0xff);
}

void
BoxWriter::u24 (uint32_t v)
{
  u8 ((v >> 16) & 0xff);
  u16 (v & 0xffff);
}

void
BoxWriter::u32 (uint32_t v)
{
  u16 (v >> 16);
  u16 (v & 0xffff);
}

void
BoxWriter::u64 (uint64_t v)
{
  u32 (static_cast<uint32_t> (v >> 32));
  u32 (static_cast<uint32_t> (v & 0xffffffffu));
}

void
BoxWriter::fourcc (const char *code)
{
  for (int i = 0; i < 4; i++)
    u8 (static_cast<uint8_t> (code[i]));
}

void
BoxWriter::bytes (const uint8_t * data, size_t size)
{
  bytes_.insert (bytes_.end (), data, data + size);
}

void
BoxWriter::box (const char *type, const std::function<void ()> & body)
{
  size_t start = bytes_.size ();
  u32 (0);                         // size, patched below
  fourcc (type);
  body ();
  patch_u32 (start, static_cast<uint32_t> (bytes_.size () - start));
}

void
BoxWriter::full_box (const char *type, uint8_t version, uint32_t flags,
    const std::function<void ()> & body)
{
  box (type, [&] {
        u8 (version);
        u24 (flags);
        body ();
      });
}

void
BoxWriter::patch_u32 (size_t at, uint32_t v)
{
  bytes_[at] = v >> 24;
  bytes_[at + 1] = (v >> 16) & 0xff;
  bytes_[at + 2] = (v >> 8) & 0xff;
  bytes_[at + 3] = v & 0xff;
}

}  // namespace camgate::isobmff
