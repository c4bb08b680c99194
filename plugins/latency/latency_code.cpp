#include "latency_code.h"

#include <algorithm>

namespace camgate::latency {

uint16_t
crc16 (const uint8_t * data, size_t size)
{
  uint16_t crc = 0xffff;
  for (size_t i = 0; i < size; i++) {
    crc ^= static_cast<uint16_t> (data[i]) << 8;
    for (int b = 0; b < 8; b++)
      crc = (crc & 0x8000) ? static_cast<uint16_t> ((crc << 1) ^ 0x1021)
          : static_cast<uint16_t> (crc << 1);
  }
  return crc;
}

int
default_band_height (int frame_height)
{
  return std::max (4, frame_height / 8) & ~1;
}

Cell
cell_rect (int index, int width, int band)
{
  const int row = index / kCellsPerRow;
  const int column = index % kCellsPerRow;
  const int row_height = band / kRows;
  return { column * width / kCellsPerRow, (column + 1) * width / kCellsPerRow,
    row * row_height, (row + 1) * row_height };
}

namespace {

// The 50 cell values: calibration white/black, then 48 bits.
void
cell_bits (uint32_t stamp, bool bits[kRows * kCellsPerRow])
{
  const uint8_t bytes[4] = { uint8_t (stamp >> 24), uint8_t (stamp >> 16),
    uint8_t (stamp >> 8), uint8_t (stamp) };
  const uint16_t crc = crc16 (bytes, 4);
  const uint64_t payload = (uint64_t (stamp) << 16) | crc;
  bits[0] = true;
  bits[1] = false;
  for (int i = 0; i < 48; i++)
    bits[2 + i] = (payload >> (47 - i)) & 1;
}

// Mean of the middle of a cell (half its width and height): block edges
// and scaling blur stay outside.
double
cell_mean (const uint8_t * plane, int stride, int pixel_stride, const Cell & c)
{
  const int w = c.x1 - c.x0, h = c.y1 - c.y0;
  const int x0 = c.x0 + w / 4, x1 = std::max (x0 + 1, c.x1 - w / 4);
  const int y0 = c.y0 + h / 4, y1 = std::max (y0 + 1, c.y1 - h / 4);
  long sum = 0, n = 0;
  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++, n++)
      sum += plane[y * stride + x * pixel_stride];
  return n ? double (sum) / n : 0;
}

}  // namespace

void
write_code (uint8_t * plane, int stride, int pixel_stride, int width,
    int band, uint32_t stamp_ms)
{
  bool bits[kRows * kCellsPerRow];
  cell_bits (stamp_ms, bits);
  for (int i = 0; i < kRows * kCellsPerRow; i++) {
    const Cell c = cell_rect (i, width, band);
    const uint8_t value = bits[i] ? kWhite : kBlack;
    for (int y = c.y0; y < c.y1; y++)
      for (int x = c.x0; x < c.x1; x++)
        plane[y * stride + x * pixel_stride] = value;
  }
}

std::optional<uint32_t>
read_code (const uint8_t * plane, int stride, int pixel_stride, int width,
    int band)
{
  if (width < kCellsPerRow * 2 || band < kRows * 2)
    return std::nullopt;
  const double white = cell_mean (plane, stride, pixel_stride,
      cell_rect (0, width, band));
  const double black = cell_mean (plane, stride, pixel_stride,
      cell_rect (1, width, band));
  // No clear calibration pair: not a code (or a ruined one).
  if (white - black < 64)
    return std::nullopt;
  const double threshold = (white + black) / 2;
  const double margin = (white - black) / 4;
  uint64_t payload = 0;
  for (int i = 0; i < 48; i++) {
    const double v = cell_mean (plane, stride, pixel_stride,
        cell_rect (2 + i, width, band));
    // A cell too close to grey is a damaged read, not a guess.
    if (v > threshold - margin && v < threshold + margin)
      return std::nullopt;
    payload = (payload << 1) | (v > threshold ? 1 : 0);
  }
  const uint32_t stamp = static_cast<uint32_t> (payload >> 16);
  const uint8_t bytes[4] = { uint8_t (stamp >> 24), uint8_t (stamp >> 16),
    uint8_t (stamp >> 8), uint8_t (stamp) };
  if (crc16 (bytes, 4) != static_cast<uint16_t> (payload & 0xffff))
    return std::nullopt;
  return stamp;
}

}  // namespace camgate::latency
