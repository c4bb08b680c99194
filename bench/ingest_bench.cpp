// camgate-bench-ingest: what taking a stream in costs camgate, by protocol:
// RTSP (camgate pulls a camera), RTMP and SRT (an encoder publishes), the
// same clip in the same run.
//
// For N streams of the 1080p H.264 clip (~4 Mbit/s, GOP 2 s, no audio):
// `rtsp` has camgate-fakecam replay it and camgate pull it; `rtmp` and
// `srt` have ffmpeg send it as it is (-re -c copy, looped) to camgate's RTMP
// port (FLV) or SRT port (MPEG-TS, streamid publish:<stream>). Every stream
// has one RTSP reader, so each is relayed as well as taken in, the same for
// all three. CPU milliseconds per stream-second and resident memory of
// camgate (the senders' own cost is not counted). Prints a table; passes
// nothing.
#include "bench_util.h"

#include <gst/gst.h>

#include <filesystem>
#include <fstream>
#include <memory>

namespace fs = std::filesystem;
using namespace camgate::bench;
using namespace std::chrono;

namespace {

struct Options : BuildPaths       // camgate, fakecam, clip, source_root
{
  std::vector<int> counts = { 1, 10 };
  std::vector<std::string> protocols = { "rtsp", "rtmp", "srt" };
  int seconds = 20;
};

struct Result
{
  double cpu_ms_per_stream_s = -1;
  double rss_mb = 0;
};

// The port after `scheme` in camgate's ready line.
int
port_in (const std::string & ready, const std::string & scheme)
{
  const auto at = ready.find (scheme);
  if (at == std::string::npos)
    return 0;
  const auto slash = ready.find ('/', at + scheme.size ());
  return std::atoi (ready.c_str () + ready.rfind (':', slash) + 1);
}

// ffmpeg sending the clip as it is, in real time, looped.
std::unique_ptr<Child>
start_sender (const Options & o, const std::string & protocol, int port,
    const std::string & stream)
{
  std::vector<std::string> args = { "ffmpeg", "-nostdin", "-loglevel",
    "error", "-re", "-stream_loop", "-1", "-i", o.clip, "-c", "copy" };
  if (protocol == "rtmp")
    args.insert (args.end (), { "-f", "flv", "rtmp://127.0.0.1:"
          + std::to_string (port) + "/live/" + stream });
  else
    args.insert (args.end (), { "-f", "mpegts", "srt://127.0.0.1:"
          + std::to_string (port) + "?streamid=publish:" + stream
          + "&pkt_size=1316" });
  return std::make_unique<Child> (args);
}

Result
measure (const Options & o, const std::string & protocol, int n)
{
  Result result;
  std::unique_ptr<Child> fleet;
  std::vector<std::string> cameras;
  if (protocol == "rtsp") {
    fleet = std::make_unique<Child> (std::vector<std::string> { o.fakecam,
          "--count", std::to_string (n), "--file", o.clip, "--no-audio" });
    cameras = start_fleet (*fleet, n);
    if (cameras.size () != (size_t) n)
      return result;
  }
  gchar *tmp = g_dir_make_tmp ("camgate-bench-ingest-XXXXXX", nullptr);
  const std::string dir = tmp;
  g_free (tmp);
  for (int i = 0; i < n; i++) {
    std::ofstream file (dir + "/s" + std::to_string (i) + ".yaml");
    if (protocol == "rtsp")
      file << "source:\n  uri: " << cameras[i] << "\n  transport: tcp\n";
    else
      file << "source: " << protocol << "\n";
    file << "outputs:\n  webrtc: false\n";
  }
  Child gateway ({ o.camgate, "--pipelines", dir, "--rtsp-port", "0",
        "--http-port", "0", "--rtmp-port", "0", "--srt-port", "0" });
  std::vector<std::unique_ptr<Child>> senders;
  std::vector<GstElement *> readers;
  if (gateway.wait_count ("camgate ready", 1, seconds (30))) {
    const std::string ready = gateway.find ("camgate ready");
    const int port = port_in (ready, protocol + "://");
    for (int i = 0; protocol != "rtsp" && i < n; i++)
      senders.push_back (start_sender (o, protocol, port,
              "s" + std::to_string (i)));
    if (gateway.wait_count (": running", n, seconds (60))) {
      const std::string rtsp = "rtsp://127.0.0.1:"
          + std::to_string (port_in (ready, "rtsp://"));
      for (int i = 0; i < n; i++)
        readers.push_back (start_rtsp_reader (rtsp + "/s"
                + std::to_string (i)));
      std::this_thread::sleep_for (seconds (5));
      const WindowCost cost = measure_window ({ gateway.pid () }, o.seconds);
      result.cpu_ms_per_stream_s = cost.cpu_ms_per_s / n;
      result.rss_mb = cost.rss_mb;
    }
  }
  stop_rtsp_readers (readers);
  senders.clear ();
  fs::remove_all (dir);
  return result;
}

}  // namespace

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  Options o;
  static_cast<BuildPaths &> (o) = build_paths ();
  gchar *counts = nullptr, *protocols = nullptr;
  GOptionEntry entries[] = {
    { "counts", 0, 0, G_OPTION_ARG_STRING, &counts,
        "Comma-separated stream counts (default 1,10)", "N,N" },
    { "protocols", 0, 0, G_OPTION_ARG_STRING, &protocols,
        "Comma-separated: rtsp, rtmp, srt (default all)", "P,P" },
    { "seconds", 0, 0, G_OPTION_ARG_INT, &o.seconds,
        "Measurement window per run (default 20)", "S" },
    { nullptr }
  };
  if (!parse_options (argc, argv, "- ingest benchmark", entries))
    return 2;
  if (counts)
    o.counts = parse_counts (counts);
  if (protocols) {
    o.protocols.clear ();
    gchar **parts = g_strsplit (protocols, ",", -1);
    for (gchar **part = parts; *part; part++)
      o.protocols.push_back (*part);
    g_strfreev (parts);
  }
  ensure_clip (o.clip);

  printf ("\nIngest of 1080p H.264 ~4 Mbit/s streams (GOP 2 s, no audio), one "
      "RTSP reader each, %d s windows, %u CPUs\n\n", o.seconds,
      (unsigned) std::thread::hardware_concurrency ());
  printf ("| streams | protocol | camgate ms per stream-second "
      "| camgate RSS MiB |\n|---:|---|---:|---:|\n");
  for (int n : o.counts)
    for (const auto & protocol : o.protocols) {
      fprintf (stderr, "measuring %d %s stream(s)...\n", n, protocol.c_str ());
      const Result r = measure (o, protocol, n);
      if (r.cpu_ms_per_stream_s < 0)
        printf ("| %d | %s | failed: the streams did not run | |\n", n,
            protocol.c_str ());
      else
        printf ("| %d | %s | %.1f | %.1f |\n", n, protocol.c_str (),
            r.cpu_ms_per_stream_s, r.rss_mb);
      fflush (stdout);
    }
  return 0;
}
