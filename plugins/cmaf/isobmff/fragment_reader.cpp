#include "fragment_reader.h"

namespace camgate::isobmff {

namespace {

// trun flags (§8.8.8).
constexpr uint32_t kTrunDataOffset = 0x000001;
constexpr uint32_t kTrunFirstSampleFlags = 0x000004;
constexpr uint32_t kTrunSampleDuration = 0x000100;
constexpr uint32_t kTrunSampleSize = 0x000200;
constexpr uint32_t kTrunSampleFlags = 0x000400;
constexpr uint32_t kTrunSampleCompositionOffset = 0x000800;
// Sample flags: sample_is_non_sync_sample.
constexpr uint32_t kNonSyncSample = 0x00010000;

struct TfhdDefaults
{
  uint32_t duration = 0, size = 0, flags = 0;
};

uint32_t
flags_of (const uint8_t * data, const BoxRef & box)
{
  return read_u32 (data + box.body ()) & 0xffffff;
}

bool
read_tfhd (const uint8_t * data, const BoxRef & tfhd, TrackFragment & traf,
    TfhdDefaults & defaults)
{
  if (tfhd.body_size () < 8)
    return false;
  traf.tfhd_flags = flags_of (data, tfhd);
  traf.track_id = read_u32 (data + tfhd.body () + 4);
  // Optional fields in order: base data offset (8), sample description
  // index, default duration, default size, default flags (4 each).
  size_t at = tfhd.body () + 8;
  const uint32_t f = traf.tfhd_flags;
  const size_t needed = (f & 0x1 ? 8 : 0) + (f & 0x2 ? 4 : 0) + (f & 0x8 ? 4 : 0)
      + (f & 0x10 ? 4 : 0) + (f & 0x20 ? 4 : 0);
  if (at + needed > tfhd.end ())
    return false;
  at += (f & 0x1 ? 8 : 0) + (f & 0x2 ? 4 : 0);
  if (f & 0x8) {
    defaults.duration = read_u32 (data + at);
    at += 4;
  }
  if (f & 0x10) {
    defaults.size = read_u32 (data + at);
    at += 4;
  }
  if (f & 0x20)
    defaults.flags = read_u32 (data + at);
  return true;
}

bool
read_tfdt (const uint8_t * data, const BoxRef & tfdt, TrackFragment & traf)
{
  if (tfdt.body_size () < 8)
    return false;
  traf.wide_decode_time = data[tfdt.body ()] == 1;
  traf.decode_time_at = tfdt.body () + 4;
  if (traf.wide_decode_time && tfdt.body_size () < 12)
    return false;
  traf.decode_time = traf.wide_decode_time ? read_u64 (data + traf.decode_time_at)
      : read_u32 (data + traf.decode_time_at);
  traf.has_decode_time = true;
  return true;
}

bool
read_trun (const uint8_t * data, const BoxRef & trun, bool first_run,
    const TfhdDefaults & defaults, TrackFragment & traf)
{
  if (trun.body_size () < 8)
    return false;
  const uint32_t flags = flags_of (data, trun);
  const uint64_t count = read_u32 (data + trun.body () + 4);
  size_t at = trun.body () + 8;
  SampleRun run;
  if (flags & kTrunDataOffset) {
    if (at + 4 > trun.end ())
      return false;
    run.has_data_offset = true;
    run.data_offset_at = at;
    run.data_offset = int32_t (read_u32 (data + at));
    at += 4;
  }
  uint32_t first_flags = defaults.flags;
  bool have_first_flags = false;
  if (flags & kTrunFirstSampleFlags) {
    if (at + 4 > trun.end ())
      return false;
    first_flags = read_u32 (data + at);
    have_first_flags = true;
    at += 4;
  }
  // Per-sample fields in order: duration, size, flags, composition offset.
  size_t stride = 0;
  for (uint32_t bit : { kTrunSampleDuration, kTrunSampleSize,
           kTrunSampleFlags, kTrunSampleCompositionOffset })
    stride += (flags & bit) ? 4 : 0;
  if (count * stride > trun.end () - at)
    return false;
  if (stride == 0 && count > (1u << 24))
    return false;                  // no per-sample fields: a sane bound
  for (uint64_t i = 0; i < count; i++, at += stride) {
    size_t field = at;
    uint32_t duration = defaults.duration, size = defaults.size;
    if (flags & kTrunSampleDuration) {
      duration = read_u32 (data + field);
      field += 4;
    }
    if (flags & kTrunSampleSize) {
      size = read_u32 (data + field);
      field += 4;
    }
    if (i == 0 && !have_first_flags && (flags & kTrunSampleFlags))
      first_flags = read_u32 (data + field);
    traf.duration += duration;
    run.bytes += size;
  }
  if (first_run && count > 0)
    traf.starts_with_sync = !(first_flags & kNonSyncSample);
  traf.runs.push_back (run);
  return true;
}

bool
read_traf (const uint8_t * data, const BoxRef & box, TrackFragment & traf)
{
  traf.box = box;
  bool whole = false;
  auto children = read_boxes (data, box.body (), box.end (), &whole);
  auto tfhd = find_box (data, box.body (), box.end (), fourcc ("tfhd"));
  TfhdDefaults defaults;
  if (!whole || !tfhd || !read_tfhd (data, *tfhd, traf, defaults))
    return false;
  for (const BoxRef & child : children) {
    if (child.type == fourcc ("tfdt") && !read_tfdt (data, child, traf))
      return false;
    if (child.type == fourcc ("trun")
        && !read_trun (data, child, traf.runs.empty (), defaults, traf))
      return false;
  }
  return true;
}

}  // namespace

bool
read_movie_fragment (const uint8_t * data, const BoxRef & moof,
    MovieFragment & out)
{
  out = {};
  bool whole = false;
  auto children = read_boxes (data, moof.body (), moof.end (), &whole);
  if (!whole)
    return false;
  bool have_mfhd = false;
  for (const BoxRef & child : children) {
    if (child.type == fourcc ("mfhd")) {
      if (child.body_size () < 8)
        return false;
      out.mfhd = child;
      out.sequence_at = child.body () + 4;
      have_mfhd = true;
    } else if (child.type == fourcc ("traf")) {
      TrackFragment traf;
      if (!read_traf (data, child, traf))
        return false;
      out.trafs.push_back (std::move (traf));
    }
  }
  return have_mfhd;
}

void
write_decode_time (uint8_t * data, const TrackFragment & traf, uint64_t time)
{
  if (!traf.has_decode_time)
    return;
  if (traf.wide_decode_time) {
    write_u32 (data + traf.decode_time_at, uint32_t (time >> 32));
    write_u32 (data + traf.decode_time_at + 4, uint32_t (time));
  } else {
    write_u32 (data + traf.decode_time_at, uint32_t (time));
  }
}

}  // namespace camgate::isobmff
