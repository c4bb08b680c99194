// HlsRoutes: LL-HLS and DASH on the HTTP port, from each stream's segment
// store:
//   /<stream>/index.m3u8   multivariant playlist
//   /<stream>/stream.m3u8  media playlist; _HLS_msn/_HLS_part block until that
//                          part exists (3 target durations, then 503; too far
//                          ahead 400), _HLS_skip=YES|v2 gives a delta update
//   /<stream>/init.mp4, /<stream>/seg<n>.m4s, /<stream>/part<n>.m4s  CMAF
//                          header, segments, parts (numbered across
//                          segments); the preload-hinted part blocks
//                          until complete; the segment being built is sent
//                          as its parts are written (chunked), as DASH's
//                          availabilityTimeOffset promises
//   /<stream>/manifest.mpd DASH
//   /<stream>/<rendition>/stream.m3u8 (and its files, as above): a transcoded
//                          rendition, listed in the multivariant playlist
//                          beside the camera's own once it has media (the
//                          playlist waits for them up to 3 target durations)
// Blocked requests are paused libsoup messages, woken by their segment
// store's notifications (marshalled to the main context) or their deadline;
// a request for a stream whose packager has not started yet (no store to
// observe) is looked at again every 100 ms. They are ParkedMessages, so a
// client that goes away is noticed and forgotten.
// A playlist or manifest fetched with ?token= carries the token in every URI
// it lists, so players that cannot send headers keep it on every request.
// Each client connection that asks for a stream's media counts as one of its
// HLS readers until it stays away for 20 s.
#pragma once

#include "media/reader_count.h"

#include <libsoup/soup.h>

#include <atomic>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace camgate {

class ParkedMessage;
class Stream;
class StreamManager;
namespace hls { class SegmentStore; }

class HlsRoutes
{
public:
  explicit HlsRoutes (StreamManager & streams);
  ~HlsRoutes ();

  // Answers (or parks) the request if `path` is an HLS/DASH resource of a
  // stream; false when the path is not one.
  bool handle (SoupServerMessage * message, const std::string & path,
      GHashTable * query);

  // `text` (a playlist, or an MPD when `mpd`) with `token` added to each URI.
  static std::string with_token (const std::string & text,
      const std::string & token, bool mpd);

private:
  struct Waiter
  {
    SoupServerMessage *message;    // held by `parked` once parked
    std::string stream;
    std::string rendition;         // "" for the camera's own
    std::string file;              // "" for the playlist
    uint64_t msn = 0;
    std::optional<unsigned> part;
    bool skip = false;
    gint64 deadline_us = 0;
    std::shared_ptr<ParkedMessage> parked;
    std::string token;             // ?token= to pass on to listed URIs
  };

  // A segment sent while it is being built.
  struct SegmentFeed
  {
    SoupServerMessage *message;    // referenced
    bool gone = false;             // finished: the client left
    std::shared_ptr<hls::SegmentStore> store;
    std::string file;
    size_t sent = 0;
    gint64 deadline_us = 0;
    gulong finished_id = 0;
  };

  static bool read_query (GHashTable * query, Waiter & waiter,
      std::string & error);
  void park (Waiter waiter);
  // True when answered (now or never to be); false to keep waiting.
  bool try_answer (Waiter & waiter, bool expired);
  // The renditions' stores a multivariant playlist or an MPD lists: those
  // with media. False while one that is starting has none yet (and
  // `expired` is false).
  using RenditionStores = std::vector<std::pair<std::string,
      std::shared_ptr<hls::SegmentStore>>>;
  static bool renditions_ready (const Stream & stream, bool expired,
      RenditionStores & ready);
  // Starts sending the segment being built; true when it is one.
  bool start_feed (Waiter & waiter, std::shared_ptr<hls::SegmentStore> store);
  void feed_segments ();
  void end_feed (SegmentFeed & feed);
  void wake ();

  // Store notifications come on streaming threads; they schedule one
  // service() on the main context (coalesced).
  struct Wakeup
  {
    std::atomic<bool> scheduled { false };
    HlsRoutes *routes = nullptr;   // main context only; null once gone
  };
  static void schedule (const std::shared_ptr<Wakeup> & wakeup);
  // Answers what can be answered, sends what parts arrived, then observes
  // the stores parked requests wait on and arms the next deadline.
  void service ();
  void observe_stores (bool & store_missing);
  void arm_deadline (bool store_missing);
  // Counts the request's client as a reader of `stream`, and as one of its
  // adaptive-bitrate players (which keep its renditions on) once it asked
  // for `abr` media: the multivariant playlist, the MPD or a rendition.
  void note_reader (SoupServerMessage * message, const std::string & stream,
      bool abr);

  StreamManager & streams_;
  std::list<Waiter> waiters_;
  std::list<SegmentFeed> feeds_;
  const std::shared_ptr<Wakeup> wakeup_ = std::make_shared<Wakeup> ();
  // The stores observed, with their observer ids (held while observed).
  std::map<hls::SegmentStore *,
      std::pair<std::shared_ptr<hls::SegmentStore>, int>> observed_;
  guint deadline_source_ = 0;
  RecentReaders readers_;
  RecentReaders abr_readers_;
  guint reader_sweep_ = 0;         // while readers_ is not empty
};

}  // namespace camgate
