// camgate-bench-relay: what relaying N cameras costs camgate.
//
// Starts a fleet of N fake cameras replaying a pre-encoded 1080p H.264 clip
// (~4 Mbit/s, GOP 2 s), camgate relaying all of them, and one RTSP reader per
// stream. Over a measurement window it reads camgate's CPU time and RSS from
// /proc, and measures the latency camgate adds: a probe reads every RTP packet
// of stream 0 both straight from the camera and through camgate, matches them
// by payload, and takes the difference of their arrival times.
//
// Prints a table; it passes or fails nothing.
#include "bench_util.h"
#include "gstlatencyprobe.h"

#include <gio/gio.h>
#include <gst/gst.h>
#include <gst/rtp/gstrtpbuffer.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;
using namespace std::chrono;

using namespace camgate::bench;

namespace {

struct Options : BuildPaths       // camgate, fakecam, clip, source_root
{
  std::vector<int> counts = { 1, 10, 50 };
  int seconds = 20;
  std::string transport = "udp";
  std::vector<std::string> relays = { "camgate", "gst-relay", "ffmpeg" };
  std::vector<int> readers = { 1 };      // RTSP readers per relayed stream
  bool record = false;                   // camgate also records every stream
  bool gop_cache = true;                 // camgate keeps each stream's GOP
};

// Arrival times of RTP payloads, keyed by a hash of the payload.
class ArrivalLog
{
public:
  void direct (uint64_t key, int64_t t)
  {
    std::lock_guard<std::mutex> lk (lock_);
    direct_[key] = t;
    if (direct_.size () > 50000)
      direct_.erase (direct_.begin ());
  }
  void relayed (uint64_t key, int64_t t)
  {
    std::lock_guard<std::mutex> lk (lock_);
    if (!measuring_)
      return;
    auto it = direct_.find (key);
    if (it != direct_.end ())
      delays_us_.push_back (t - it->second);
    else
      unmatched_++;
  }
  void start ()
  {
    std::lock_guard<std::mutex> lk (lock_);
    measuring_ = true;
    delays_us_.clear ();
    unmatched_ = 0;
  }
  std::vector<int64_t> stop (size_t & unmatched)
  {
    std::lock_guard<std::mutex> lk (lock_);
    measuring_ = false;
    unmatched = unmatched_;
    return delays_us_;
  }

private:
  std::mutex lock_;
  std::map<uint64_t, int64_t> direct_;
  std::vector<int64_t> delays_us_;
  size_t unmatched_ = 0;
  bool measuring_ = false;
};

uint64_t
payload_key (GstBuffer * buffer)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (!gst_rtp_buffer_map (buffer, GST_MAP_READ, &rtp))
    return 0;
  auto *data = static_cast<const guint8 *> (gst_rtp_buffer_get_payload (&rtp));
  guint size = gst_rtp_buffer_get_payload_len (&rtp);
  uint64_t hash = 1469598103934665603ull;        // FNV-1a
  for (guint i = 0; i < size; i++)
    hash = (hash ^ data[i]) * 1099511628211ull;
  gst_rtp_buffer_unmap (&rtp);
  return hash ^ size;
}

struct ProbeTarget
{
  ArrivalLog *log;
  bool direct;
};

void
on_reader_pad (GstElement *, GstPad * pad, gpointer data)
{
  auto *target = static_cast<ProbeTarget *> (data);
  if (!target)
    return;
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER,
      [](GstPad *, GstPadProbeInfo * info, gpointer d) -> GstPadProbeReturn {
        auto *t = static_cast<ProbeTarget *> (d);
        int64_t now = g_get_monotonic_time ();
        uint64_t key = payload_key (GST_PAD_PROBE_INFO_BUFFER (info));
        if (t->direct)
          t->log->direct (key, now);
        else
          t->log->relayed (key, now);
        return GST_PAD_PROBE_OK;
      }, target, nullptr);
}

// rtspsrc ! fakesink, with an optional arrival probe on its output.
GstElement *
start_reader (const std::string & uri, const std::string & transport,
    ProbeTarget * probe)
{
  if (uri.rfind ("udp://", 0) == 0) {
    // Plain RTP (ffmpeg's output).
    GstElement *pipeline = gst_parse_launch (("udpsrc name=src port="
            + uri.substr (6) + " buffer-size=4194304 caps=\"application/x-rtp,"
            "media=video,clock-rate=90000,encoding-name=H264\" ! fakesink "
            "sync=false async=false").c_str (), nullptr);
    GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
    GstPad *pad = gst_element_get_static_pad (src, "src");
    on_reader_pad (src, pad, probe);
    gst_object_unref (pad);
    gst_object_unref (src);
    gst_element_set_state (pipeline, GST_STATE_PLAYING);
    return pipeline;
  }
  GstElement *pipeline = gst_pipeline_new (nullptr);
  GstElement *src = gst_element_factory_make ("rtspsrc", nullptr);
  g_object_set (src, "location", uri.c_str (), "latency", 0,
      "protocols", transport == "tcp" ? 4 : 1, nullptr);
  gst_bin_add (GST_BIN (pipeline), src);
  g_signal_connect (src, "pad-added", G_CALLBACK (on_reader_pad), probe);
  g_signal_connect (src, "pad-added", G_CALLBACK (+[](GstElement * s,
              GstPad * pad, gpointer) {
            GstElement *sink = gst_element_factory_make ("fakesink", nullptr);
            g_object_set (sink, "sync", FALSE, "async", FALSE, nullptr);
            GstElement *bin = GST_ELEMENT (gst_element_get_parent (s));
            gst_bin_add (GST_BIN (bin), sink);
            GstPad *sinkpad = gst_element_get_static_pad (sink, "sink");
            gst_pad_link (pad, sinkpad);
            gst_object_unref (sinkpad);
            gst_element_sync_state_with_parent (sink);
            gst_object_unref (bin);
          }), nullptr);
  GstBus *bus = gst_element_get_bus (pipeline);
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  return pipeline;
}

struct Row
{
  std::string relay;
  int streams;
  int readers;
  double cpu_ms_per_reader_s;
  double write_kb_per_stream_s;
  double cpu_ms_per_stream_s;
  double rss_mb;
  double rss_per_stream_mb;
  double median_ms, p95_ms;
  size_t samples;
  double threads_per_stream;
  // Of the relay process, per packet of one stream (stream 0's rate: every
  // camera replays the same clip).
  double switches_per_packet;
  bool ok;
};

double
percentile (std::vector<int64_t> v, double p)
{
  if (v.empty ())
    return 0;
  std::sort (v.begin (), v.end ());
  return v[std::min (v.size () - 1, size_t (p * (v.size () - 1)))] / 1000.0;
}

Row
run (const Options & o, const std::string & relay_kind, int n, int per_stream)
{
  Row row {};
  row.streams = n;
  row.readers = per_stream;
  row.relay = relay_kind;
  Child fleet ({ o.fakecam, "--count", std::to_string (n), "--file", o.clip,
        "--no-audio" });
  if (!fleet.wait_count ("fakecam: all ready", 1, seconds (60))) {
    fprintf (stderr, "fake cameras did not start\n");
    return row;
  }
  std::vector<std::string> cameras;
  for (int i = 0; i < n; i++) {
    std::string line = fleet.find ("/cam" + std::to_string (i));
    cameras.push_back (line.substr (line.find ("rtsp://")));
  }

  gchar *tmp = g_dir_make_tmp ("camgate-bench-XXXXXX", nullptr);
  std::string dir = tmp;
  g_free (tmp);
  for (int i = 0; i < n; i++) {
    std::ofstream file (dir + "/cam" + std::to_string (i) + ".yaml");
    file << "source:\n  uri: " << cameras[i] << "\n  transport: "
        << o.transport << "\n";
    if (o.record)
      file << "record: { segment: 60s, path: '%H-%M-%S.mp4' }\n";
    if (!o.gop_cache)
      file << "outputs:\n  rtsp: { gop-cache: false }\n";
  }

  std::unique_ptr<Child> relay;
  std::vector<std::unique_ptr<Child>> copies;   // ffmpeg: one per camera
  std::vector<int> rtp_ports;
  std::string base;
  if (relay_kind == "ffmpeg") {
    // ffmpeg serves no RTSP readers by itself: each camera is copied (no
    // re-encoding) to RTP on a UDP port, as ffmpeg relays are run in front
    // of a player or a server. One destination each, so no fan-out.
    if (per_stream != 1) {
      fs::remove_all (dir);
      return row;
    }
    for (int i = 0; i < n; i++) {
      rtp_ports.push_back (free_port (G_SOCKET_TYPE_DATAGRAM));
      copies.push_back (std::make_unique<Child> (std::vector<std::string> {
            "ffmpeg", "-nostdin", "-loglevel", "error", "-rtsp_transport",
            o.transport, "-i", cameras[i], "-an", "-c", "copy", "-f", "rtp",
            "rtp://127.0.0.1:" + std::to_string (rtp_ports.back ()) }));
    }
  } else if (relay_kind == "camgate") {
    relay = std::make_unique<Child> (std::vector<std::string> { o.camgate,
          "--pipelines", dir, "--recordings", dir + "/rec", "--rtsp-port", "0",
          "--http-port", "0" });
    if (!relay->wait_count ("camgate ready", 1, seconds (30))
        || !relay->wait_count (": running", n, seconds (60))) {
      fprintf (stderr, "camgate did not start all streams\n");
      fs::remove_all (dir);
      return row;
    }
    std::string ready = relay->find ("camgate ready");
    base = ready.substr (ready.find ("rtsp://"));
    base = base.substr (0, base.find (' '));
  } else {
    // The plain GStreamer relay: one gst-rtsp-server media per camera.
    std::string uris;
    for (const auto & camera : cameras)
      uris += (uris.empty () ? "" : ",") + camera;
    relay = std::make_unique<Child> (std::vector<std::string> { o.fakecam,
          "--relay-from", uris, "--no-audio" });
    if (!relay->wait_count ("fakecam: all ready", 1, seconds (30))) {
      fprintf (stderr, "the reference relay did not start\n");
      fs::remove_all (dir);
      return row;
    }
    // Its cameras listen on one port each; readers take them from the lines.
    base.clear ();
  }
  auto relayed_uri = [&](int i) -> std::string {
    if (!rtp_ports.empty ())
      return "udp://" + std::to_string (rtp_ports[i]);
    if (!base.empty ())
      return base + "cam" + std::to_string (i);
    std::string line = relay->find ("/cam" + std::to_string (i) + " ");
    if (line.empty ())
      line = relay->find ("/cam" + std::to_string (i));
    return line.substr (line.find ("rtsp://"));
  };

  ArrivalLog arrivals;
  ProbeTarget direct_probe { &arrivals, true }, relayed_probe { &arrivals, false };
  std::vector<GstElement *> readers;
  readers.push_back (start_reader (cameras[0], o.transport, &direct_probe));
  for (int i = 0; i < n; i++)
    for (int k = 0; k < per_stream; k++)
      readers.push_back (start_reader (relayed_uri (i), o.transport,
              i == 0 && k == 0 ? &relayed_probe : nullptr));

  std::this_thread::sleep_for (seconds (5));        // warm-up
  std::vector<pid_t> pids;
  if (relay)
    pids.push_back (relay->pid ());
  for (auto & c : copies)
    pids.push_back (c->pid ());
  auto sample_all = [&]() {
    ProcSample total;
    for (pid_t p : pids) {
      ProcSample one = sample (p);
      total.cpu_seconds += one.cpu_seconds;
      total.rss_kb += one.rss_kb;
      total.write_bytes += one.write_bytes;
      total.threads += one.threads;
      total.context_switches += one.context_switches;
    }
    return total;
  };
  ProcSample before = sample_all ();
  arrivals.start ();
  auto t0 = steady_clock::now ();
  std::this_thread::sleep_for (seconds (o.seconds));
  double elapsed = duration<double> (steady_clock::now () - t0).count ();
  ProcSample after = sample_all ();
  size_t unmatched = 0;
  auto delays = arrivals.stop (unmatched);

  row.cpu_ms_per_stream_s = (after.cpu_seconds - before.cpu_seconds) * 1000.0
      / (n * elapsed);
  row.cpu_ms_per_reader_s = row.cpu_ms_per_stream_s / per_stream;
  row.write_kb_per_stream_s = (after.write_bytes - before.write_bytes)
      / 1024.0 / (n * elapsed);
  row.rss_mb = after.rss_kb / 1024.0;
  row.rss_per_stream_mb = row.rss_mb / n;
  row.median_ms = percentile (delays, 0.5);
  row.p95_ms = percentile (delays, 0.95);
  row.samples = delays.size ();
  row.threads_per_stream = double (after.threads) / n;
  const double packets_per_stream_s = (delays.size () + unmatched) / elapsed;
  row.switches_per_packet = packets_per_stream_s > 0
      ? (after.context_switches - before.context_switches)
      / (n * elapsed) / packets_per_stream_s : 0;
  row.ok = !delays.empty ();
  if (unmatched > delays.size () / 10)
    fprintf (stderr, "note: %zu relayed packets had no direct twin\n",
        unmatched);

  for (auto *r : readers) {
    gst_element_set_state (r, GST_STATE_NULL);
    gst_object_unref (r);
  }
  relay.reset ();
  copies.clear ();
  fs::remove_all (dir);
  return row;
}

// Milliseconds from starting an RTSP reader (rtspsrc ! depay ! decoder) to
// its first decoded frame at or after a keyframe (what a player can show; a
// decoder fed P-frames alone outputs grey), or -1 after 20 s.
double
first_decoded_frame_ms (const std::string & uri)
{
  GstElement *pipeline = gst_parse_launch (("rtspsrc location=" + uri
          + " latency=0 protocols=tcp ! rtph264depay name=depay "
          "! video/x-h264,stream-format=byte-stream ! h264parse ! avdec_h264 "
          "! fakesink name=out signal-handoffs=true sync=false").c_str (),
      nullptr);
  struct State
  {
    std::atomic<bool> keyframe { false };
    std::atomic<int64_t> first_us { 0 };
  } state;
  GstElement *depay = gst_bin_get_by_name (GST_BIN (pipeline), "depay");
  GstPad *pad = gst_element_get_static_pad (depay, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, +[](GstPad *,
          GstPadProbeInfo * info, gpointer data) -> GstPadProbeReturn {
        auto *st = static_cast<State *> (data);
        GstMapInfo map;
        GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
        if (!st->keyframe && gst_buffer_map (buffer, &map, GST_MAP_READ)) {
          for (gsize i = 0; i + 3 < map.size; i++)
            if (map.data[i] == 0 && map.data[i + 1] == 0 && map.data[i + 2] == 1
                && (map.data[i + 3] & 0x1f) == 5)
              st->keyframe = true;
          gst_buffer_unmap (buffer, &map);
        }
        return GST_PAD_PROBE_OK;
      }, &state, nullptr);
  gst_object_unref (pad);
  gst_object_unref (depay);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "out");
  g_signal_connect (sink, "handoff", G_CALLBACK (+[](GstElement *, GstBuffer *,
              GstPad *, gpointer data) {
            auto *st = static_cast<State *> (data);
            int64_t zero = 0;
            if (st->keyframe)
              st->first_us.compare_exchange_strong (zero,
                  g_get_monotonic_time ());
          }), &state);
  gst_object_unref (sink);
  const int64_t start = g_get_monotonic_time ();
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  while (state.first_us == 0
      && g_get_monotonic_time () - start < 20 * G_USEC_PER_SEC)
    std::this_thread::sleep_for (milliseconds (5));
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  return state.first_us ? (state.first_us - start) / 1000.0 : -1;
}

// Glass to glass through a decoding RTSP reader (latency 0, frames shown the
// moment they are decoded): the camera stamps every frame (latencystamp),
// latencyprobe reads the stamp back. "" when it could not be measured.
std::string
reader_glass_to_glass (const std::string & uri, const std::string & transport,
    int seconds_to_measure)
{
  GstElement *pipeline = gst_parse_launch (("rtspsrc location=" + uri
          + " latency=0 protocols=" + (transport == "tcp" ? "tcp" : "udp")
          + " ! rtph264depay ! h264parse ! avdec_h264 ! videoconvert "
          "! latencyprobe name=probe silent=true ! fakesink sync=false")
      .c_str (), nullptr);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  std::this_thread::sleep_for (seconds (3));      // warm-up
  GstElement *probe = gst_bin_get_by_name (GST_BIN (pipeline), "probe");
  GstStructure *before = nullptr;
  g_object_get (probe, "stats", &before, nullptr);
  std::this_thread::sleep_for (seconds (seconds_to_measure));
  GstStructure *stats = nullptr;
  g_object_get (probe, "stats", &stats, nullptr);
  std::string out;
  guint64 count = 0, rejects = 0;
  gint64 median = 0, p95 = 0;
  if (stats && gst_structure_get_uint64 (stats, "count", &count) && count > 0
      && gst_structure_get_int64 (stats, "median", &median)
      && gst_structure_get_int64 (stats, "p95", &p95)) {
    gst_structure_get_uint64 (stats, "rejects", &rejects);
    char text[160];
    g_snprintf (text, sizeof text, "%" G_GINT64_FORMAT " | %" G_GINT64_FORMAT
        " | %" G_GUINT64_FORMAT " | %" G_GUINT64_FORMAT, median, p95, count,
        rejects);
    out = text;
  }
  if (before)
    gst_structure_free (before);
  if (stats)
    gst_structure_free (stats);
  gst_object_unref (probe);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  return out;
}

// Glass to glass straight from the camera and through each relay.
void
glass_to_glass_table (const Options & o)
{
  Child camera ({ o.fakecam, "--stamp", "--no-audio", "--gop", "50" });
  if (!camera.wait_count ("fakecam: all ready", 1, seconds (60)))
    return;
  std::string line = camera.find ("/cam0");
  const std::string direct = line.substr (line.find ("rtsp://"));
  gchar *tmp = g_dir_make_tmp ("camgate-bench-g2g-XXXXXX", nullptr);
  std::string dir = tmp;
  g_free (tmp);
  std::ofstream (dir + "/cam0.yaml") << "source:\n  uri: " << direct
      << "\n  transport: " << o.transport << "\n";
  printf ("\nGlass to glass through a decoding RTSP reader (rtspsrc latency 0, "
      "avdec_h264, shown when decoded), live 640x360 25 fps camera with "
      "latencystamp, %s\n\n| path | median ms | p95 ms | frames | "
      "rejected |\n|---|---:|---:|---:|---:|\n", o.transport.c_str ());
  auto row = [](const char *path, const std::string & figures) {
    printf ("| %s | %s |\n", path, figures.empty () ? "failed | | |"
        : figures.c_str ());
    fflush (stdout);
  };
  row ("camera → reader", reader_glass_to_glass (direct, o.transport, 10));
  {
    Child gateway ({ o.camgate, "--pipelines", dir, "--rtsp-port", "0",
          "--http-port", "0" });
    if (gateway.wait_count ("camgate ready", 1, seconds (30))
        && gateway.wait_count (": running", 1, seconds (30))) {
      std::string ready = gateway.find ("camgate ready");
      std::string uri = ready.substr (ready.find ("rtsp://"));
      uri = uri.substr (0, uri.find (' ')) + "cam0";
      row ("camera → camgate → reader", reader_glass_to_glass (uri,
              o.transport, 10));
    }
  }
  {
    Child relay ({ o.fakecam, "--relay-from", direct, "--no-audio" });
    if (relay.wait_count ("fakecam: all ready", 1, seconds (30))) {
      std::string l = relay.find ("/cam0");
      row ("camera → gst-relay → reader", reader_glass_to_glass (
              l.substr (l.find ("rtsp://")), o.transport, 10));
    }
  }
  fs::remove_all (dir);
}

// Time to first frame through camgate's RTSP output: for a stream already
// running (with its GOP cache, and one with `gop-cache: false` from the same
// camera), and for one whose gateway (and camera connection) just started.
void
first_frame_table (const Options & o)
{
  Child fleet ({ o.fakecam, "--count", "1", "--file", o.clip, "--no-audio" });
  if (!fleet.wait_count ("fakecam: all ready", 1, seconds (60)))
    return;
  std::string line = fleet.find ("/cam0");
  const std::string camera = line.substr (line.find ("rtsp://"));
  gchar *tmp = g_dir_make_tmp ("camgate-bench-ttff-XXXXXX", nullptr);
  std::string dir = tmp;
  g_free (tmp);
  std::ofstream (dir + "/cam0.yaml") << "source:\n  uri: " << camera
      << "\n  transport: tcp\n";
  std::ofstream (dir + "/nocache.yaml") << "source:\n  uri: " << camera
      << "\n  transport: tcp\noutputs:\n  rtsp: { gop-cache: false }\n";
  std::vector<double> started, running, uncached;
  for (int i = 0; i < 5; i++) {
    Child gateway ({ o.camgate, "--pipelines", dir, "--rtsp-port", "0",
          "--http-port", "0" });
    if (!gateway.wait_count ("camgate ready", 1, seconds (30)))
      continue;
    std::string ready = gateway.find ("camgate ready");
    std::string uri = ready.substr (ready.find ("rtsp://"));
    uri = uri.substr (0, uri.find (' '));
    // At once: the camera connection starts with the gateway.
    started.push_back (first_decoded_frame_ms (uri + "cam0"));
    // Running: a reader joins at some point of the camera's 2 s GOP; the
    // stream without a cache is read at the same point.
    std::this_thread::sleep_for (milliseconds (3000 + 300 * i));
    auto no_cache = std::async (std::launch::async, first_decoded_frame_ms,
        uri + "nocache");
    running.push_back (first_decoded_frame_ms (uri + "cam0"));
    uncached.push_back (no_cache.get ());
  }
  fs::remove_all (dir);
  auto row = [](const char *what, std::vector<double> v) {
    std::sort (v.begin (), v.end ());
    if (v.empty ()) {
      printf ("| %s | failed | | |\n", what);
      return;
    }
    printf ("| %s | %.0f | %.0f | %zu |\n", what, v[v.size () / 2], v.back (),
        v.size ());
  };
  printf ("\nTime to first decoded frame from a keyframe over RTSP (rtspsrc "
      "TCP, latency 0, avdec_h264), camera GOP 2 s\n\n| stream | median ms "
      "| max ms "
      "| tries |\n|---|---:|---:|---:|\n");
  row ("gateway just started (camera connects on start)", started);
  row ("already running (GOP cache: the kept GOP is replayed)", running);
  row ("already running, `gop-cache: false`", uncached);
}

}  // namespace

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  GST_ELEMENT_REGISTER (latencyprobe, nullptr);
  Options o;
  static_cast<BuildPaths &> (o) = build_paths ();

  gchar *counts = nullptr, *transport = nullptr, *clip = nullptr,
      *relays = nullptr, *readers = nullptr;
  gboolean first_frame = FALSE, glass = FALSE, record = FALSE,
      no_gop_cache = FALSE;
  GOptionEntry entries[] = {
    { "counts", 0, 0, G_OPTION_ARG_STRING, &counts,
        "Comma-separated stream counts (default 1,10,50)", "N,N,..." },
    { "seconds", 0, 0, G_OPTION_ARG_INT, &o.seconds,
        "Measurement window per count (default 20)", "S" },
    { "transport", 0, 0, G_OPTION_ARG_STRING, &transport,
        "udp or tcp, for both legs (default udp)", "T" },
    { "relays", 0, 0, G_OPTION_ARG_STRING, &relays,
        "Comma-separated relays to measure: camgate, gst-relay, ffmpeg "
        "(default all three)",
        "R,R" },
    { "readers", 0, 0, G_OPTION_ARG_STRING, &readers,
        "Comma-separated RTSP readers per stream, for fan-out (default 1)",
        "N,N" },
    { "record", 0, 0, G_OPTION_ARG_NONE, &record,
        "camgate also records every stream (record: 60 s segments)", nullptr },
    { "no-gop-cache", 0, 0, G_OPTION_ARG_NONE, &no_gop_cache,
        "camgate keeps no GOP for RTSP viewers (outputs.rtsp.gop-cache: false)",
        nullptr },
    { "glass-to-glass", 0, 0, G_OPTION_ARG_NONE, &glass,
        "Also measure glass to glass through each relay", nullptr },
    { "first-frame", 0, 0, G_OPTION_ARG_NONE, &first_frame,
        "Also measure the time to the first decoded frame", nullptr },
    { "clip", 0, 0, G_OPTION_ARG_FILENAME, &clip,
        "Pre-encoded H.264 MP4 to replay (made once if missing)", "FILE" },
    { nullptr }
  };
  if (!parse_options (argc, argv, "- relay benchmark", entries))
    return 2;
  if (counts)
    o.counts = parse_counts (counts);
  o.record = record;
  o.gop_cache = !no_gop_cache;
  if (readers)
    o.readers = parse_counts (readers);
  if (transport)
    o.transport = transport;
  if (relays) {
    o.relays.clear ();
    gchar **parts = g_strsplit (relays, ",", -1);
    for (gchar **part = parts; *part; part++)
      o.relays.push_back (*part);
    g_strfreev (parts);
  }
  if (clip)
    o.clip = clip;
  ensure_clip (o.clip);

  std::vector<Row> rows;
  for (int n : o.counts) {
    for (int k : o.readers) {
      for (const auto & relay : o.relays) {
        fprintf (stderr, "measuring %s with %d stream(s), %d reader(s) each, "
            "for %d s...\n", relay.c_str (), n, k, o.seconds);
        rows.push_back (run (o, relay, n, k));
      }
    }
  }

  printf ("\nRTSP relay, 1080p H.264 ~4 Mbit/s GOP 2 s, %s both legs, "
      "%d s window, %u CPUs (readers run in this process, on the same "
      "CPUs)\n\n", o.transport.c_str (), o.seconds,
      (unsigned) std::thread::hardware_concurrency ());
  if (o.record)
    printf ("camgate records every stream (60 s segments, 1 s fragments, "
        "fdatasync each second); disk written per stream-second is in the "
        "last column\n\n");
  printf ("| relay | streams | readers per stream | CPU ms per stream-second "
      "| CPU ms per reader-second | RSS total MiB | RSS per stream MiB "
      "| added latency median ms | p95 ms | packets matched "
      "| disk KiB per stream-second | threads per stream "
      "| context switches per packet |\n");
  printf ("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const auto & r : rows) {
    if (r.relay == "ffmpeg" && r.readers != 1)
      continue;                    // no fan-out from one RTP destination
    if (!r.ok && r.cpu_ms_per_stream_s > 0) {
      // ffmpeg re-packetizes: no payload matches the camera's, no latency.
      printf ("| %s | %d | %d | %.2f | %.2f | %.1f | %.2f | n/a | n/a | 0 "
          "| %.1f | %.1f | n/a |\n", r.relay.c_str (), r.streams, r.readers,
          r.cpu_ms_per_stream_s, r.cpu_ms_per_reader_s, r.rss_mb,
          r.rss_per_stream_mb, r.write_kb_per_stream_s, r.threads_per_stream);
      continue;
    }
    if (!r.ok) {
      printf ("| %s | %d | %d | failed | | | | | | | | | |\n", r.relay.c_str (),
          r.streams, r.readers);
      continue;
    }
    printf ("| %s | %d | %d | %.2f | %.2f | %.1f | %.2f | %.3f | %.3f | %zu "
        "| %.1f | %.1f | %.2f |\n", r.relay.c_str (), r.streams, r.readers,
        r.cpu_ms_per_stream_s, r.cpu_ms_per_reader_s, r.rss_mb,
        r.rss_per_stream_mb, r.median_ms, r.p95_ms, r.samples,
        r.write_kb_per_stream_s, r.threads_per_stream,
        r.switches_per_packet);
  }
  if (first_frame)
    first_frame_table (o);
  if (glass)
    glass_to_glass_table (o);
  return 0;
}
