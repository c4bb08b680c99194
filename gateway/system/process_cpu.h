// ProcessCpu: camgate's own CPU use, as a share of one core, between two
// calls of percent() (0 on the first). What the cluster's node record and
// the System page report. One caller per instance.
#pragma once

#include <glib.h>

#include <cstdint>
#include <ctime>

namespace camgate {

class ProcessCpu
{
public:
  double percent ()
  {
    timespec cpu {};
    clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &cpu);
    const int64_t cpu_us = cpu.tv_sec * G_USEC_PER_SEC + cpu.tv_nsec / 1000;
    const int64_t now_us = g_get_monotonic_time ();
    const double share = at_us_ && now_us > at_us_
        ? 100.0 * (cpu_us - cpu_us_) / (now_us - at_us_) : 0;
    cpu_us_ = cpu_us;
    at_us_ = now_us;
    return share;
  }

private:
  int64_t cpu_us_ = 0;             // CPU time at the last call
  int64_t at_us_ = 0;              // and when it was read
};

}  // namespace camgate
