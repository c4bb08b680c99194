// RecordingOutput: a stream's recording. A pipeline fed by the RtpFanout
// (like the HLS packager: depayload, parse, G.711 to AAC) into cmafchunkmux
// (1 s fragments: at most that much is lost in a crash) and recordsink
// (a new file at the first keyframe after record.segment). It is stopped
// when the camera drops, so each camera session starts a new file and gaps
// show in the listing. Retention (record.keep, record.max-size) runs on the
// main context. With record.mode: events, files are written only around the
// camera's events: recordsink keeps record.pre of media while none is on,
// and stops record.post after the last one ended (overlapping events make
// one file).
#pragma once

#include "config/stream_spec.h"
#include "media/fanout_output.h"
#include "recording/event_journal.h"

#include <mutex>
#include <set>
#include <string>

namespace camgate {

class RecordingOutput : public FanoutOutput
{
public:
  RecordingOutput (std::string stream, RecordSpec spec,
      std::shared_ptr<RtpFanout> fanout);
  ~RecordingOutput () override;

  // The stream's own folder: every file it writes, lists and deletes.
  const std::string & root () const { return root_; }
  // "recording", "paused: <reason>" (e.g. a full disk), "waiting", or with
  // mode: events "waiting for an event".
  std::string status () const;
  std::string current_file () const;
  // The camera's events (ended ones from the journal, then those going on),
  // for the recordings API. Main context.
  std::vector<EventSpan> event_spans () const { return journal_.spans (); }
  // Deletes what record.keep / record.max-size say should go; never the
  // file being written. Returns how many files were deleted.
  unsigned apply_retention ();

  // Follows the source, and applies retention at start and then once a
  // segment (at most every minute).
  void update (const OutputTick & tick) override;
  bool owner_only () const override { return true; }
  // The current file ends with the camera session: the next one starts a
  // new file, and the gap shows in the listing.
  void session_ended () override { stop (); }
  // "recording-paused" while a write error (a full disk) pauses it.
  void add_health_reasons (const OutputTick & tick,
      std::vector<std::string> & reasons) const override;

protected:
  bool describe (const RtpFanout::Layout & layout, std::string & description,
      std::string & error) override;
  void started (GstElement * pipeline) override;
  void stopped () override;
  void element_message (const GstStructure * message) override;

private:
  // Whether root_ resolves (links followed) to a folder inside spec_.root.
  bool inside_recordings (std::string & error) const;
  // A camera event of this stream started or stopped.
  void on_camera_event (const std::string & type, const std::string & state,
      const std::string & source);
  // Tells recordsink whether to write (an event is on, or its post-roll).
  void apply_gate ();
  static gboolean on_post_roll_over (gpointer self);

  const RecordSpec spec_;
  const std::string root_;         // <recordings>/<stream>: all its files
  const std::string path_;         // root_ + the template, <stream> filled in
  mutable std::mutex lock_;
  GstElement *sink_ = nullptr;     // recordsink, while the pipeline runs
  int64_t last_retention_us_ = 0;
  // Main context only.
  uint64_t listener_ = 0;          // camera events
  EventJournal journal_;
  std::set<std::string> events_on_;   // "<type> <source>"
  guint post_roll_ = 0;            // until the post-roll is over
};

}  // namespace camgate
