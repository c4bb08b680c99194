// GET /api/v1/streams/<name>/snapshot.jpg: the latest keyframe as JPEG.
// A JPEG younger than two seconds is answered at once; otherwise the request
// waits (up to 10 s) for the next keyframe. A request is a snapshot reader of
// its stream while it waits: the stream starts its SnapshotOutput for it and
// stops it a minute after the last.
#pragma once

#include "http/parked_message.h"
#include "media/reader_count.h"

#include <libsoup/soup.h>

#include <map>
#include <memory>
#include <string>

namespace camgate {

class StreamManager;
class SnapshotOutput;

class SnapshotRoutes
{
public:
  explicit SnapshotRoutes (StreamManager & streams) : streams_ (streams) {}
  SnapshotRoutes (const SnapshotRoutes &) = delete;
  SnapshotRoutes & operator= (const SnapshotRoutes &) = delete;

  void send (SoupServerMessage * message, const std::string & stream);

private:
  struct Waiting
  {
    ~Waiting ();
    ReaderCount::Lease lease;
    std::weak_ptr<SnapshotOutput> output;
    std::unique_ptr<ParkedMessage> parked;
    guint deadline = 0;
  };

  // The next JPEG came: answer request `id`.
  void answer (uint64_t id);
  // No keyframe in time: say why.
  void expire (uint64_t id);
  static void reply (SoupServerMessage * message, GBytes * jpeg);

  StreamManager & streams_;
  std::map<uint64_t, std::unique_ptr<Waiting>> waiting_;
  uint64_t next_id_ = 1;
  // Callbacks that outlive this object (an output's JPEG callbacks) find it
  // gone.
  const std::shared_ptr<SnapshotRoutes *> self_ =
      std::make_shared<SnapshotRoutes *> (this);
};

}  // namespace camgate
