// Log lines about one stream. They read "stream NAME: ..." as every line
// about a stream does, and carry NAME as the journal field CAMGATE_STREAM:
// under systemd, `journalctl -u camgate CAMGATE_STREAM=front-door` is one
// camera's story. (GLib's default writer sends the fields to the journal
// when stderr is the journal, as it is for a service; elsewhere it prints
// the line.)
#pragma once

#include <glib.h>

#include <string>

namespace camgate {

void log_stream (GLogLevelFlags level, const std::string & stream,
    const char *format, ...) G_GNUC_PRINTF (3, 4);

}  // namespace camgate
