#include "dash_manifest.h"

#include "utc_time.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace camgate::hls {

namespace {

std::string
iso_duration (double seconds)
{
  char text[32];
  snprintf (text, sizeof text, "PT%.3fS", seconds);
  return text;
}

void
render_representation (std::ostringstream & out, const DashPresentation & p,
    const DashRepresentation & r)
{
  const auto & config = p.config;
  const bool one_track = r.track_id != 0;
  const char *kind = r.video ? "video" : "audio";
  const std::string id = !r.rendition.empty () ? r.rendition
      : one_track ? kind : "0";
  out << "      <Representation id=\"" << id
      << "\" codecs=\"" << r.codecs << "\" bandwidth=\""
      << (r.bandwidth ? r.bandwidth : r.video ? 5000000 : 128000) << "\"";
  if (r.video && r.width && r.height)
    out << " width=\"" << r.width << "\" height=\"" << r.height << "\"";
  if (!r.video && r.sample_rate)
    out << " audioSamplingRate=\"" << r.sample_rate << "\"";
  out << ">\n";
  if (!r.video && r.channels)
    out << "        <AudioChannelConfiguration schemeIdUri=\"urn:mpeg:dash:"
        << "23003:3:audio_channel_configuration:2011\" value=\"" << r.channels
        << "\"/>\n";
  // A low-latency client may ask for a segment before it is complete: it
  // is sent as its parts arrive.
  const std::string folder = r.rendition.empty () ? "" : r.rendition + "/";
  const std::string suffix = one_track ? "-" + std::to_string (r.track_id) : "";
  const bool lead_in = p.timeline_from_zero && p.start_number > 0
      && !p.segments.empty () && p.segments.front ().start_ms > 0;
  out << "        <SegmentTemplate timescale=\"1000\" initialization=\""
      << folder << "init" << suffix << ".mp4\" media=\"" << folder
      << "seg$Number$" << suffix << ".m4s\" availabilityTimeOffset=\""
      << (config.target_duration - config.part_target)
      << "\" availabilityTimeComplete=\"false\" startNumber=\""
      << p.start_number - (lead_in ? 1 : 0)
      << "\">\n          <SegmentTimeline>\n";
  if (lead_in)
    out << "            <S t=\"0\" d=\"" << p.segments.front ().start_ms
        << "\"/>\n";
  for (const DashSegment & s : p.segments)
    out << "            <S t=\"" << s.start_ms << "\" d=\"" << s.duration_ms
        << "\"/>\n";
  out << "          </SegmentTimeline>\n        </SegmentTemplate>\n"
      << "      </Representation>\n";
}

// One AdaptationSet: the stream's own representation of a track and the
// renditions' of the same kind after it.
void
render_adaptation_set (std::ostringstream & out, const DashPresentation & p,
    const DashRepresentation & own)
{
  const bool one_track = own.track_id != 0;
  const char *kind = own.video ? "video" : "audio";
  out << "    <AdaptationSet";
  if (one_track)
    out << " id=\"" << own.track_id << "\" contentType=\"" << kind << "\"";
  out << " mimeType=\"" << kind << "/mp4\" segmentAlignment=\"true\" "
      << "startWithSAP=\"1\">\n";
  render_representation (out, p, own);
  if (own.video)
    for (const DashRepresentation & r : p.representations)
      if (!r.rendition.empty () && r.video)
        render_representation (out, p, r);
  out << "    </AdaptationSet>\n";
}

}  // namespace

double
dash_presentation_delay (const PlaylistConfig & config)
{
  // Audio parts lag the video by up to an audio frame plus the encoder's
  // delay (128 ms frames for 8 kHz AAC), and a player learns of a new
  // segment only with the next MPD: at 0.6 s dash.js stalled in a third of
  // the runs here; at 1 s it stalled at segment boundaries on a loaded CI
  // machine (7-9 % of the time).
  return std::max (1.5, 3 * config.part_target);
}

std::string
render_dash_manifest (const DashPresentation & p)
{
  const auto & config = p.config;
  const double td = config.target_duration;
  const double delay = dash_presentation_delay (config);
  std::ostringstream out;
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\" "
      << "profiles=\"urn:mpeg:dash:profile:isoff-live:2011\" type=\"dynamic\" "
      << "availabilityStartTime=\"" << format_utc_time (1000 * p.availability_start_ms)
      << "\" publishTime=\"" << format_utc_time (1000 * p.now_ms)
      << "\" minimumUpdatePeriod=\"" << iso_duration (config.part_target)
      << "\" minBufferTime=\"" << iso_duration (td)
      << "\" timeShiftBufferDepth=\"" << iso_duration (td * config.window)
      << "\" suggestedPresentationDelay=\"" << iso_duration (delay)
      << "\">\n";
  // How close to live a player can stay (DASH-IF low latency), and a gentle
  // catch-up: a player that speeds up to 1.5x (dash.js's default) drains
  // its audio buffer and stalls.
  out << "  <ServiceDescription id=\"0\">\n    <Latency target=\""
      << std::llround (delay * 1000) << "\" max=\"" << std::llround (td * 3000)
      << "\"/>\n    <PlaybackRate min=\"0.95\" max=\"1.05\"/>\n"
      << "  </ServiceDescription>\n";
  out << "  <Period id=\"0\" start=\"PT0S\">\n";
  for (const DashRepresentation & r : p.representations)
    if (r.rendition.empty ())
      render_adaptation_set (out, p, r);
  // The server's clock, so players place the live edge without asking a
  // time server of their own choosing (dash.js asks one on the Internet).
  out << "  </Period>\n  <UTCTiming schemeIdUri=\"urn:mpeg:dash:utc:direct:2014\" "
      << "value=\"" << format_utc_time (1000 * p.now_ms) << "\"/>\n</MPD>\n";
  return out.str ();
}

}  // namespace camgate::hls
