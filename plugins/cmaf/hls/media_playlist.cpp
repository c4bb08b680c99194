#include "media_playlist.h"

#include "utc_time.h"

#include <cmath>
#include <cstdio>
#include <ctime>
#include <sstream>

namespace camgate::hls {

namespace {

std::string
decimal (double seconds)
{
  char text[32];
  snprintf (text, sizeof text, "%.5f", seconds);
  return text;
}

}  // namespace

std::string
segment_uri (uint64_t msn)
{
  return "seg" + std::to_string (msn) + ".m4s";
}

std::string
part_uri (uint64_t number)
{
  return "part" + std::to_string (number) + ".m4s";
}

MediaPlaylist::MediaPlaylist (PlaylistConfig config)
    : config_ (std::move (config))
{
}

std::string
MediaPlaylist::add_part (uint64_t msn, Part part,
    int64_t program_date_time_ms)
{
  part.uri = part_uri (next_part_++);
  if (segments_.empty () || segments_.back ().msn != msn) {
    Segment segment;
    segment.msn = msn;
    segment.program_date_time_ms = program_date_time_ms;
    segments_.push_back (segment);
  }
  segments_.back ().parts.push_back (part);
  return part.uri;
}

std::vector<std::string>
MediaPlaylist::complete_segment (uint64_t msn, const std::string & uri,
    double duration)
{
  // The target duration must never change (RFC 8216 §6.2.1), and EXTINF
  // must stay within it. A camera whose keyframes are further apart than
  // the configured segment makes longer segments, so the target is settled
  // by the first segment (the playlist is served from then on, see
  // target_settled()) and later segments are held to it.
  const auto rounded = static_cast<unsigned> (std::lround (duration));
  if (!target_settled_) {
    config_.target_duration = std::max (config_.target_duration, rounded);
    target_settled_ = true;
  } else if (rounded > config_.target_duration) {
    overlong_segments_++;
  }
  for (auto & s : segments_) {
    if (s.msn == msn) {
      s.complete = true;
      s.uri = uri;
      s.duration = duration;
    }
  }
  std::vector<std::string> removed;
  size_t complete = 0;
  for (const auto & s : segments_)
    complete += s.complete;
  while (complete > config_.window && segments_.front ().complete) {
    removed.push_back (segments_.front ().uri);
    for (const auto & p : segments_.front ().parts)
      removed.push_back (p.uri);
    segments_.erase (segments_.begin ());
    complete--;
  }
  return removed;
}

std::vector<const Segment *>
MediaPlaylist::complete_segments () const
{
  std::vector<const Segment *> list;
  for (const auto & s : segments_)
    if (s.complete)
      list.push_back (&s);
  return list;
}

uint64_t
MediaPlaylist::last_msn () const
{
  return segments_.empty () ? 0 : segments_.back ().msn;
}

Readiness
MediaPlaylist::readiness (uint64_t msn, std::optional<unsigned> part) const
{
  // Delivery directives are ignored once the playlist has ENDLIST.
  if (ended_)
    return Readiness::Ready;
  if (segments_.empty ())
    return Readiness::Wait;
  const Segment & last = segments_.back ();
  // Too far ahead: more than two segments, or parts beyond the advance
  // limit (§6.2.5.2).
  if (msn > last.msn + 2)
    return Readiness::BadRequest;
  if (part) {
    double limit = config_.part_target < 1 ? 3 / config_.part_target : 3;
    uint64_t have = last.parts.size ();
    if (msn == last.msn && *part > have + limit)
      return Readiness::BadRequest;
  }
  for (const auto & s : segments_) {
    if (s.msn < msn)
      continue;
    if (s.msn > msn)
      return Readiness::Ready;
    if (!part)
      return s.complete ? Readiness::Ready : Readiness::Wait;
    // A part index past the parent's last part means part 0 of the next one.
    if (*part < s.parts.size ())
      return Readiness::Ready;
    if (s.complete)
      continue;
    return Readiness::Wait;
  }
  // Older than the window: already there.
  if (msn < segments_.front ().msn)
    return Readiness::Ready;
  return Readiness::Wait;
}

std::string
MediaPlaylist::render (bool skip) const
{
  std::ostringstream out;
  const unsigned td = config_.target_duration;
  const double skip_boundary = 6.0 * td;
  out << "#EXTM3U\n";
  out << "#EXT-X-VERSION:9\n";
  out << "#EXT-X-TARGETDURATION:" << td << "\n";
  out << "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL="
      << decimal (skip_boundary) << ",PART-HOLD-BACK="
      << decimal (3 * config_.part_target) << "\n";
  out << "#EXT-X-PART-INF:PART-TARGET=" << decimal (config_.part_target) << "\n";
  out << "#EXT-X-MEDIA-SEQUENCE:"
      << (segments_.empty () ? 0 : segments_.front ().msn) << "\n";
  out << "#EXT-X-MAP:URI=\"" << config_.map_uri << "\"\n";

  // Delta update: complete segments older than the skip boundary (measured
  // from the end of the last complete segment) are replaced by EXT-X-SKIP.
  size_t first = 0;
  if (skip && !ended_) {
    double age = 0;
    size_t last_complete = segments_.size ();
    while (last_complete > 0 && !segments_[last_complete - 1].complete)
      last_complete--;
    size_t i = last_complete;
    while (i > 0 && age + segments_[i - 1].duration <= skip_boundary) {
      age += segments_[i - 1].duration;
      i--;
    }
    first = i;
    if (first > 0)
      out << "#EXT-X-SKIP:SKIPPED-SEGMENTS=" << first << "\n";
  }

  // Parts are listed for segments that start within three target durations
  // of the end; older parts age out (§6.2.2).
  double from_end = 0;
  std::vector<bool> list_parts (segments_.size (), false);
  for (size_t i = segments_.size (); i > 0; i--) {
    const Segment & s = segments_[i - 1];
    double duration = s.duration;
    if (!s.complete)
      for (const auto & p : s.parts)
        duration += p.duration;
    from_end += duration;
    list_parts[i - 1] = from_end <= 3.0 * td + 1e-6 || !s.complete;
  }

  for (size_t i = first; i < segments_.size (); i++) {
    const Segment & s = segments_[i];
    out << "#EXT-X-PROGRAM-DATE-TIME:" << format_utc_time (
        1000 * s.program_date_time_ms) << "\n";
    if (list_parts[i]) {
      for (const auto & p : s.parts) {
        out << "#EXT-X-PART:DURATION=" << decimal (p.duration) << ",URI=\""
            << p.uri << "\"";
        if (p.independent)
          out << ",INDEPENDENT=YES";
        out << "\n";
      }
    }
    if (s.complete)
      out << "#EXTINF:" << decimal (s.duration) << ",\n" << s.uri << "\n";
  }
  if (ended_)
    out << "#EXT-X-ENDLIST\n";
  else if (!segments_.empty ())
    out << "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"" << next_part_uri () << "\"\n";
  return out.str ();
}

}  // namespace camgate::hls
