// EventJournal: the spans of a stream's camera events (motion, tamper,
// digital input) beside its recordings, so the recordings API can mark them,
// after a restart too: <stream folder>/events.jsonl, one JSON object per
// ended event. The file is read once; the spans are kept in memory and each
// ended one appended. Bounded: past kMaxSpans the older half is dropped
// (and the file rewritten). Main context only.
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include <deque>
#include <map>
#include <string>
#include <vector>

namespace camgate {

struct EventSpan
{
  std::string type;                // "camera.motion", …
  std::string source;              // the camera's token
  gint64 start_us = 0;             // real time
  gint64 end_us = 0;               // 0: still going on
};

class EventJournal
{
public:
  static constexpr size_t kMaxSpans = 4096;
  static constexpr const char *kFileName = "events.jsonl";

  // `folder`: the stream's recordings folder.
  explicit EventJournal (std::string folder);

  void started (const std::string & type, const std::string & source,
      gint64 now_us);
  // Writes the span that `started` opened (none: nothing to write) into
  // the folder, which must exist.
  void stopped (const std::string & type, const std::string & source,
      gint64 now_us);
  // Those written (oldest first), then those going on.
  std::vector<EventSpan> spans () const;

private:
  void write_all () const;

  const std::string path_;
  std::deque<EventSpan> ended_;    // what the file holds
  std::map<std::string, EventSpan> going_on_;   // by "type source"
};

// One span as a JSON object (`end` null while it goes on), added to the
// array or member being built: the journal's lines, the API's entries.
void add_event_span (JsonBuilder * builder, const EventSpan & span);

}  // namespace camgate
