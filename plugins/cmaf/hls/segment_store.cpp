#include "segment_store.h"

#include <glib.h>
#include <glib/gstdio.h>

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

std::string
iso_duration (double seconds)
{
  char text[32];
  snprintf (text, sizeof text, "PT%.3fS", seconds);
  return text;
}

}  // namespace

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
  max_segment_seconds_ = std::max (max_segment_seconds_, open_duration_);
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
  std::lock_guard<std::mutex> lk (lock_);
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
SegmentStore::is_pending (const std::string & uri) const
{
  std::lock_guard<std::mutex> lk (lock_);
  if (playlist_.empty () || playlist_.ended ())
    return false;
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
  std::lock_guard<std::mutex> lk (lock_);
  std::ostringstream out;
  out << "#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-INDEPENDENT-SEGMENTS\n";
  // Until a segment is measured, announce a generous estimate.
  uint64_t bandwidth = peak_bitrate_ ? peak_bitrate_ * 11 / 10 : 5000000;
  out << "#EXT-X-STREAM-INF:BANDWIDTH=" << bandwidth << ",CODECS=\""
      << info_.codecs << "\"";
  if (info_.width && info_.height)
    out << ",RESOLUTION=" << info_.width << "x" << info_.height;
  out << "\n" << kMediaPlaylist << "\n";
  return out.str ();
}

std::string
SegmentStore::dash_manifest () const
{
  std::lock_guard<std::mutex> lk (lock_);
  const auto & config = playlist_.config ();
  std::ostringstream out;
  const double td = config.target_duration;
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\" "
      << "profiles=\"urn:mpeg:dash:profile:isoff-live:2011\" type=\"dynamic\" "
      << "availabilityStartTime=\"" << format_date_time (availability_start_ms_)
      << "\" publishTime=\"" << format_date_time (g_get_real_time () / 1000)
      << "\" minimumUpdatePeriod=\"" << iso_duration (config.part_target)
      << "\" minBufferTime=\"" << iso_duration (td)
      << "\" timeShiftBufferDepth=\"" << iso_duration (td * config.window)
      << "\" suggestedPresentationDelay=\"" << iso_duration (3 * config.part_target)
      << "\">\n";
  out << "  <Period id=\"0\" start=\"PT0S\">\n";
  out << "    <AdaptationSet mimeType=\"video/mp4\" segmentAlignment=\"true\" "
      << "startWithSAP=\"1\">\n";
  out << "      <Representation id=\"0\" codecs=\"" << info_.codecs
      << "\" bandwidth=\"" << (peak_bitrate_ ? peak_bitrate_ : 5000000) << "\"";
  if (info_.width && info_.height)
    out << " width=\"" << info_.width << "\" height=\"" << info_.height << "\"";
  out << ">\n";
  // The same segment files as HLS. A low-latency client may ask for a
  // segment before it is complete: the request waits for it.
  out << "        <SegmentTemplate timescale=\"1000\" initialization=\"" << kInit
      << "\" media=\"seg$Number$.m4s\" availabilityTimeOffset=\""
      << (td - config.part_target) << "\" availabilityTimeComplete=\"false\"";
  auto segments = playlist_.complete_segments ();
  if (!segments.empty ())
    out << " startNumber=\"" << segments.front ()->msn << "\"";
  out << ">\n          <SegmentTimeline>\n";
  // Media time from availabilityStartTime: where each segment began.
  for (size_t i = 0; i < segments.size (); i++) {
    out << "            <S";
    if (i == 0) {
      auto it = start_ms_.find (segments[i]->msn);
      out << " t=\"" << (it == start_ms_.end () ? 0 : it->second) << "\"";
    }
    out << " d=\"" << std::llround (segments[i]->duration * 1000) << "\"/>\n";
  }
  out << "          </SegmentTimeline>\n";
  out << "        </SegmentTemplate>\n      </Representation>\n"
      << "    </AdaptationSet>\n  </Period>\n</MPD>\n";
  return out.str ();
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
        if (event.kind == StoreEvent::Removed) {
          g_remove ((directory_ + "/" + event.uri).c_str ());
          return;
        }
        write (event.uri, *event.bytes);
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
