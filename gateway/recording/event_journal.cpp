#include "recording/event_journal.h"

#include "http/json_text.h"
#include "utc_time.h"

#include <glib/gstdio.h>

#include <algorithm>
#include <fstream>

namespace camgate {

namespace {

// A malformed or foreign line is skipped.
bool
parse_span (const std::string & line, EventSpan & span)
{
  JsonParser *parser = json_parser_new ();
  bool ok = json_parser_load_from_data (parser, line.c_str (), line.size (),
      nullptr) && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser));
  if (ok) {
    JsonObject *o = json_node_get_object (json_parser_get_root (parser));
    span.type = json_string_member (o, "type");
    span.source = json_string_member (o, "source");
    auto start = parse_utc_time (json_string_member (o, "start").c_str ());
    auto end = parse_utc_time (json_string_member (o, "end").c_str ());
    ok = !span.type.empty () && start && end && *end >= *start;
    if (ok) {
      span.start_us = *start;
      span.end_us = *end;
    }
  }
  g_object_unref (parser);
  return ok;
}

std::string
line_of (const EventSpan & span)
{
  JsonBuilder *b = json_builder_new ();
  add_event_span (b, span);
  return finish_json (b, false);
}

}  // namespace

void
add_event_span (JsonBuilder * b, const EventSpan & span)
{
  json_builder_begin_object (b);
  json_member (b, "type", span.type);
  json_member (b, "source", span.source);
  json_member (b, "start", format_utc_time (span.start_us));
  json_builder_set_member_name (b, "end");
  if (span.end_us)
    json_builder_add_string_value (b, format_utc_time (span.end_us).c_str ());
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
}

EventJournal::EventJournal (std::string folder)
    : path_ (folder + "/" + kFileName)
{
  std::ifstream in (path_);
  std::string line;
  while (std::getline (in, line)) {
    EventSpan span;
    if (parse_span (line, span))
      ended_.push_back (std::move (span));
    if (ended_.size () > kMaxSpans)
      ended_.pop_front ();
  }
}

void
EventJournal::started (const std::string & type, const std::string & source,
    gint64 now_us)
{
  going_on_.emplace (type + " " + source, EventSpan { type, source, now_us });
}

void
EventJournal::stopped (const std::string & type, const std::string & source,
    gint64 now_us)
{
  auto it = going_on_.find (type + " " + source);
  if (it == going_on_.end ())
    return;
  EventSpan span = it->second;
  going_on_.erase (it);
  span.end_us = std::max (now_us, span.start_us);
  ended_.push_back (span);
  if (ended_.size () > kMaxSpans) {
    ended_.erase (ended_.begin (), ended_.begin () + kMaxSpans / 2);
    write_all ();
    return;
  }
  std::ofstream out (path_, std::ios::app);
  out << line_of (span) << "\n";
  if (!out)
    g_warning ("cannot write %s", path_.c_str ());
}

void
EventJournal::write_all () const
{
  const std::string temporary = path_ + ".new";
  {
    std::ofstream out (temporary, std::ios::trunc);
    for (const auto & span : ended_)
      out << line_of (span) << "\n";
  }
  if (g_rename (temporary.c_str (), path_.c_str ()) != 0)
    g_warning ("cannot replace %s", path_.c_str ());
}

std::vector<EventSpan>
EventJournal::spans () const
{
  std::vector<EventSpan> out (ended_.begin (), ended_.end ());
  for (const auto & [key, span] : going_on_)
    out.push_back (span);
  return out;
}

}  // namespace camgate
