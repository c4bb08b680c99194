// MachineMonitor: the box camgate runs on, as the panel's System page shows
// it. Once a second (main context) it reads /proc: each core's busy share,
// memory, the network's bytes in and out (every interface but loopback),
// and camgate's own CPU; the recordings' filesystem is read when asked.
// Rates are over the last second.
#pragma once

#include "system/process_cpu.h"

#include <glib.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace camgate {

// The size and free space of the filesystem holding `path`; false when it
// cannot be read (a folder not made yet).
bool filesystem_space (const std::string & path, uint64_t & size,
    uint64_t & free);

class MachineMonitor
{
public:
  struct Reading
  {
    std::vector<double> cores;     // % busy, per core
    uint64_t memory_total = 0, memory_available = 0;   // bytes
    double network_in = 0, network_out = 0;   // bytes per second
    double process_cpu = 0;        // camgate, % of one core
    uint64_t process_memory = 0;   // camgate's resident bytes
    uint64_t disk_size = 0, disk_free = 0;    // the recordings' filesystem
    double uptime_s = 0;           // camgate's
  };

  explicit MachineMonitor (std::string recordings_dir);
  ~MachineMonitor ();
  MachineMonitor (const MachineMonitor &) = delete;
  MachineMonitor & operator= (const MachineMonitor &) = delete;

  Reading reading () const;

private:
  void sample ();
  static gboolean on_tick (gpointer self);

  const std::string recordings_dir_;
  const int64_t started_us_ = g_get_monotonic_time ();
  guint tick_ = 0;
  // Each core's busy and total jiffies at the last sample.
  std::vector<std::pair<uint64_t, uint64_t>> cores_;
  uint64_t net_in_ = 0, net_out_ = 0;
  ProcessCpu cpu_;
  int64_t sampled_us_ = 0;
  mutable std::mutex lock_;
  Reading reading_;
};

}  // namespace camgate
