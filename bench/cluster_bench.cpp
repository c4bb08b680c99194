// camgate-bench-cluster: what a camgate cluster does when its owner dies,
// and what edge fan-out costs.
//
// Failover: a real etcd (Debian's etcd-server, on free loopback ports), one
// fake camera replaying the 1080p clip (GOP 2 s), two camgate nodes. A
// viewer (rtspsrc over TCP) watches the stream on the node that does not
// own it; the owner is killed with SIGKILL. Measured per kill: when the
// survivor says it owns the stream, when the viewer gets packets again and
// when it gets a keyframe (a picture again). The killed node is started
// again before the next kill.
//
// Fan-out: one camera, three nodes, `--viewers` RTSP viewers on each node:
// the CPU of each node over a window, per viewer-second, beside one camgate
// alone serving all those viewers.
//
// Prints tables; it passes or fails nothing.
#include "bench_util.h"

#include <gio/gio.h>
#include <gst/gst.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using namespace std::chrono;

using namespace camgate::bench;

namespace {

struct Options : BuildPaths
{
  int kills = 20;
  int lease_s = 2;
  std::vector<int> viewers = { 1, 10 };
  int seconds = 15;
};

std::string
temp_dir ()
{
  gchar *tmp = g_dir_make_tmp ("camgate-bench-cluster-XXXXXX", nullptr);
  std::string dir = tmp;
  g_free (tmp);
  return dir;
}

// One etcd member on free loopback ports.
std::unique_ptr<Child>
start_etcd (const std::string & dir, std::string & url)
{
  const int client = free_port (G_SOCKET_TYPE_STREAM), peer = free_port (G_SOCKET_TYPE_STREAM);
  url = "http://127.0.0.1:" + std::to_string (client);
  const std::string peer_url = "http://127.0.0.1:" + std::to_string (peer);
  auto etcd = std::make_unique<Child> (std::vector<std::string> { "etcd",
        "--name", "bench", "--data-dir", dir + "/etcd", "--listen-client-urls",
        url, "--advertise-client-urls", url, "--listen-peer-urls", peer_url,
        "--initial-advertise-peer-urls", peer_url, "--initial-cluster",
        "bench=" + peer_url, "--log-level", "error" });
  // etcd says nothing at this level: give it a moment to listen.
  std::this_thread::sleep_for (seconds (2));
  return etcd;
}

// A camgate node: its config written to `dir`, its RTSP base once ready.
struct Node
{
  std::string name, config, rtsp;
  std::unique_ptr<Child> process;

  bool start (const Options & o)
  {
    process = std::make_unique<Child> (std::vector<std::string> { o.camgate,
          "--config", config });
    if (!process->wait_count ("camgate ready", 1, seconds (30)))
      return false;
    std::string ready = process->find ("camgate ready");
    rtsp = ready.substr (ready.find ("rtsp://"));
    rtsp = rtsp.substr (0, rtsp.find (' '));
    return process->wait_count ("cluster: node " + name + " registered", 1,
        seconds (15));
  }
  int owned () { return process ? process->count ("owns stream cam") : 0; }
};

Node
make_node (const std::string & dir, const std::string & name,
    const std::string & pipes, const std::string & etcd, int lease_s)
{
  Node node;
  node.name = name;
  node.config = dir + "/" + name + ".yaml";
  std::ofstream (node.config) << "pipelines: " << pipes << "\nrecordings: "
      << dir << "/rec-" << name << "\nrtsp-port: 0\nhttp-port: 0\n"
      "rtmp: { port: 0 }\nsrt: { port: 0 }\ncluster:\n  etcd: [" << etcd
      << "]\n  node: " << name << "\n  lease: " << lease_s << "s\n";
  return node;
}

// An RTSP viewer that notes when each H.264 access unit arrives and whether
// it is a keyframe.
class Watcher
{
public:
  explicit Watcher (const std::string & url)
  {
    pipeline_ = gst_parse_launch (("rtspsrc protocols=tcp latency=0 location="
            + url + " ! rtph264depay ! h264parse ! fakesink name=out "
            "sync=false").c_str (), nullptr);
    GstElement *out = gst_bin_get_by_name (GST_BIN (pipeline_), "out");
    GstPad *pad = gst_element_get_static_pad (out, "sink");
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_buffer, this,
        nullptr);
    gst_object_unref (pad);
    gst_object_unref (out);
    gst_element_set_state (pipeline_, GST_STATE_PLAYING);
  }
  ~Watcher ()
  {
    gst_element_set_state (pipeline_, GST_STATE_NULL);
    gst_object_unref (pipeline_);
  }
  bool wait_frames (int n, seconds timeout)
  {
    const auto deadline = steady_clock::now () + timeout;
    while (steady_clock::now () < deadline) {
      {
        std::lock_guard<std::mutex> lk (lock_);
        if ((int) arrivals_.size () >= n)
          return true;
      }
      std::this_thread::sleep_for (milliseconds (50));
    }
    return false;
  }
  // After `since`: the first arrival following a silence of 300 ms or more
  // (data again), and the first keyframe from then on; -1 when none.
  void resumed_after (steady_clock::time_point since, double & data_ms,
      double & picture_ms)
  {
    std::lock_guard<std::mutex> lk (lock_);
    data_ms = picture_ms = -1;
    for (size_t i = 1; i < arrivals_.size (); i++) {
      if (arrivals_[i].at <= since)
        continue;
      if (data_ms < 0 && arrivals_[i].at - arrivals_[i - 1].at
          >= milliseconds (300))
        data_ms = duration<double, std::milli> (arrivals_[i].at - since)
            .count ();
      if (data_ms >= 0 && arrivals_[i].keyframe) {
        picture_ms = duration<double, std::milli> (arrivals_[i].at - since)
            .count ();
        return;
      }
    }
  }

private:
  struct Arrival
  {
    steady_clock::time_point at;
    bool keyframe;
  };
  static GstPadProbeReturn on_buffer (GstPad *, GstPadProbeInfo * info,
      gpointer data)
  {
    auto *self = static_cast<Watcher *> (data);
    GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
    std::lock_guard<std::mutex> lk (self->lock_);
    self->arrivals_.push_back ({ steady_clock::now (),
          !GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT) });
    return GST_PAD_PROBE_OK;
  }

  GstElement *pipeline_ = nullptr;
  std::mutex lock_;
  std::vector<Arrival> arrivals_;
};

double
median (std::vector<double> values)
{
  if (values.empty ())
    return -1;
  std::sort (values.begin (), values.end ());
  return values[values.size () / 2];
}

void
failover_table (const Options & o, const std::string & camera)
{
  const std::string dir = temp_dir ();
  std::string etcd_url;
  auto etcd = start_etcd (dir, etcd_url);
  const std::string pipes = dir + "/pipes";
  fs::create_directories (pipes);
  std::ofstream (pipes + "/cam.yaml") << "source:\n  uri: " << camera << "\n";
  std::map<std::string, Node> nodes;
  nodes["a"] = make_node (dir, "a", pipes, etcd_url, o.lease_s);
  nodes["b"] = make_node (dir, "b", pipes, etcd_url, o.lease_s);
  // a first, alone: it owns the stream.
  if (!nodes["a"].start (o) || !nodes["a"].process->wait_count (
          "owns stream cam", 1, seconds (15)) || !nodes["b"].start (o)) {
    fprintf (stderr, "the cluster did not start\n");
    fs::remove_all (dir);
    return;
  }
  std::string owner = "a";
  std::vector<double> owned_ms, data_ms, picture_ms;
  printf ("\nFailover: owner killed (SIGKILL), lease %d s, camera GOP 2 s; "
      "a viewer on the other node\n\n", o.lease_s);
  printf ("| kill | survivor owns (ms) | viewer data again (ms) | viewer "
      "picture again (ms) |\n|---|---|---|---|\n");
  for (int kill = 1; kill <= o.kills; kill++) {
    const std::string survivor = owner == "a" ? "b" : "a";
    Watcher viewer (nodes[survivor].rtsp + "cam");
    if (!viewer.wait_frames (30, seconds (20))) {
      fprintf (stderr, "kill %d: the viewer got no pictures\n", kill);
      break;
    }
    const int owned_before = nodes[survivor].owned ();
    const auto killed = steady_clock::now ();
    nodes[owner].process->kill_hard ();
    double owned = -1;
    while (steady_clock::now () - killed < seconds (20)) {
      if (nodes[survivor].owned () > owned_before) {
        owned = duration<double, std::milli> (steady_clock::now () - killed)
            .count ();
        break;
      }
      std::this_thread::sleep_for (milliseconds (20));
    }
    // Time for the picture to come back (a GOP and more).
    std::this_thread::sleep_for (seconds (5));
    double data = -1, picture = -1;
    viewer.resumed_after (killed, data, picture);
    printf ("| %d | %.0f | %.0f | %.0f |\n", kill, owned, data, picture);
    fflush (stdout);
    owned_ms.push_back (owned);
    data_ms.push_back (data);
    picture_ms.push_back (picture);
    nodes[owner].process.reset ();
    if (!nodes[owner].start (o)) {
      fprintf (stderr, "node %s did not come back\n", owner.c_str ());
      break;
    }
    owner = survivor;
    std::this_thread::sleep_for (seconds (1));
  }
  auto worst = [](const std::vector<double> & v) {
    return v.empty () ? -1 : *std::max_element (v.begin (), v.end ());
  };
  printf ("\n| %zu kills | median (ms) | max (ms) |\n|---|---|---|\n"
      "| survivor owns | %.0f | %.0f |\n| viewer data again | %.0f | %.0f |\n"
      "| viewer picture again | %.0f | %.0f |\n", owned_ms.size (),
      median (owned_ms), worst (owned_ms), median (data_ms), worst (data_ms),
      median (picture_ms), worst (picture_ms));
  printf ("target: picture again within 2 x lease + GOP = %d ms\n",
      2 * o.lease_s * 1000 + 2000);
  nodes.clear ();
  etcd.reset ();
  fs::remove_all (dir);
}

void
fanout_table (const Options & o, const std::string & camera)
{
  printf ("\nEdge fan-out: one camera (1080p, 4 Mbit/s), RTSP viewers (TCP) "
      "on every node, CPU over %d s\n\n", o.seconds);
  printf ("| setup | viewers | owner CPU (ms/s) | each edge CPU (ms/s) | "
      "all nodes CPU per viewer-second (ms) |\n|---|---|---|---|---|\n");
  for (int per_node : o.viewers) {
    for (bool cluster : { false, true }) {
      const std::string dir = temp_dir ();
      const std::string pipes = dir + "/pipes";
      fs::create_directories (pipes);
      std::ofstream (pipes + "/cam.yaml") << "source:\n  uri: " << camera
          << "\n";
      std::string etcd_url;
      std::unique_ptr<Child> etcd;
      std::map<std::string, Node> nodes;
      bool ok = true;
      if (cluster) {
        etcd = start_etcd (dir, etcd_url);
        for (const char *name : { "a", "b", "c" }) {
          nodes[name] = make_node (dir, name, pipes, etcd_url, 5);
          // The first one alone owns the stream.
          ok = ok && nodes[name].start (o) && (nodes.size () > 1
              || nodes[name].process->wait_count ("owns stream cam", 1,
                  seconds (15)));
        }
      } else {
        Node alone;
        alone.name = "alone";
        alone.config = dir + "/alone.yaml";
        std::ofstream (alone.config) << "pipelines: " << pipes
            << "\nrtsp-port: 0\nhttp-port: 0\nrtmp: { port: 0 }\n"
            "srt: { port: 0 }\n";
        alone.process = std::make_unique<Child> (std::vector<std::string> {
              o.camgate, "--config", alone.config });
        ok = alone.process->wait_count ("stream cam: running", 1, seconds (30));
        std::string ready = alone.process->find ("camgate ready");
        alone.rtsp = ready.substr (ready.find ("rtsp://"));
        alone.rtsp = alone.rtsp.substr (0, alone.rtsp.find (' '));
        nodes["alone"] = std::move (alone);
      }
      if (!ok) {
        fprintf (stderr, "the nodes did not start\n");
        fs::remove_all (dir);
        continue;
      }
      const int total = per_node * 3;
      std::vector<GstElement *> readers;
      for (int i = 0; i < total; i++) {
        const Node & node = cluster ? nodes[std::string (1, "abc"[i % 3])]
            : nodes["alone"];
        readers.push_back (start_rtsp_reader (node.rtsp + "cam"));
      }
      std::this_thread::sleep_for (seconds (5));
      std::vector<pid_t> pids;
      for (auto & [name, node] : nodes)
        pids.push_back (node.process->pid ());
      std::vector<double> cpu;
      {
        // Each node's own window, side by side.
        std::vector<std::thread> threads;
        cpu.resize (pids.size ());
        for (size_t i = 0; i < pids.size (); i++)
          threads.emplace_back ([&, i] {
                cpu[i] = measure_window ({ pids[i] }, o.seconds).cpu_ms_per_s;
              });
        for (auto & t : threads)
          t.join ();
      }
      stop_rtsp_readers (readers);
      double sum = 0;
      for (double c : cpu)
        sum += c;
      if (cluster)
        printf ("| 3 nodes: owner a + edges b, c | %d (%d per node) | %.1f | "
            "%.1f, %.1f | %.2f |\n", total, per_node, cpu[0], cpu[1], cpu[2],
            sum / total);
      else
        printf ("| one camgate alone | %d | %.1f | - | %.2f |\n", total, cpu[0],
            sum / total);
      fflush (stdout);
      nodes.clear ();
      etcd.reset ();
      fs::remove_all (dir);
    }
  }
}

}  // namespace

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  Options o;
  static_cast<BuildPaths &> (o) = build_paths ();
  gchar *viewers = nullptr;
  gboolean no_failover = FALSE, no_fanout = FALSE;
  GOptionEntry entries[] = {
    { "kills", 0, 0, G_OPTION_ARG_INT, &o.kills, "owner kills (20)", "N" },
    { "lease", 0, 0, G_OPTION_ARG_INT, &o.lease_s, "lease in seconds (2)",
        "S" },
    { "viewers", 0, 0, G_OPTION_ARG_STRING, &viewers,
        "RTSP viewers per node for fan-out (1,10)", "LIST" },
    { "seconds", 0, 0, G_OPTION_ARG_INT, &o.seconds,
        "fan-out measurement window (15)", "S" },
    { "no-failover", 0, 0, G_OPTION_ARG_NONE, &no_failover,
        "skip the failover table", nullptr },
    { "no-fanout", 0, 0, G_OPTION_ARG_NONE, &no_fanout,
        "skip the fan-out table", nullptr },
    { nullptr }
  };
  if (!parse_options (argc, argv, "- a camgate cluster's failover and edge "
          "fan-out", entries))
    return 2;
  if (viewers)
    o.viewers = parse_counts (viewers);
  g_free (viewers);
  gchar *etcd = g_find_program_in_path ("etcd");
  g_free (etcd);
  if (!etcd) {
    fprintf (stderr, "etcd is not installed (apt-get install etcd-server)\n");
    return 1;
  }
  ensure_clip (o.clip);
  Child fleet ({ o.fakecam, "--count", "1", "--file", o.clip, "--no-audio" });
  auto cameras = start_fleet (fleet, 1);
  if (cameras.empty ()) {
    fprintf (stderr, "the fake camera did not start\n");
    return 1;
  }
  if (!no_failover)
    failover_table (o, cameras[0]);
  if (!no_fanout)
    fanout_table (o, cameras[0]);
  return 0;
}
