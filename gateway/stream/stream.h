// Stream: owns one stream's source for its whole life. It starts the source
// session (an on-demand one only while it is wanted), watches it (bus
// errors, EOS, no data within source.timeout of starting, a stall or a
// missing track reported by its streamhealth elements), and rebuilds it
// after a failure with exponential backoff (1 s doubling to 30 s, forever). It owns its outputs (StreamOutput) and its
// readers' counts: it runs each output while it is wanted (an on-demand one
// while its readers hold leases, then for its linger time) and gathers their
// health. All methods run on the main context except publish_stopped(),
// which a publisher's lease calls from the thread that ends it.
#pragma once

#include "config/stream_spec.h"
#include "media/health_board.h"
#include "media/publisher_lease.h"
#include "media/reader_count.h"
#include "media/rtp_fanout.h"
#include "media/source_session.h"
#include "media/stream_output.h"

#include <glib.h>

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>

namespace camgate {

enum class StreamState { Idle, Starting, Running, Retrying, Stalled, Waiting,
  Standby, Stopped };
const char *to_string (StreamState state);

class Stream
{
public:
  static constexpr guint kFirstBackoffMs = 1000;
  static constexpr guint kMaxBackoffMs = 30000;

  Stream (StreamSpec spec, const OutputMaker & make_outputs);
  ~Stream ();
  Stream (const Stream &) = delete;
  Stream & operator= (const Stream &) = delete;

  // `standby`: starts in standby (see set_standby).
  void start (bool standby = false);
  void stop ();
  // In a cluster, another node owns the stream. With no `upstream` it is in
  // standby: no source, no output runs here (state "standby"). With one (the
  // owner's RTSP URI of the stream, `mode: proxy`) this node is its edge:
  // the source is that URI, pulled only while readers here want it, and the
  // outputs that belong to the owner alone (recording, camera events,
  // pushes) do not run. An edge whose owner is gone stays an edge (its
  // viewers stay, its source retries) until another owner is known. Out of
  // standby the stream starts as start() does. A publish stream (fed by
  // whoever connects here) is never in standby.
  void set_standby (bool standby, const std::string & upstream = {});
  // The owner's RTSP URI this node pulls the stream from, "" when it is not
  // an edge for it. Thread-safe.
  std::string upstream () const;
  // Whether the source connects only while it is wanted: `source.on-demand`,
  // or an edge. Thread-safe.
  bool starts_on_demand () const
  {
    return spec_.source.on_demand || !upstream ().empty ();
  }

  const StreamSpec & spec () const { return spec_; }
  const std::shared_ptr<RtpFanout> & fanout () const { return fanout_; }

  StreamState state () const;
  std::string last_error () const;
  unsigned restarts () const;
  // Seconds since data last started flowing (0 when not running).
  double uptime_seconds () const;
  // The last health reading (refreshed every tick on the main context).
  StreamHealthSummary health () const;
  const std::shared_ptr<HealthBoard> & health_board () const { return board_; }
  // The output of type T (HlsOutput, WebRtcFeed, ...), null when the
  // stream's definition has none.
  template <class T> std::shared_ptr<T> output () const
  {
    return output_where<T> ([](const T &) { return true; });
  }
  // The first output of type T that `which` accepts.
  template <class T, class Which>
  std::shared_ptr<T> output_where (Which which) const
  {
    for (const auto & output : outputs_)
      if (auto typed = std::dynamic_pointer_cast<T> (output))
        if (which (*typed))
          return typed;
    return nullptr;
  }
  // Every output of type T that `which` accepts, in the order they were made.
  template <class T, class Which>
  std::vector<std::shared_ptr<T>> outputs_where (Which which) const
  {
    std::vector<std::shared_ptr<T>> found;
    for (const auto & output : outputs_)
      if (auto typed = std::dynamic_pointer_cast<T> (output))
        if (which (*typed))
          found.push_back (std::move (typed));
    return found;
  }
  // The RTSP mounts its outputs serve (renditions), beside its own.
  std::vector<std::shared_ptr<MountTarget>> output_mounts () const
  {
    std::vector<std::shared_ptr<MountTarget>> targets;
    for (const auto & output : outputs_)
      for (auto & target : output->mount_targets ())
        targets.push_back (std::move (target));
    return targets;
  }
  // Claimed by the one publisher (RTSP RECORD or WHIP) feeding a publish
  // stream.
  const std::shared_ptr<PublishSlot> & publish_slot () const
  {
    return publish_slot_;
  }

  // The readers of one kind: each holds a lease while it reads (an RTSP
  // player's session, a WHEP session, an HLS player's connection, a
  // snapshot request).
  const std::shared_ptr<ReaderCount> & readers (ReaderKind kind) const
  {
    return readers_[static_cast<size_t> (kind)];
  }

  // Starts (or keeps) the outputs that are wanted, stops idle on-demand ones.
  // Runs every tick; a door that just gave a reader its lease calls it so
  // the output starts at once.
  void update_outputs ();

  // The publisher's lease ended (called on the thread that ended it).
  void publish_stopped (const std::string & why);

private:
  void start_session ();
  void start_source ();            // as start() does, out of standby
  void stop_source ();             // no session, no retry pending
  void end_session ();             // the source pipeline goes, outputs stay
  void fail (const std::string & error, StreamState state = StreamState::Retrying);
  void update_health ();
  void set_state (StreamState state, const std::string & error = {});
  void check_progress ();
  // source.on-demand: whether a reader (not a snapshot) or an output's
  // own readers need the source now, or left less than linger ago.
  bool source_wanted () const;
  // Starts or stops an on-demand source as it is wanted; whether it runs.
  bool follow_demand ();
  // A track's health changed (told by the board, run on the main context):
  // a stalled source is restarted at once.
  void on_health_changed ();
  void fail_if_stalled ();
  OutputTick output_tick () const;
  // Whether a source may run here: the owner's, or an edge's.
  bool runs_here () const { return !standby_ || edge_spec_ != nullptr; }
  const StreamSpec & source_spec () const
  {
    return edge_spec_ ? *edge_spec_ : spec_;
  }
  bool standby_ = false;
  // An edge's definition: the stream's own, its source the owner's mount.
  std::unique_ptr<StreamSpec> edge_spec_;

  static gboolean on_bus (GstBus * bus, GstMessage * message, gpointer self);
  static gboolean on_tick (gpointer self);
  static gboolean on_retry (gpointer self);

  const StreamSpec spec_;
  const std::shared_ptr<RtpFanout> fanout_;
  const std::shared_ptr<HealthBoard> board_;
  std::unique_ptr<SourceSession> session_;
  const std::shared_ptr<PublishSlot> publish_slot_;
  std::array<std::shared_ptr<ReaderCount>, kReaderKinds.size ()> readers_;
  const std::vector<std::shared_ptr<StreamOutput>> outputs_;

  guint bus_watch_ = 0;
  guint tick_source_ = 0;
  guint retry_source_ = 0;
  guint backoff_ms_ = kFirstBackoffMs;
  int64_t session_started_us_ = 0;
  int64_t running_since_us_ = 0;

  mutable std::mutex lock_;        // guards what other threads read
  StreamState state_ = StreamState::Stopped;
  std::string last_error_;
  std::string upstream_;           // edge_spec_'s source, for other threads
  unsigned restarts_ = 0;
  StreamHealthSummary health_;
  std::string logged_health_;      // "state: reasons", logged once per change
  // Cleared when the stream goes: health events queued on the main context
  // find it gone.
  const std::shared_ptr<bool> alive_ = std::make_shared<bool> (true);
};

}  // namespace camgate
