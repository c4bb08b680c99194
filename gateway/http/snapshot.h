// GET /api/v1/streams/<name>/snapshot.jpg: the latest keyframe as JPEG.
// A JPEG younger than the stream's usual GOP is answered at once; otherwise
// the request waits (up to 10 s) for the next keyframe. Each stream's
// SnapshotOutput starts with the first request and stops a minute after
// the last.
#pragma once

#include "snapshot/snapshot_output.h"

#include <libsoup/soup.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace camgate {

class StreamManager;
class Stream;

class SnapshotService
{
public:
  explicit SnapshotService (StreamManager & streams);
  ~SnapshotService ();
  SnapshotService (const SnapshotService &) = delete;
  SnapshotService & operator= (const SnapshotService &) = delete;

  void send (SoupServerMessage * message, const std::string & stream);

private:
  struct Waiter
  {
    SoupServerMessage *message;    // paused, referenced
    gint64 deadline_us;
    gulong disconnected_id;
  };
  struct Entry
  {
    std::weak_ptr<Stream> stream;  // a redefined stream is a new Stream
    std::unique_ptr<SnapshotOutput> output;
    std::vector<Waiter> waiters;
    gint64 last_request_us = 0;
  };

  void answer_waiters (const std::string & name);
  // Unpauses (or, for a client that left, just drops) a waiting request.
  static void release (Waiter & waiter);
  static void reply (SoupServerMessage * message, GBytes * jpeg);
  static gboolean on_tick (gpointer self);

  StreamManager & streams_;
  std::map<std::string, Entry> entries_;
  guint tick_ = 0;
};

}  // namespace camgate
