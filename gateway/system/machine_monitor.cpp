#include "system/machine_monitor.h"

#include <gio/gio.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace camgate {

namespace {

// cpuN lines of /proc/stat: busy and total jiffies per core.
std::vector<std::pair<uint64_t, uint64_t>>
read_cores ()
{
  std::vector<std::pair<uint64_t, uint64_t>> cores;
  std::ifstream stat ("/proc/stat");
  std::string line;
  while (std::getline (stat, line)) {
    if (line.rfind ("cpu", 0) != 0 || line.size () < 4 || line[3] == ' ')
      continue;                    // the "cpu" total line, or not a cpu line
    std::istringstream fields (line);
    std::string name;
    uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0,
        softirq = 0, steal = 0;
    fields >> name >> user >> nice >> system >> idle >> iowait >> irq
        >> softirq >> steal;
    const uint64_t busy = user + nice + system + irq + softirq + steal;
    cores.push_back ({ busy, busy + idle + iowait });
  }
  return cores;
}

// Bytes received and sent by every interface but loopback.
void
read_network (uint64_t & in, uint64_t & out)
{
  in = out = 0;
  std::ifstream dev ("/proc/net/dev");
  std::string line;
  while (std::getline (dev, line)) {
    const size_t colon = line.find (':');
    if (colon == std::string::npos)
      continue;
    std::string name = line.substr (0, colon);
    name.erase (0, name.find_first_not_of (' '));
    if (name == "lo")
      continue;
    std::istringstream fields (line.substr (colon + 1));
    uint64_t value = 0;
    for (int i = 0; i < 9 && fields >> value; i++) {
      if (i == 0)
        in += value;
      if (i == 8)
        out += value;
    }
  }
}

uint64_t
meminfo (const std::string & text, const char *key)
{
  const size_t at = text.find (key);
  return at == std::string::npos ? 0
      : std::strtoull (text.c_str () + at + std::strlen (key), nullptr, 10)
      * 1024;
}

}  // namespace

bool
filesystem_space (const std::string & path, uint64_t & size, uint64_t & free)
{
  GFile *file = g_file_new_for_path (path.c_str ());
  GFileInfo *info = g_file_query_filesystem_info (file,
      G_FILE_ATTRIBUTE_FILESYSTEM_SIZE "," G_FILE_ATTRIBUTE_FILESYSTEM_FREE,
      nullptr, nullptr);
  g_object_unref (file);
  if (!info)
    return false;
  size = g_file_info_get_attribute_uint64 (info,
      G_FILE_ATTRIBUTE_FILESYSTEM_SIZE);
  free = g_file_info_get_attribute_uint64 (info,
      G_FILE_ATTRIBUTE_FILESYSTEM_FREE);
  g_object_unref (info);
  return true;
}

MachineMonitor::MachineMonitor (std::string recordings_dir)
    : recordings_dir_ (std::move (recordings_dir))
{
  sample ();
  tick_ = g_timeout_add (1000, on_tick, this);
}

MachineMonitor::~MachineMonitor ()
{
  if (tick_)
    g_source_remove (tick_);
}

gboolean
MachineMonitor::on_tick (gpointer self)
{
  static_cast<MachineMonitor *> (self)->sample ();
  return G_SOURCE_CONTINUE;
}

void
MachineMonitor::sample ()
{
  Reading now;
  const int64_t at = g_get_monotonic_time ();
  const double seconds = sampled_us_ ? (at - sampled_us_) / 1e6 : 0;

  auto cores = read_cores ();
  for (size_t i = 0; i < cores.size (); i++) {
    const auto & [busy, total] = cores[i];
    const bool known = i < cores_.size () && total > cores_[i].second;
    now.cores.push_back (known ? 100.0 * (busy - cores_[i].first)
        / (total - cores_[i].second) : 0);
  }
  cores_ = std::move (cores);

  uint64_t in = 0, out = 0;
  read_network (in, out);
  if (seconds > 0) {
    now.network_in = (in - net_in_) / seconds;
    now.network_out = (out - net_out_) / seconds;
  }
  net_in_ = in;
  net_out_ = out;

  now.process_cpu = cpu_.percent ();
  sampled_us_ = at;

  std::ifstream memory ("/proc/meminfo");
  const std::string text ((std::istreambuf_iterator<char> (memory)),
      std::istreambuf_iterator<char> ());
  now.memory_total = meminfo (text, "MemTotal:");
  now.memory_available = meminfo (text, "MemAvailable:");
  std::ifstream status ("/proc/self/status");
  const std::string own ((std::istreambuf_iterator<char> (status)),
      std::istreambuf_iterator<char> ());
  now.process_memory = meminfo (own, "VmRSS:");

  std::lock_guard<std::mutex> lk (lock_);
  reading_ = std::move (now);
}

MachineMonitor::Reading
MachineMonitor::reading () const
{
  Reading now;
  {
    std::lock_guard<std::mutex> lk (lock_);
    now = reading_;
  }
  now.uptime_s = (g_get_monotonic_time () - started_us_) / 1e6;
  filesystem_space (recordings_dir_, now.disk_size, now.disk_free);
  return now;
}

}  // namespace camgate
