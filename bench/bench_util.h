// Shared pieces of the benchmarks: child processes, /proc sampling, the
// pre-encoded 1080p clip.
#pragma once

#include <gio/gio.h>
#include <gst/gst.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace camgate::bench {

// A child process whose stdout/stderr are collected line by line.
class Child
{
public:
  explicit Child (const std::vector<std::string> & args)
  {
    std::vector<const gchar *> argv;
    for (const auto & a : args)
      argv.push_back (a.c_str ());
    argv.push_back (nullptr);
    GError *error = nullptr;
    process_ = g_subprocess_newv (argv.data (), (GSubprocessFlags)
        (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE),
        &error);
    if (!process_) {
      fprintf (stderr, "cannot start %s: %s\n", args[0].c_str (),
          error->message);
      exit (1);
    }
    reader_ = std::thread ([this]() {
          GDataInputStream *in = g_data_input_stream_new (
              g_subprocess_get_stdout_pipe (process_));
          gchar *line;
          while ((line = g_data_input_stream_read_line (in, nullptr, nullptr,
                      nullptr))) {
            std::lock_guard<std::mutex> lk (lock_);
            lines_.push_back (line);
            g_free (line);
          }
          g_object_unref (in);
        });
  }
  ~Child ()
  {
    g_subprocess_send_signal (process_, SIGTERM);
    g_subprocess_wait (process_, nullptr, nullptr);
    reader_.join ();
    g_object_unref (process_);
  }
  // SIGKILL: no chance to clean up (a crash, a power cut).
  void kill_hard () { g_subprocess_force_exit (process_); }
  pid_t pid () const
  {
    return std::atoi (g_subprocess_get_identifier (process_));
  }
  int count (const std::string & text)
  {
    std::lock_guard<std::mutex> lk (lock_);
    return std::count_if (lines_.begin (), lines_.end (),
        [&](const std::string & l) { return l.find (text) != std::string::npos; });
  }
  std::string find (const std::string & text)
  {
    std::lock_guard<std::mutex> lk (lock_);
    for (const auto & l : lines_)
      if (l.find (text) != std::string::npos)
        return l;
    return {};
  }
  bool wait_count (const std::string & text, int n, std::chrono::seconds timeout)
  {
    auto deadline = std::chrono::steady_clock::now () + timeout;
    while (std::chrono::steady_clock::now () < deadline) {
      if (count (text) >= n)
        return true;
      std::this_thread::sleep_for (std::chrono::milliseconds (100));
    }
    return false;
  }

private:
  GSubprocess *process_ = nullptr;
  std::thread reader_;
  std::mutex lock_;
  std::vector<std::string> lines_;
};

struct ProcSample
{
  double cpu_seconds = 0;
  long rss_kb = 0;
  unsigned long long write_bytes = 0;  // written to storage (/proc/pid/io)
  long threads = 0;
  // Voluntary and involuntary, summed over the process's threads alive now.
  unsigned long long context_switches = 0;
};

inline ProcSample
sample (pid_t pid)
{
  ProcSample s;
  std::ifstream stat ("/proc/" + std::to_string (pid) + "/stat");
  std::string text ((std::istreambuf_iterator<char> (stat)),
      std::istreambuf_iterator<char> ());
  auto close = text.rfind (')');
  std::istringstream fields (text.substr (close + 2));
  std::string field;
  unsigned long utime = 0, stime = 0;
  for (int i = 3; fields >> field; i++) {
    if (i == 14)
      utime = std::stoul (field);
    if (i == 15) {
      stime = std::stoul (field);
      break;
    }
  }
  s.cpu_seconds = double (utime + stime) / sysconf (_SC_CLK_TCK);
  std::ifstream status ("/proc/" + std::to_string (pid) + "/status");
  std::string line;
  while (std::getline (status, line)) {
    if (line.rfind ("VmRSS:", 0) == 0)
      s.rss_kb = std::atol (line.c_str () + 6);
    if (line.rfind ("Threads:", 0) == 0)
      s.threads = std::atol (line.c_str () + 8);
  }
  const std::string tasks = "/proc/" + std::to_string (pid) + "/task";
  if (GDir *dir = g_dir_open (tasks.c_str (), 0, nullptr)) {
    while (const gchar *task = g_dir_read_name (dir)) {
      std::ifstream task_status (tasks + "/" + task + "/status");
      while (std::getline (task_status, line))
        if (line.find ("ctxt_switches:") != std::string::npos)
          s.context_switches += std::strtoull (line.c_str ()
              + line.find (':') + 1, nullptr, 10);
    }
    g_dir_close (dir);
  }
  std::ifstream io ("/proc/" + std::to_string (pid) + "/io");
  while (std::getline (io, line))
    if (line.rfind ("write_bytes:", 0) == 0)
      s.write_bytes = std::strtoull (line.c_str () + 12, nullptr, 10);
  return s;
}


// What `pids` cost together over a window of `seconds` (slept here): CPU
// milliseconds per second, and their resident memory at its end in MiB.
struct WindowCost
{
  double cpu_ms_per_s = 0;
  double rss_mb = 0;
};
WindowCost measure_window (const std::vector<pid_t> & pids, int seconds);

// Where the programs a benchmark drives live, from the benchmark's own path
// in the build folder.
struct BuildPaths
{
  std::string camgate, fakecam, clip, source_root;
};
BuildPaths build_paths ();

// Parses the command line against `entries` ("- <summary>" in --help);
// false when it does not parse.
bool parse_options (int & argc, char **& argv, const char *summary,
    GOptionEntry * entries);

// The RTSP URIs of a camgate-fakecam fleet of `n` cameras, once all are
// ready (empty when they did not start).
inline std::vector<std::string>
start_fleet (Child & fleet, int n)
{
  std::vector<std::string> cameras;
  if (!fleet.wait_count ("fakecam: all ready", 1, std::chrono::seconds (60)))
    return cameras;
  for (int i = 0; i < n; i++) {
    std::string line = fleet.find ("/cam" + std::to_string (i));
    cameras.push_back (line.substr (line.find ("rtsp://")));
  }
  return cameras;
}

// Runs bench/<script> (a playwright-core script driving Debian's
// Chromium) on `url` for `seconds`; its standard output, or a note when
// nothing came back (node or chromium missing).
inline std::string
run_browser_script (const std::string & source_root, const std::string & script,
    const std::string & url, int seconds)
{
  std::string command = "PLAYWRIGHT_CORE=" + source_root
      + "/gateway/web/node_modules/playwright-core node " + source_root
      + "/bench/" + script + " " + url + " " + std::to_string (seconds)
      + " 2>/dev/null";
  std::string output;
  FILE *pipe = popen (command.c_str (), "r");
  char buffer[1024];
  while (pipe && fgets (buffer, sizeof buffer, pipe))
    output += buffer;
  if (pipe)
    pclose (pipe);
  return output.empty () ? "not measured (node or chromium missing?)\n"
      : output;
}

// A loopback port nobody uses right now (TCP or UDP), for a server to
// start on.
inline int
free_port (GSocketType type)
{
  const bool udp = type == G_SOCKET_TYPE_DATAGRAM;
  GSocket *socket = g_socket_new (G_SOCKET_FAMILY_IPV4, type, udp
      ? G_SOCKET_PROTOCOL_UDP : G_SOCKET_PROTOCOL_TCP, nullptr);
  GInetAddress *loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  GSocketAddress *address = g_inet_socket_address_new (loopback, 0);
  g_socket_bind (socket, address, !udp, nullptr);
  GSocketAddress *bound = g_socket_get_local_address (socket, nullptr);
  const int port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS
      (bound));
  g_object_unref (bound);
  g_object_unref (address);
  g_object_unref (loopback);
  g_object_unref (socket);
  return port;
}

// "1,10,50" -> {1, 10, 50}.
inline std::vector<int>
parse_counts (const char *text)
{
  std::vector<int> counts;
  gchar **parts = g_strsplit (text, ",", -1);
  for (gchar **part = parts; *part; part++)
    counts.push_back (std::atoi (*part));
  g_strfreev (parts);
  return counts;
}

// An RTSP reader in this process (rtspsrc over TCP ! fakesink), playing;
// nullptr when it cannot be built.
inline GstElement *
start_rtsp_reader (const std::string & url)
{
  GstElement *reader = gst_parse_launch (("rtspsrc protocols=tcp latency=0 "
          "location=" + url + " ! fakesink sync=false").c_str (), nullptr);
  if (reader)
    gst_element_set_state (reader, GST_STATE_PLAYING);
  return reader;
}

// Stops and frees readers from start_rtsp_reader.
inline void
stop_rtsp_readers (std::vector<GstElement *> & readers)
{
  for (auto *reader : readers) {
    if (!reader)
      continue;
    gst_element_set_state (reader, GST_STATE_NULL);
    gst_object_unref (reader);
  }
  readers.clear ();
}

// Encodes the benchmark clip (1080p H.264, ~4 Mbit/s, GOP 2 s, 60 s) once.
void ensure_clip (const std::string & path);

}  // namespace camgate::bench
