// LogTail: the gateway's last log lines, kept in memory for the panel's
// System page (admins only). install() puts a log writer in front of
// GLib's default one (stderr, or the journal under systemd): every message
// still goes there, and the last kLines are kept. Any thread.
#pragma once

#include <glib.h>

#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace camgate {

class LogTail
{
public:
  static constexpr size_t kLines = 200;
  static constexpr size_t kLineBytes = 1024;     // longer lines are cut

  // The gateway's one tail, writing from now on.
  static LogTail & install ();
  std::vector<std::string> lines () const;

private:
  static GLogWriterOutput write (GLogLevelFlags level, const GLogField * fields,
      gsize n_fields, gpointer self);

  mutable std::mutex lock_;
  std::deque<std::string> lines_;
};

}  // namespace camgate
