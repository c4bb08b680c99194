// The latency block code: a timestamp drawn into a video frame so that it
// survives lossy encoding and scaling, and is read back or rejected — never
// misread. Pure C++ on a luma plane; see docs/elements.md for the layout
// (a browser page decodes the same layout from a canvas).
//
// Layout: a band across the top of the frame, `band` rows high, split in two
// rows of 25 equal cells (cell edges at x = i * width / 25). Row 0, cell 0 is
// white and cell 1 black (the reader's calibration); then, left to right and
// row 0 before row 1, 48 data cells, most significant bit first: 32 bits of
// the stamp (milliseconds, modulo 2^32) and a CRC-16/CCITT-FALSE of those 4
// bytes (big-endian). White (luma 235) is 1, black (16) is 0.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace camgate::latency {

constexpr int kCellsPerRow = 25;
constexpr int kRows = 2;
constexpr uint8_t kWhite = 235;
constexpr uint8_t kBlack = 16;

uint16_t crc16 (const uint8_t * data, size_t size);

// The band height used when the element's band-height is 0 (auto).
int default_band_height (int frame_height);

// Cell `index` (0..49) as a rectangle of a width × band frame.
struct Cell
{
  int x0, x1, y0, y1;
};
Cell cell_rect (int index, int width, int band);

// A writable luma-like plane: value(x, y) on a stride.
void write_code (uint8_t * plane, int stride, int pixel_stride, int width,
    int band, uint32_t stamp_ms);

// Reads the code; nothing when the calibration or checksum says the band is
// damaged or absent.
std::optional<uint32_t> read_code (const uint8_t * plane, int stride,
    int pixel_stride, int width, int band);

}  // namespace camgate::latency
