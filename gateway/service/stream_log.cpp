#include "service/stream_log.h"

#include <cstdarg>

namespace camgate {

void
log_stream (GLogLevelFlags level, const std::string & stream,
    const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree gchar *text = g_strdup_vprintf (format, args);
  va_end (args);
  g_log_structured (G_LOG_DOMAIN, level, "CAMGATE_STREAM", stream.c_str (),
      "MESSAGE", "stream %s: %s", stream.c_str (), text);
}

}  // namespace camgate
