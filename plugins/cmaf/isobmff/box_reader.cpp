#include "box_reader.h"

namespace camgate::isobmff {

std::vector<BoxRef>
read_boxes (const uint8_t * data, size_t begin, size_t end, bool *whole)
{
  std::vector<BoxRef> boxes;
  size_t at = begin;
  while (at + 8 <= end) {
    BoxRef box;
    box.start = at;
    box.type = read_u32 (data + at + 4);
    uint64_t size = read_u32 (data + at);
    if (size == 1) {
      if (at + 16 > end)
        break;
      size = read_u64 (data + at + 8);
      box.header = 16;
    } else if (size == 0) {
      size = end - at;             // to the end of its container
    }
    if (size < box.header || size > end - at)
      break;
    box.size = size_t (size);
    boxes.push_back (box);
    at += box.size;
  }
  if (whole)
    *whole = at == end;
  return boxes;
}

std::optional<BoxRef>
find_box (const uint8_t * data, size_t begin, size_t end, uint32_t type)
{
  for (const BoxRef & box : read_boxes (data, begin, end))
    if (box.type == type)
      return box;
  return std::nullopt;
}

}  // namespace camgate::isobmff
