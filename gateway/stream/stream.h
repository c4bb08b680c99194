// Stream: owns one stream's source for its whole life. It starts the source
// session, watches it (bus errors, EOS, no data within source.timeout of
// starting, a stall or a missing track reported by its streamhealth
// elements), and rebuilds it after a failure with exponential backoff (1 s
// doubling to 30 s, forever). All methods run on the main context except
// publish_stopped(), which a publisher's lease calls from the thread that
// ends it.
#pragma once

#include "config/stream_spec.h"
#include "hls/hls_output.h"
#include "recording/recording_output.h"
#include "media/health_board.h"
#include "media/publisher_lease.h"
#include "media/reader_count.h"
#include "media/rtp_fanout.h"
#include "media/source_session.h"
#include "webrtc/webrtc_feed.h"

#include <glib.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

namespace camgate {

enum class StreamState { Starting, Running, Retrying, Stalled, Waiting, Stopped };
const char *to_string (StreamState state);

class Stream
{
public:
  static constexpr guint kFirstBackoffMs = 1000;
  static constexpr guint kMaxBackoffMs = 30000;

  explicit Stream (StreamSpec spec);
  ~Stream ();
  Stream (const Stream &) = delete;
  Stream & operator= (const Stream &) = delete;

  void start ();
  void stop ();

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
  // The LL-HLS/DASH segment store, when outputs.hls is on and packaging runs.
  std::shared_ptr<hls::SegmentStore> hls_store () const;
  // The recording, when record: is on.
  const RecordingOutput *recording () const { return recording_.get (); }
  // The WebRTC viewers' feed, when outputs.webrtc is on.
  const std::shared_ptr<webrtc::WebRtcFeed> & webrtc_feed () const
  {
    return webrtc_;
  }
  // Claimed by the one publisher (RTSP RECORD or WHIP) feeding a publish
  // stream.
  const std::shared_ptr<PublishSlot> & publish_slot () const
  {
    return publish_slot_;
  }

  // The WHEP viewers: each holds a lease while its session lives.
  const std::shared_ptr<ReaderCount> & webrtc_readers () const
  {
    return webrtc_readers_;
  }
  // An on-demand feed runs while it has viewers and lingers this long after
  // the last one left.
  static constexpr int64_t kWebRtcLingerUs = 5 * 60 * G_USEC_PER_SEC;

  // Starts (or keeps) the WebRTC feed while viewers want it, stops an idle
  // on-demand one. Runs every tick; the WHEP endpoint calls it at once.
  void update_webrtc ();

  // The publisher's lease ended (called on the thread that ended it).
  void publish_stopped (const std::string & why);

private:
  void start_session ();
  void end_session ();             // the source pipeline goes, outputs stay
  void fail (const std::string & error, StreamState state = StreamState::Retrying);
  void update_health ();
  void set_state (StreamState state, const std::string & error = {});
  void check_progress ();

  static gboolean on_bus (GstBus * bus, GstMessage * message, gpointer self);
  static gboolean on_tick (gpointer self);
  static gboolean on_retry (gpointer self);

  const StreamSpec spec_;
  const std::shared_ptr<RtpFanout> fanout_;
  const std::shared_ptr<HealthBoard> board_;
  std::unique_ptr<SourceSession> session_;
  std::unique_ptr<HlsOutput> hls_;
  std::shared_ptr<webrtc::WebRtcFeed> webrtc_;
  std::unique_ptr<RecordingOutput> recording_;
  int64_t last_retention_us_ = 0;
  const std::shared_ptr<PublishSlot> publish_slot_;
  const std::shared_ptr<ReaderCount> webrtc_readers_ =
      std::make_shared<ReaderCount> ();

  guint bus_watch_ = 0;
  guint tick_source_ = 0;
  guint retry_source_ = 0;
  guint backoff_ms_ = kFirstBackoffMs;
  int64_t session_started_us_ = 0;
  int64_t running_since_us_ = 0;

  mutable std::mutex lock_;        // guards what other threads read
  StreamState state_ = StreamState::Stopped;
  std::string last_error_;
  unsigned restarts_ = 0;
  StreamHealthSummary health_;
  std::string logged_health_;      // "state: reasons", logged once per change
};

}  // namespace camgate
