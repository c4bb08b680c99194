// The single publisher slot of a `source: publish` stream, and the lease a
// publisher holds on it. An RTSP RECORD media and a WHIP session (and the
// next publishers, RTMP and SRT) are short adapters around a lease: claiming
// the slot, beginning a session on the stream's fanout and health board,
// feeding each track through streamhealth into the fanout, and ending
// (fanout session closed, slot free, the stream told) are written here once.
// The lease ends when it is destroyed, so a publisher that fails half-way
// cannot keep the stream.
//
// claim() and the lease's methods may run on any thread (gst-rtsp-server's,
// webrtcbin's); the stopped callback runs on the thread that ends the lease.
#pragma once

#include "config/stream_spec.h"
#include "media/health_board.h"
#include "media/rtp_fanout.h"

#include <gst/gst.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace camgate {

class PublisherLease;

// Who holds a slot, for the API and the panel.
struct PublisherInfo
{
  std::string protocol;            // "RTSP", "WHIP", "RTMP"
  std::string address;             // the publisher's IP ("" if unknown)
  gint64 since_unix_us = 0;
};

class PublishSlot : public std::enable_shared_from_this<PublishSlot>
{
public:
  // Told when a begun lease ends, with why ("the WHIP publisher left: …").
  using Stopped = std::function<void (const std::string & why)>;

  PublishSlot (std::string stream, std::shared_ptr<RtpFanout> fanout,
      std::shared_ptr<HealthBoard> health, HealthSpec health_spec);

  // Set once, before any publisher can claim the slot.
  void on_stopped (Stopped stopped) { stopped_ = std::move (stopped); }

  bool taken () const { return taken_; }

  // The slot for `kind` ("RTSP", "WHIP", "RTMP") from `address`, or nullptr
  // when a publisher has it.
  std::unique_ptr<PublisherLease> claim (const std::string & kind,
      const std::string & address = "");

  // The publisher holding the slot, if one does.
  std::optional<PublisherInfo> publisher () const;

private:
  friend class PublisherLease;

  const std::string stream_;
  const std::shared_ptr<RtpFanout> fanout_;
  const std::shared_ptr<HealthBoard> health_;
  const HealthSpec health_spec_;
  Stopped stopped_;
  std::atomic<bool> taken_ { false };
  mutable std::mutex info_lock_;
  std::optional<PublisherInfo> info_;
};

class PublisherLease
{
public:
  ~PublisherLease ();
  PublisherLease (const PublisherLease &) = delete;
  PublisherLease & operator= (const PublisherLease &) = delete;

  // The publisher's media starts: the stream's fanout and health begin a new
  // session, which is complete once `tracks` tracks reported their caps.
  void begin (unsigned tracks);

  // One of the publisher's RTP tracks, a pad inside `bin`: it goes through
  // streamhealth into the fanout, numbered in the order tracks are added.
  void add_track (GstBin * bin, GstPad * pad);

  // Ends the lease now, `why` told after "the <kind> publisher left" (the
  // destructor ends it without one).
  void end (const std::string & why);

private:
  friend class PublishSlot;
  PublisherLease (std::shared_ptr<PublishSlot> slot, std::string kind);

  const std::shared_ptr<PublishSlot> slot_;
  const std::string kind_;
  std::atomic<bool> begun_ { false };
  std::atomic<bool> ended_ { false };
  std::atomic<unsigned> next_track_ { 0 };
  std::shared_ptr<std::atomic<int>> tracks_missing_;
};

}  // namespace camgate
