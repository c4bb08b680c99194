#include "system/log_tail.h"

#include <cstring>

namespace camgate {

LogTail &
LogTail::install ()
{
  static LogTail *tail = [] {
    auto *t = new LogTail ();
    g_log_set_writer_func (write, t, nullptr);
    return t;
  } ();
  return *tail;
}

std::vector<std::string>
LogTail::lines () const
{
  std::lock_guard<std::mutex> lk (lock_);
  return { lines_.begin (), lines_.end () };
}

GLogWriterOutput
LogTail::write (GLogLevelFlags level, const GLogField * fields, gsize n_fields,
    gpointer self)
{
  // Debug messages are only shown when G_MESSAGES_DEBUG asks: not kept.
  if (!(level & G_LOG_LEVEL_DEBUG)) {
    const char *message = "";
    for (gsize i = 0; i < n_fields; i++)
      if (std::strcmp (fields[i].key, "MESSAGE") == 0 && fields[i].length < 0)
        message = static_cast<const char *> (fields[i].value);
    const char *what = level & G_LOG_LEVEL_ERROR ? "error"
        : level & G_LOG_LEVEL_CRITICAL ? "critical"
        : level & G_LOG_LEVEL_WARNING ? "warning" : "message";
    g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
    g_autofree gchar *stamp = g_date_time_format_iso8601 (now);
    std::string line = std::string (stamp) + " " + what + ": " + message;
    if (line.size () > kLineBytes)
      line.resize (kLineBytes);
    auto *tail = static_cast<LogTail *> (self);
    std::lock_guard<std::mutex> lk (tail->lock_);
    tail->lines_.push_back (std::move (line));
    if (tail->lines_.size () > kLines)
      tail->lines_.pop_front ();
  }
  return g_log_writer_default (level, fields, n_fields, nullptr);
}

}  // namespace camgate
