#include "stream/stream.h"

#include "events/event_bus.h"
#include "media/main_context.h"
#include "service/stream_log.h"

#include <algorithm>

namespace camgate {

namespace {

// A session whose tracks stay incomplete this long after data started (a
// camera announcing a track it never sends) goes on with the tracks it has.
constexpr int64_t kTrackSetupGraceUs = 2 * G_USEC_PER_SEC;
// A session that ran this long counts as healthy: the next failure starts
// the backoff from the beginning again.
constexpr int64_t kHealthyAfterUs = 10 * G_USEC_PER_SEC;
constexpr guint kTickMs = 250;
// A repaired timestamp is reported in the health for this long.
constexpr int64_t kRepairReportUs = 10 * G_USEC_PER_SEC;

}  // namespace

const char *
to_string (StreamState state)
{
  switch (state) {
    case StreamState::Idle:
      return "idle";
    case StreamState::Starting:
      return "starting";
    case StreamState::Running:
      return "running";
    case StreamState::Retrying:
      return "retrying";
    case StreamState::Stalled:
      return "stalled";
    case StreamState::Waiting:
      return "waiting";
    case StreamState::Standby:
      return "standby";
    case StreamState::Stopped:
      return "stopped";
  }
  return "unknown";
}

Stream::Stream (StreamSpec spec, const OutputMaker & make_outputs)
    : spec_ (std::move (spec)), fanout_ (std::make_shared<RtpFanout> ()),
      board_ (std::make_shared<HealthBoard> ()),
      publish_slot_ (std::make_shared<PublishSlot> (spec_.name, fanout_, board_,
              spec_.health)),
      outputs_ (make_outputs (spec_, fanout_))
{
  for (auto & readers : readers_)
    readers = std::make_shared<ReaderCount> ();
  if (spec_.outputs.rtsp && spec_.outputs.rtsp_gop_cache)
    fanout_->keep_gops (OutputsSpec::kGopCacheBytes);
  // Reports come on streaming and clock threads; the stream acts on the
  // main context.
  board_->on_change ([alive = alive_, this]() {
        invoke_on_main ([alive, this]() {
              if (*alive)
                on_health_changed ();
            });
      });
}

OutputTick
Stream::output_tick () const
{
  OutputTick tick;
  tick.now_us = g_get_monotonic_time ();
  tick.delivering = fanout_->session_active ();
  tick.delivering_since_us = std::max (session_started_us_, running_since_us_);
  return tick;
}

Stream::~Stream ()
{
  *alive_ = false;
  board_->on_change (nullptr);
  stop ();
}

void
Stream::on_health_changed ()
{
  update_health ();
  fail_if_stalled ();
}

void
Stream::fail_if_stalled ()
{
  const StreamHealthSummary summary = health ();
  // A reading from before this session says nothing about it.
  if (!session_ || running_since_us_ == 0 || summary.stale
      || summary.state != "stalled")
    return;
  fail ("stalled: no data for " + std::to_string (spec_.health.stall_timeout_ms)
      + " ms", StreamState::Stalled);
}

StreamState
Stream::state () const
{
  std::lock_guard<std::mutex> lk (lock_);
  return state_;
}

std::string
Stream::last_error () const
{
  std::lock_guard<std::mutex> lk (lock_);
  return last_error_;
}

unsigned
Stream::restarts () const
{
  std::lock_guard<std::mutex> lk (lock_);
  return restarts_;
}

double
Stream::uptime_seconds () const
{
  std::lock_guard<std::mutex> lk (lock_);
  if (state_ != StreamState::Running || running_since_us_ == 0)
    return 0;
  return (g_get_monotonic_time () - running_since_us_) / 1e6;
}

StreamHealthSummary
Stream::health () const
{
  std::lock_guard<std::mutex> lk (lock_);
  return health_;
}

void
Stream::update_health ()
{
  StreamHealthSummary summary = board_->read ();
  auto add_reason = [&](const std::string & reason) {
    summary.reasons.push_back (reason);
    if (summary.state == "healthy")
      summary.state = "degraded";
  };
  if (!fanout_->missing_tracks ().empty ())
    add_reason ("track-missing");
  const auto counters = fanout_->counters ();
  if (counters.last_repair_us
      && g_get_monotonic_time () - counters.last_repair_us < kRepairReportUs)
    add_reason ("timestamp-repaired");
  // Each output answers for itself: a packager that stopped making parts
  // freezes HLS/DASH players whatever the source does.
  const OutputTick tick = output_tick ();
  std::vector<std::string> output_reasons;
  for (const auto & output : outputs_)
    output->add_health_reasons (tick, output_reasons);
  for (const auto & reason : output_reasons)
    add_reason (reason);
  // A source being retried delivers nothing, whatever its last tracks said
  // (and a camera unreachable from the start has none): never "healthy".
  if (state () == StreamState::Retrying) {
    summary.state = "retrying";
    summary.reasons.insert (summary.reasons.begin (), "source-unavailable");
  }

  std::string text = summary.state;
  for (size_t i = 0; i < summary.reasons.size (); i++)
    text += (i ? ", " : ": ") + summary.reasons[i];
  if (text != logged_health_) {
    // Logged once per change, never per buffer.
    if (!logged_health_.empty () || summary.state != "healthy") {
      log_stream (G_LOG_LEVEL_MESSAGE, spec_.name, "health %s", text.c_str ());
      std::string reasons;
      for (const auto & reason : summary.reasons)
        reasons += (reasons.empty () ? "" : ",") + reason;
      EventBus::gateway ().publish ("stream.health", spec_.name,
          { { "health", summary.state }, { "reasons", reasons } });
    }
    logged_health_ = text;
  }
  std::lock_guard<std::mutex> lk (lock_);
  health_ = std::move (summary);
}

void
Stream::set_state (StreamState state, const std::string & error)
{
  std::lock_guard<std::mutex> lk (lock_);
  if (!error.empty ())
    last_error_ = error;
  if (state == state_)
    return;
  state_ = state;
  EventBus::Fields fields { { "state", to_string (state) } };
  if (!error.empty ())
    fields.push_back ({ "error", error });
  EventBus::gateway ().publish ("stream.state", spec_.name, fields);
  if (state == StreamState::Retrying || state == StreamState::Stalled)
    return;                        // fail() logs it with the retry delay
  log_stream (G_LOG_LEVEL_MESSAGE, spec_.name, "%s%s%s", to_string (state),
      error.empty () ? "" : ": ", error.c_str ());
}

void
Stream::start (bool standby)
{
  if (tick_source_)
    return;
  tick_source_ = g_timeout_add (kTickMs, on_tick, this);
  standby_ = standby && spec_.source.kind != SourceKind::Publish;
  if (standby_)
    set_state (StreamState::Standby);
  else
    start_source ();
}

void
Stream::start_source ()
{
  if (spec_.source.kind == SourceKind::Publish) {
    set_state (StreamState::Waiting);
    return;
  }
  if (starts_on_demand ()) {
    set_state (StreamState::Idle);
    return;
  }
  backoff_ms_ = kFirstBackoffMs;
  start_session ();
}

namespace {

// An edge's definition of `spec`: pulled from the owner's mount over one
// interleaved connection (nothing lost between nodes), only while wanted.
std::unique_ptr<StreamSpec>
edge_of (const StreamSpec & spec, const std::string & upstream)
{
  auto edge = std::make_unique<StreamSpec> (spec);
  SourceSpec & source = edge->source;
  source = SourceSpec {};
  source.kind = SourceKind::Rtsp;
  source.uri = upstream;
  source.transport = RtspTransport::Tcp;
  source.timeout_ms = spec.source.timeout_ms;
  source.on_demand = true;
  source.linger_ms = spec.source.linger_ms;
  source.events = false;
  return edge;
}

}  // namespace

void
Stream::set_standby (bool standby, const std::string & upstream)
{
  if (!tick_source_ || spec_.source.kind == SourceKind::Publish)
    return;
  std::string edge = standby ? upstream : std::string ();
  // An edge whose owner is gone keeps its viewers until there is another.
  if (standby && edge.empty () && edge_spec_)
    edge = edge_spec_->source.uri;
  if (standby == standby_ && edge == this->upstream ())
    return;
  standby_ = standby;
  edge_spec_ = edge.empty () ? nullptr : edge_of (spec_, edge);
  {
    std::lock_guard<std::mutex> lk (lock_);
    upstream_ = edge;
  }
  if (!edge.empty ())
    log_stream (G_LOG_LEVEL_MESSAGE, spec_.name, "another node owns it, "
        "pulling it from %s while readers here want it",
        redact_uri (edge).c_str ());
  // The outputs stay between owning and being an edge: they follow the
  // source's next session, and their viewers stay.
  stop_source ();
  if (!runs_here ()) {
    for (auto & output : outputs_)
      output->stop ();
    set_state (StreamState::Standby);
    return;
  }
  if (standby)                     // an edge now: the owner runs these
    for (auto & output : outputs_)
      if (output->owner_only ())
        output->stop ();
  start_source ();
}

std::string
Stream::upstream () const
{
  std::lock_guard<std::mutex> lk (lock_);
  return upstream_;
}

void
Stream::stop_source ()
{
  if (retry_source_) {
    g_source_remove (retry_source_);
    retry_source_ = 0;
  }
  end_session ();
  running_since_us_ = 0;
}

void
Stream::stop ()
{
  if (tick_source_) {
    g_source_remove (tick_source_);
    tick_source_ = 0;
  }
  for (auto & output : outputs_)
    output->stop ();
  stop_source ();
  fanout_->end_all_outputs ();
  if (state () != StreamState::Stopped)
    set_state (StreamState::Stopped);
}

void
Stream::start_session ()
{
  std::string error;
  fanout_->begin_session ();
  board_->begin_session ();
  session_ = SourceSession::create (source_spec (), fanout_, board_, error);
  if (!session_) {
    fail (error);
    return;
  }
  GstBus *bus = gst_element_get_bus (session_->pipeline ());
  bus_watch_ = gst_bus_add_watch (bus, on_bus, this);
  gst_object_unref (bus);

  session_started_us_ = g_get_monotonic_time ();
  running_since_us_ = 0;
  set_state (StreamState::Starting);
  if (gst_element_set_state (session_->pipeline (), GST_STATE_PLAYING)
      == GST_STATE_CHANGE_FAILURE)
    fail ("the source pipeline cannot start");
}

void
Stream::end_session ()
{
  if (bus_watch_) {
    g_source_remove (bus_watch_);
    bus_watch_ = 0;
  }
  session_.reset ();
  fanout_->end_session ();
  for (auto & output : outputs_)
    output->session_ended ();
}

void
Stream::fail (const std::string & error, StreamState state)
{
  end_session ();
  {
    std::lock_guard<std::mutex> lk (lock_);
    restarts_++;
  }
  set_state (state, error);
  log_stream (G_LOG_LEVEL_MESSAGE, spec_.name, "%s; retrying in %.1f s",
      error.c_str (), backoff_ms_ / 1000.0);
  if (retry_source_)
    g_source_remove (retry_source_);
  retry_source_ = g_timeout_add (backoff_ms_, on_retry, this);
  backoff_ms_ = std::min (backoff_ms_ * 2, kMaxBackoffMs);
}

gboolean
Stream::on_retry (gpointer data)
{
  auto *self = static_cast<Stream *> (data);
  self->retry_source_ = 0;
  self->start_session ();
  return G_SOURCE_REMOVE;
}

gboolean
Stream::on_bus (GstBus *, GstMessage * message, gpointer data)
{
  auto *self = static_cast<Stream *> (data);
  switch (GST_MESSAGE_TYPE (message)) {
    case GST_MESSAGE_ERROR:{
      GError *error = nullptr;
      gchar *debug = nullptr;
      gst_message_parse_error (message, &error, &debug);
      std::string text = error ? error->message : "unknown error";
      // The debug text's last line usually says why ("not-negotiated",
      // "Could not connect"); it can hold the camera URI, so redact it.
      if (debug) {
        std::string detail = redact_uri (debug);
        auto newline = detail.rfind ('\n');
        if (newline != std::string::npos)
          detail = detail.substr (newline + 1);
        g_debug ("stream %s: %s", self->spec_.name.c_str (),
            redact_uri (debug).c_str ());
        if (!detail.empty () && detail != text)
          text += " (" + detail + ")";
      }
      g_clear_error (&error);
      g_free (debug);
      if (self->session_ && !self->session_->tls_problem ().empty ())
        text = self->session_->tls_problem ();
      self->bus_watch_ = 0;
      self->fail (text);
      return G_SOURCE_REMOVE;
    }
    case GST_MESSAGE_EOS:
      self->bus_watch_ = 0;
      self->fail ("the source ended the stream");
      return G_SOURCE_REMOVE;
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

void
Stream::check_progress ()
{
  if (!runs_here ())
    return;
  update_health ();
  update_outputs ();
  if (spec_.source.kind == SourceKind::Publish) {
    // Running once the publisher's tracks are known and data flows.
    if (fanout_->session_active () && state () == StreamState::Waiting)
      set_state (StreamState::Running);
    return;
  }
  if (starts_on_demand () && !follow_demand ())
    return;
  if (!session_)
    return;
  const int64_t now = g_get_monotonic_time ();
  const auto counters = fanout_->counters ();

  if (!fanout_->session_active () && counters.last_packet_us > 0
      && counters.last_packet_us > session_started_us_
      && now - session_started_us_ > kTrackSetupGraceUs)
    fanout_->end_track_setup ();

  if (fanout_->session_active () && running_since_us_ == 0) {
    running_since_us_ = now;
    set_state (StreamState::Running);
  }

  if (running_since_us_ == 0) {
    // Connecting: give up after source.timeout without data.
    if (now - session_started_us_ > spec_.source.timeout_ms * (int64_t) 1000)
      fail ("the source delivered no data within "
          + std::to_string (spec_.source.timeout_ms) + " ms");
    return;
  }
  if (now - running_since_us_ > kHealthyAfterUs)
    backoff_ms_ = kFirstBackoffMs;

  auto missing = fanout_->missing_tracks ();
  if (!missing.empty ()) {
    fail ("the source came back without its " + missing.front () + " track");
    return;
  }
  fail_if_stalled ();
}

bool
Stream::source_wanted () const
{
  const int64_t linger_us = spec_.source.linger_ms * (int64_t) 1000;
  // A snapshot request never wakes a camera (the panel's tiles make them).
  for (ReaderKind kind : { ReaderKind::Rtsp, ReaderKind::WebRtc,
          ReaderKind::Hls })
    if (readers (kind)->wanted (linger_us))
      return true;
  for (const auto & output : outputs_) {
    const auto demand = output->demand ();
    if (demand && demand->count && demand->count->wanted (linger_us))
      return true;
  }
  return false;
}

bool
Stream::follow_demand ()
{
  const bool wanted = source_wanted ();
  const bool active = session_ || retry_source_;
  if (wanted && !active) {
    backoff_ms_ = kFirstBackoffMs;
    start_session ();
  } else if (!wanted && active) {
    stop_source ();
    for (auto & output : outputs_)
      output->source_idle ();
    log_stream (G_LOG_LEVEL_MESSAGE, spec_.name, "no reader for %u s, "
        "disconnecting the source", spec_.source.linger_ms / 1000);
    set_state (StreamState::Idle);
  }
  return session_ != nullptr;
}

gboolean
Stream::on_tick (gpointer data)
{
  static_cast<Stream *> (data)->check_progress ();
  return G_SOURCE_CONTINUE;
}

void
Stream::update_outputs ()
{
  if (!runs_here ())
    return;
  const OutputTick tick = output_tick ();
  for (auto & output : outputs_) {
    const auto demand = output->demand ();
    if (standby_ && output->owner_only ())
      continue;                    // an edge: the owner runs it
    if (!demand || (demand->count ? demand->count
            : readers (demand->readers))->wanted (demand->linger_us)) {
      output->update (tick);
    } else if (output->running ()) {
      log_stream (G_LOG_LEVEL_MESSAGE, spec_.name, "no %s reader for %lld s, "
          "%s output stopped", to_string (demand->readers),
          (long long) (demand->linger_us / G_USEC_PER_SEC),
          output->what ().c_str ());
      output->stop ();
    }
  }
}

void
Stream::publish_stopped (const std::string & why)
{
  for (auto & output : outputs_)
    output->session_ended ();
  set_state (StreamState::Waiting, why);
}

}  // namespace camgate
