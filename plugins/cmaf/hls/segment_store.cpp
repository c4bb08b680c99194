#include "segment_store.h"

#include <glib.h>
#include <glib/gstdio.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace camgate::hls {

namespace {

Bytes
share (std::vector<uint8_t> bytes)
{
  return std::make_shared<const std::vector<uint8_t>> (std::move (bytes));
}

// "seg12-2.m4s" -> "seg12.m4s" and track 2.
bool
split_track_uri (const std::string & uri, std::string & base, uint32_t & track)
{
  const size_t dot = uri.rfind ('.');
  const size_t dash = uri.rfind ('-', dot);
  if (dot == std::string::npos || dash == std::string::npos || dot - dash < 2
      || dot - dash > 10)
    return false;
  const std::string digits = uri.substr (dash + 1, dot - dash - 1);
  if (digits.find_first_not_of ("0123456789") != std::string::npos)
    return false;
  base = uri.substr (0, dash) + uri.substr (dot);
  track = static_cast<uint32_t> (std::stoul (digits));
  return true;
}

// One track's view of a muxed header or segment.
Bytes
track_view (const Bytes & muxed, const std::string & base, uint32_t track)
{
  auto out = std::make_shared<std::vector<uint8_t>> ();
  const bool ok = base == SegmentStore::kInit
      ? isobmff::track_header (muxed->data (), muxed->size (), track, *out)
      : isobmff::track_fragments (muxed->data (), muxed->size (), track, *out);
  return ok ? out : nullptr;
}

// The entry of a "video,audio" codecs list that belongs to this track.
std::string
track_codecs (const std::string & codecs, bool video)
{
  size_t begin = 0;
  while (begin <= codecs.size ()) {
    size_t end = codecs.find (',', begin);
    if (end == std::string::npos)
      end = codecs.size ();
    std::string codec = codecs.substr (begin, end - begin);
    const bool is_video = codec.rfind ("avc", 0) == 0
        || codec.rfind ("hvc", 0) == 0 || codec.rfind ("hev", 0) == 0;
    if (is_video == video && !codec.empty ())
      return codec;
    begin = end + 1;
  }
  return "";
}

}  // namespace

std::string
track_uri (const std::string & uri, uint32_t track_id)
{
  const size_t dot = uri.rfind ('.');
  return uri.substr (0, dot) + "-" + std::to_string (track_id)
      + uri.substr (dot);
}

SegmentStore::SegmentStore (PlaylistConfig config)
    : playlist_ (std::move (config))
{
}

PlaylistConfig
SegmentStore::config () const
{
  std::lock_guard<std::mutex> lk (lock_);
  return playlist_.config ();
}

void
SegmentStore::set_header (std::vector<uint8_t> bytes, StreamInfo info)
{
  std::vector<StoreEvent> events;
  {
    std::lock_guard<std::mutex> lk (lock_);
    header_ = share (std::move (bytes));
    tracks_ = isobmff::read_tracks (header_->data (), header_->size ());
    info_ = info;
    files_[kInit] = header_;
    events.push_back ({ StoreEvent::Header, kInit, header_ });
  }
  notify (events);
}

std::vector<StoreEvent>
SegmentStore::complete_open_segment_locked ()
{
  std::vector<StoreEvent> events;
  if (!have_open_)
    return events;
  const std::string uri = segment_uri (open_msn_);
  // A segment is its parts back to back: not kept twice, built on request.
  Bytes bytes = share (std::move (open_segment_));
  open_segment_ = {};
  if (open_duration_ > 0)
    peak_bitrate_ = std::max<uint64_t> (peak_bitrate_,
        static_cast<uint64_t> (bytes->size () * 8 / open_duration_));
  complete_bytes_ += bytes->size ();
  complete_seconds_ += open_duration_;
  max_segment_seconds_ = std::max (max_segment_seconds_, open_duration_);
  if (tracks_.size () > 1 && open_duration_ > 0) {
    for (const auto & track : tracks_) {
      std::vector<uint8_t> view;
      uint64_t & peak = peak_track_bitrate_[track.track_id];
      if (isobmff::track_fragments (bytes->data (), bytes->size (),
              track.track_id, view))
        peak = std::max<uint64_t> (peak, view.size () * 8 / open_duration_);
    }
  }
  start_ms_[open_msn_] = next_start_ms_;
  next_start_ms_ += std::llround (open_duration_ * 1000);
  auto removed = playlist_.complete_segment (open_msn_, uri, open_duration_);
  auto complete = playlist_.complete_segments ();
  while (!start_ms_.empty () && !complete.empty ()
      && start_ms_.begin ()->first < complete.front ()->msn)
    start_ms_.erase (start_ms_.begin ());
  events.push_back ({ StoreEvent::SegmentComplete, uri, bytes });
  for (const auto & gone : removed) {
    files_.erase (gone);
    events.push_back ({ StoreEvent::Removed, gone, nullptr });
  }
  open_segment_.clear ();
  open_duration_ = 0;
  have_open_ = false;
  return events;
}

void
SegmentStore::add_chunk (const ChunkInfo & chunk, std::vector<uint8_t> bytes)
{
  std::vector<StoreEvent> events;
  {
    std::lock_guard<std::mutex> lk (lock_);
    if (have_open_ && chunk.segment != open_msn_)
      events = complete_open_segment_locked ();
    if (!have_open_) {
      have_open_ = true;
      open_msn_ = chunk.segment;
      if (playlist_.empty () && availability_start_ms_ == 0)
        availability_start_ms_ = chunk.wall_clock_ms;
    }
    open_segment_.insert (open_segment_.end (), bytes.begin (), bytes.end ());
    open_duration_ += chunk.duration;
    last_part_us_ = g_get_monotonic_time ();
    Bytes part = share (std::move (bytes));
    const std::string uri = playlist_.add_part (chunk.segment, { chunk.part,
          chunk.duration, chunk.independent, {} }, chunk.wall_clock_ms);
    files_[uri] = part;
    events.push_back ({ StoreEvent::Part, uri, part });
  }
  notify (events);
}

void
SegmentStore::finish ()
{
  std::vector<StoreEvent> events;
  {
    std::lock_guard<std::mutex> lk (lock_);
    events = complete_open_segment_locked ();
    playlist_.end ();
  }
  notify (events);
}

bool
SegmentStore::has_media () const
{
  std::lock_guard<std::mutex> lk (lock_);
  // Served once the target duration is settled: it may never change after.
  return !playlist_.empty () && playlist_.target_settled ();
}

Bytes
SegmentStore::file (const std::string & uri) const
{
  std::string base;
  uint32_t track = 0;
  Bytes muxed;
  {
    std::lock_guard<std::mutex> lk (lock_);
    if (!split_track_uri (uri, base, track))
      return muxed_file_locked (uri);
    if (!serves_track_locked (track)
        || (base != kInit && base.rfind ("seg", 0) != 0))
      return nullptr;
    muxed = muxed_file_locked (base);
  }
  // Cut outside the lock: the packager adds parts meanwhile.
  return muxed ? track_view (muxed, base, track) : nullptr;
}

std::vector<uint32_t>
SegmentStore::dash_tracks () const
{
  std::lock_guard<std::mutex> lk (lock_);
  std::vector<uint32_t> ids;
  if (tracks_.size () > 1)
    for (const auto & t : tracks_)
      ids.push_back (t.track_id);
  return ids;
}

Bytes
SegmentStore::muxed_file_locked (const std::string & uri) const
{
  auto it = files_.find (uri);
  if (it != files_.end ())
    return it->second;
  for (const Segment *segment : playlist_.complete_segments ()) {
    if (segment->uri != uri)
      continue;
    auto bytes = std::make_shared<std::vector<uint8_t>> ();
    for (const auto & part : segment->parts) {
      auto p = files_.find (part.uri);
      if (p == files_.end ())
        return nullptr;
      bytes->insert (bytes->end (), p->second->begin (), p->second->end ());
    }
    return bytes;
  }
  return nullptr;
}

std::string
SegmentStore::media_playlist (bool skip) const
{
  std::lock_guard<std::mutex> lk (lock_);
  return playlist_.render (skip);
}

Readiness
SegmentStore::readiness (uint64_t msn, std::optional<unsigned> part) const
{
  std::lock_guard<std::mutex> lk (lock_);
  return playlist_.readiness (msn, part);
}

bool
SegmentStore::serves_track_locked (uint32_t track) const
{
  return tracks_.size () > 1 && std::any_of (tracks_.begin (), tracks_.end (),
      [&](const isobmff::TrackSummary & t) { return t.track_id == track; });
}

bool
SegmentStore::is_pending (const std::string & uri) const
{
  std::lock_guard<std::mutex> lk (lock_);
  if (playlist_.empty () || playlist_.ended ())
    return false;
  std::string base;
  uint32_t track = 0;
  if (split_track_uri (uri, base, track))
    return serves_track_locked (track) && have_open_
        && segment_uri (open_msn_) == base;
  return playlist_.next_part_uri () == uri
      || (have_open_ && segment_uri (open_msn_) == uri);
}

int64_t
SegmentStore::last_part_us () const
{
  std::lock_guard<std::mutex> lk (lock_);
  return last_part_us_;
}

bool
SegmentStore::segment_from (const std::string & uri, size_t offset,
    std::vector<uint8_t> & out, bool & complete) const
{
  out.clear ();
  std::string base;
  uint32_t track = 0;
  if (split_track_uri (uri, base, track)) {
    // A track's view of the parts so far is the start of its view of the
    // whole segment: cut what is there, then skip what was sent.
    {
      std::lock_guard<std::mutex> lk (lock_);
      if (!serves_track_locked (track))
        return false;
    }
    std::vector<uint8_t> muxed;
    if (!segment_from (base, 0, muxed, complete))
      return false;
    std::vector<uint8_t> view;
    if (!isobmff::track_fragments (muxed.data (), muxed.size (), track, view))
      return false;
    if (offset < view.size ())
      out.assign (view.begin () + offset, view.end ());
    return true;
  }
  {
    std::lock_guard<std::mutex> lk (lock_);
    if (have_open_ && segment_uri (open_msn_) == uri) {
      complete = false;
      if (offset < open_segment_.size ())
        out.assign (open_segment_.begin () + offset, open_segment_.end ());
      return true;
    }
  }
  Bytes bytes = file (uri);
  if (!bytes || uri.rfind ("seg", 0) != 0)
    return false;
  complete = true;
  if (offset < bytes->size ())
    out.assign (bytes->begin () + offset, bytes->end ());
  return true;
}

std::string
SegmentStore::multivariant_playlist () const
{
  return hls::multivariant_playlist ({ { kMediaPlaylist, variant () } });
}

VariantInfo
SegmentStore::variant () const
{
  std::lock_guard<std::mutex> lk (lock_);
  VariantInfo v;
  v.info = info_;
  // Until a segment is measured, announce a generous estimate.
  v.peak_bandwidth = peak_bitrate_ ? peak_bitrate_ * 11 / 10 : 5000000;
  if (complete_seconds_ > 0)
    v.average_bandwidth = static_cast<uint64_t> (complete_bytes_ * 8
        / complete_seconds_);
  return v;
}

std::string
multivariant_playlist (const std::vector<std::pair<std::string, VariantInfo>>
    & variants)
{
  std::ostringstream out;
  out << "#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-INDEPENDENT-SEGMENTS\n";
  for (const auto & [uri, v] : variants) {
    out << "#EXT-X-STREAM-INF:BANDWIDTH=" << v.peak_bandwidth;
    if (v.average_bandwidth)
      out << ",AVERAGE-BANDWIDTH=" << v.average_bandwidth;
    out << ",CODECS=\"" << v.info.codecs << "\"";
    if (v.info.width && v.info.height)
      out << ",RESOLUTION=" << v.info.width << "x" << v.info.height;
    if (v.info.frame_rate > 0) {
      char rate[32];
      g_ascii_formatd (rate, sizeof rate, "%.3f", v.info.frame_rate);
      out << ",FRAME-RATE=" << rate;
    }
    out << "\n" << uri << "\n";
  }
  return out.str ();
}

std::string
SegmentStore::dash_manifest (bool timeline_from_zero) const
{
  return render_dash_manifest (dash_presentation (timeline_from_zero));
}

DashPresentation
SegmentStore::dash_presentation (bool timeline_from_zero) const
{
  DashPresentation p;
  p.timeline_from_zero = timeline_from_zero;
  {
    std::lock_guard<std::mutex> lk (lock_);
    p.config = playlist_.config ();
    p.availability_start_ms = availability_start_ms_;
    auto segments = playlist_.complete_segments ();
    if (!segments.empty ())
      p.start_number = segments.front ()->msn;
    for (const Segment *segment : segments) {
      auto it = start_ms_.find (segment->msn);
      p.segments.push_back ({ it == start_ms_.end () ? 0 : it->second,
            std::llround (segment->duration * 1000) });
    }
    // The segment being built is listed too, with the last one's length as
    // its expected one: with a timeline, a client can only ask early (as
    // availabilityTimeOffset allows) for a segment the MPD lists, and a
    // live client joins at "now", which lies in this segment (dashdemux2
    // placed itself after the last listed segment and waited for minutes).
    if (have_open_ && !playlist_.ended () && !p.segments.empty ())
      p.segments.push_back ({ next_start_ms_, p.segments.back ().duration_ms });
    p.representations = dash_representations_locked ();
  }
  p.now_ms = g_get_real_time () / 1000;
  return p;
}

std::vector<DashRepresentation>
SegmentStore::dash_representations_locked () const
{
  // One track: the files as they are. Audio and video: each track's view.
  if (tracks_.size () < 2)
    return { { 0, true, info_.codecs, info_.width, info_.height, 0, 0,
            peak_bitrate_ } };
  std::vector<DashRepresentation> out;
  for (const auto & track : tracks_) {
    auto peak = peak_track_bitrate_.find (track.track_id);
    out.push_back ({ track.track_id, track.video,
          track_codecs (info_.codecs, track.video), track.width, track.height,
          track.sample_rate, track.channels,
          peak == peak_track_bitrate_.end () ? 0 : peak->second });
  }
  return out;
}

int
SegmentStore::observe (Observer observer)
{
  std::lock_guard<std::mutex> lk (lock_);
  int id = next_observer_++;
  observers_[id] = std::move (observer);
  return id;
}

void
SegmentStore::unobserve (int id)
{
  std::lock_guard<std::mutex> lk (lock_);
  observers_.erase (id);
}

void
SegmentStore::notify (const std::vector<StoreEvent> & events)
{
  std::vector<Observer> observers;
  {
    std::lock_guard<std::mutex> lk (lock_);
    for (const auto & [id, o] : observers_)
      observers.push_back (o);
  }
  for (const auto & event : events)
    for (const auto & o : observers)
      o (event);
}

DirectoryWriter::DirectoryWriter (std::shared_ptr<SegmentStore> store,
    std::string directory)
    : store_ (std::move (store)), directory_ (std::move (directory))
{
  if (g_mkdir_with_parents (directory_.c_str (), 0755) != 0)
    error_ = "cannot create " + directory_;
  observer_ = store_->observe ([this](const StoreEvent & event) {
        const auto tracks = store_->dash_tracks ();
        if (event.kind == StoreEvent::Removed) {
          g_remove ((directory_ + "/" + event.uri).c_str ());
          for (uint32_t track : tracks)
            g_remove ((directory_ + "/" + track_uri (event.uri, track)).c_str ());
          return;
        }
        write (event.uri, *event.bytes);
        // DASH's per-track files, for headers and complete segments.
        if (event.kind != StoreEvent::Part) {
          for (uint32_t track : tracks) {
            const std::string uri = track_uri (event.uri, track);
            if (Bytes view = store_->file (uri))
              write (uri, *view);
          }
        }
        write (SegmentStore::kMediaPlaylist, store_->media_playlist ());
        write (SegmentStore::kMultivariant, store_->multivariant_playlist ());
        if (event.kind == StoreEvent::SegmentComplete)
          write (SegmentStore::kManifest, store_->dash_manifest ());
      });
}

DirectoryWriter::~DirectoryWriter ()
{
  store_->unobserve (observer_);
}

void
DirectoryWriter::write (const std::string & name,
    const std::vector<uint8_t> & bytes)
{
  const std::string path = directory_ + "/" + name;
  const std::string temp = directory_ + "/." + name + ".tmp";
  std::ofstream out (temp, std::ios::binary);
  out.write (reinterpret_cast<const char *> (bytes.data ()), bytes.size ());
  out.close ();
  if (!out || g_rename (temp.c_str (), path.c_str ()) != 0)
    error_ = "cannot write " + path;
}

void
DirectoryWriter::write (const std::string & name, const std::string & text)
{
  write (name, std::vector<uint8_t> (text.begin (), text.end ()));
}

}  // namespace camgate::hls
