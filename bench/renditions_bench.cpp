// camgate-bench-renditions: what a 720p + 360p ladder of RTSP cameras costs
// camgate, next to ffmpeg doing the same ladder, in the same run.
//
// For N cameras replaying the 1080p H.264 clip (~4 Mbit/s, GOP 2 s): camgate
// with `transcode:` renditions 720p/2500k and 360p/600k on every stream and
// one RTSP reader of each rendition (so both encode), against N ffmpeg
// processes reading the same cameras and encoding the same ladder (decode
// once, split, scale, libx264 veryfast zerolatency, to null). CPU
// milliseconds per stream-second and resident memory of each side. Prints a
// table; passes nothing.
#include "bench_util.h"

#include <gst/gst.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace camgate::bench;
using namespace std::chrono;

namespace {

struct Options : BuildPaths       // camgate, fakecam, clip, source_root
{
  std::vector<int> counts = { 1, 4 };
  int seconds = 20;
};

struct Rung
{
  const char *name;
  int height;
  int kbps;
};
constexpr Rung kLadder[] = { { "720p", 720, 2500 }, { "360p", 360, 600 } };

// CPU ms per stream-second of camgate transcoding `cameras`; its RSS.
double
measure_camgate (const Options & o, const std::vector<std::string> & cameras,
    double & rss_mb)
{
  gchar *tmp = g_dir_make_tmp ("camgate-bench-renditions-XXXXXX", nullptr);
  std::string dir = tmp;
  g_free (tmp);
  for (size_t i = 0; i < cameras.size (); i++) {
    std::ofstream file (dir + "/cam" + std::to_string (i) + ".yaml");
    file << "source:\n  uri: " << cameras[i] << "\n  transport: tcp\n"
        "outputs:\n  webrtc: false\ntranscode:\n  renditions:\n";
    for (const auto & r : kLadder)
      file << "    - { name: " << r.name << ", height: " << r.height
          << ", bitrate: " << r.kbps << "k }\n";
  }
  Child gateway ({ o.camgate, "--pipelines", dir, "--rtsp-port", "0",
        "--http-port", "0" });
  double result = -1;
  std::vector<GstElement *> readers;
  if (gateway.wait_count ("camgate ready", 1, seconds (30))
      && gateway.wait_count (": running", cameras.size (), seconds (60))) {
    const std::string ready = gateway.find ("camgate ready");
    const auto at = ready.find ("rtsp://");
    const std::string base = ready.substr (at, ready.find_first_of (" ,)",
            at) - at);
    for (size_t i = 0; i < cameras.size (); i++)
      for (const auto & r : kLadder)
        readers.push_back (start_rtsp_reader (base + "/cam"
                + std::to_string (i) + "/" + r.name));
    if (gateway.wait_count ("started (", cameras.size () * 2, seconds (60))) {
      std::this_thread::sleep_for (seconds (5));
      const WindowCost cost = measure_window ({ gateway.pid () }, o.seconds);
      result = cost.cpu_ms_per_s / cameras.size ();
      rss_mb = cost.rss_mb;
    }
  }
  // (Each one keeps a rendition encoding.)
  stop_rtsp_readers (readers);
  fs::remove_all (dir);
  return result;
}

// The same ladder from N ffmpeg processes: CPU ms per stream-second, RSS.
double
measure_ffmpeg (const Options & o, const std::vector<std::string> & cameras,
    double & rss_mb)
{
  std::string graph = "[0:v]split=2[a][b]";
  for (size_t i = 0; i < std::size (kLadder); i++) {
    const int width = (kLadder[i].height * 16 / 9 + 1) / 2 * 2;
    graph += ";[" + std::string (i ? "b" : "a") + "]scale="
        + std::to_string (width) + ":" + std::to_string (kLadder[i].height)
        + "[o" + std::to_string (i) + "]";
  }
  std::vector<std::unique_ptr<Child>> encoders;
  for (const auto & camera : cameras) {
    std::vector<std::string> args = { "ffmpeg", "-nostdin", "-loglevel",
      "error", "-rtsp_transport", "tcp", "-i", camera, "-filter_complex",
      graph };
    for (size_t i = 0; i < std::size (kLadder); i++)
      args.insert (args.end (), { "-map", "[o" + std::to_string (i) + "]",
            "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency",
            "-b:v", std::to_string (kLadder[i].kbps) + "k", "-f", "null",
            "-" });
    encoders.push_back (std::make_unique<Child> (args));
  }
  std::this_thread::sleep_for (seconds (8));
  std::vector<pid_t> pids;
  for (auto & e : encoders)
    pids.push_back (e->pid ());
  const WindowCost cost = measure_window (pids, o.seconds);
  rss_mb = cost.rss_mb;
  encoders.clear ();
  return cost.cpu_ms_per_s / cameras.size ();
}

}  // namespace

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  Options o;
  static_cast<BuildPaths &> (o) = build_paths ();
  gchar *counts = nullptr;
  GOptionEntry entries[] = {
    { "counts", 0, 0, G_OPTION_ARG_STRING, &counts,
        "Comma-separated stream counts (default 1,4)", "N,N" },
    { "seconds", 0, 0, G_OPTION_ARG_INT, &o.seconds,
        "Measurement window per run (default 20)", "S" },
    { nullptr }
  };
  if (!parse_options (argc, argv, "- renditions benchmark", entries))
    return 2;
  if (counts)
    o.counts = parse_counts (counts);
  ensure_clip (o.clip);

  printf ("\nRenditions 720p/2500k + 360p/600k of 1080p H.264 ~4 Mbit/s "
      "cameras (GOP 2 s), %d s windows, %u CPUs\n\n", o.seconds,
      (unsigned) std::thread::hardware_concurrency ());
  printf ("| streams | camgate ms/s | camgate RSS MiB | ffmpeg ms/s "
      "| ffmpeg RSS MiB |\n|---:|---:|---:|---:|---:|\n");
  for (int n : o.counts) {
    fprintf (stderr, "measuring %d stream(s)...\n", n);
    Child fleet ({ o.fakecam, "--count", std::to_string (n), "--file", o.clip,
          "--no-audio" });
    auto cameras = start_fleet (fleet, n);
    if (cameras.size () != (size_t) n) {
      printf ("| %d | failed: cameras did not start | | | |\n", n);
      continue;
    }
    double rss = 0, rss_ffmpeg = 0;
    const double camgate = measure_camgate (o, cameras, rss);
    const double ffmpeg = measure_ffmpeg (o, cameras, rss_ffmpeg);
    printf ("| %d | %.1f | %.1f | %.1f | %.1f |\n", n, camgate, rss, ffmpeg,
        rss_ffmpeg);
    fflush (stdout);
  }
  return 0;
}
