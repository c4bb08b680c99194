// GET /api/v1/system (`api`): the box camgate runs on, for the panel's
// System page: CPU per core and camgate's own, memory, network in/out, the
// recordings' disk, and per stream its received bitrate with an estimate of
// the CPU it costs (camgate's CPU shared out by bitrate). GET
// /api/v1/system/log (`admin`): the last log lines.
#pragma once

#include <libsoup/soup.h>

namespace camgate {

class MachineMonitor;
class StreamManager;

void send_system (SoupServerMessage * message, const MachineMonitor & monitor,
    const StreamManager & streams);
void send_log_tail (SoupServerMessage * message);

}  // namespace camgate
