#include "recording/event_journal.h"

#include "utc_time.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

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
    auto text = [o](const char *key) -> std::string {
      JsonNode *n = json_object_get_member (o, key);
      return n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n)
          == G_TYPE_STRING ? json_node_get_string (n) : "";
    };
    span.type = text ("type");
    span.source = text ("source");
    auto start = parse_utc_time (text ("start").c_str ());
    auto end = parse_utc_time (text ("end").c_str ());
    ok = !span.type.empty () && start && end && *end >= *start;
    if (ok) {
      span.start_us = *start;
      span.end_us = *end;
    }
  }
  g_object_unref (parser);
  return ok;
}

}  // namespace

std::string
event_span_json (const EventSpan & span)
{
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, span.type.c_str ());
  json_builder_set_member_name (b, "source");
  json_builder_add_string_value (b, span.source.c_str ());
  json_builder_set_member_name (b, "start");
  json_builder_add_string_value (b, format_utc_time (span.start_us).c_str ());
  json_builder_set_member_name (b, "end");
  if (span.end_us)
    json_builder_add_string_value (b, format_utc_time (span.end_us).c_str ());
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
  JsonGenerator *generator = json_generator_new ();
  JsonNode *root = json_builder_get_root (b);
  json_generator_set_root (generator, root);
  gchar *text = json_generator_to_data (generator, nullptr);
  std::string out = text;
  g_free (text);
  json_node_unref (root);
  g_object_unref (generator);
  g_object_unref (b);
  return out;
}

EventJournal::EventJournal (std::string folder)
    : path_ (folder + "/" + kFileName)
{
  lines_ = read ().size ();
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
  if (lines_ + 1 > kMaxSpans) {
    auto kept = read ();
    kept.erase (kept.begin (), kept.begin () + std::min (kept.size (),
            kMaxSpans / 2));
    kept.push_back (span);
    write_all (kept);
    lines_ = kept.size ();
    return;
  }
  std::ofstream out (path_, std::ios::app);
  out << event_span_json (span) << "\n";
  if (out)
    lines_++;
  else
    g_warning ("cannot write %s", path_.c_str ());
}

std::vector<EventSpan>
EventJournal::read () const
{
  std::vector<EventSpan> out;
  std::ifstream in (path_);
  std::string line;
  while (std::getline (in, line) && out.size () <= kMaxSpans) {
    EventSpan span;
    if (parse_span (line, span))
      out.push_back (std::move (span));
  }
  return out;
}

void
EventJournal::write_all (const std::vector<EventSpan> & spans) const
{
  const std::string temporary = path_ + ".new";
  {
    std::ofstream out (temporary, std::ios::trunc);
    for (const auto & span : spans)
      out << event_span_json (span) << "\n";
  }
  if (g_rename (temporary.c_str (), path_.c_str ()) != 0)
    g_warning ("cannot replace %s", path_.c_str ());
}

std::vector<EventSpan>
EventJournal::spans () const
{
  auto out = read ();
  for (const auto & [key, span] : going_on_)
    out.push_back (span);
  return out;
}

}  // namespace camgate
