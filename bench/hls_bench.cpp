// camgate-bench-hls: what LL-HLS/DASH packaging costs, and how far behind live
// a browser plays.
//
// For N cameras replaying a 1080p H.264 clip (~4 Mbit/s, GOP 2 s): camgate's
// CPU with outputs.hls on and off (the difference is the packaging), next to
// N `ffmpeg -c copy -f hls -hls_segment_type fmp4` processes on the same
// cameras in the same run. Then glass-to-glass latency in headless Chromium
// + hls.js (bench/hls_latency.cjs): a live camera stamps every frame with
// latencystamp's code and the page reads it back from each presented frame.
// Prints a table; passes nothing.
#include "bench_util.h"

#include <gst/gst.h>

#include <cmath>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace camgate::bench;
using namespace std::chrono;

namespace {

struct Options : BuildPaths       // camgate, fakecam, clip, source_root
{
  std::vector<int> counts = { 1, 10 };
  int seconds = 20;
};

// camgate relaying `cameras`, with or without HLS: CPU ms per stream-second.
double
measure_camgate (const Options & o, const std::vector<std::string> & cameras,
    bool hls, double & rss_mb)
{
  gchar *tmp = g_dir_make_tmp ("camgate-bench-hls-XXXXXX", nullptr);
  std::string dir = tmp;
  g_free (tmp);
  for (size_t i = 0; i < cameras.size (); i++)
    std::ofstream (dir + "/cam" + std::to_string (i) + ".yaml")
        << "source:\n  uri: " << cameras[i] << "\n  transport: tcp\n"
        << (hls ? "outputs:\n  hls: { part: 200ms, segment: 2s }\n" : "");
  Child gateway ({ o.camgate, "--pipelines", dir, "--rtsp-port", "0",
        "--http-port", "0" });
  double result = -1;
  if (gateway.wait_count ("camgate ready", 1, seconds (30))
      && gateway.wait_count (": running", cameras.size (), seconds (60))) {
    std::this_thread::sleep_for (seconds (5));
    const WindowCost cost = measure_window ({ gateway.pid () }, o.seconds);
    result = cost.cpu_ms_per_s / cameras.size ();
    rss_mb = cost.rss_mb;
  }
  fs::remove_all (dir);
  return result;
}

// N ffmpeg HLS packagers on the same cameras: CPU ms per stream-second.
double
measure_ffmpeg (const Options & o, const std::vector<std::string> & cameras,
    double & rss_mb)
{
  gchar *tmp = g_dir_make_tmp ("camgate-bench-ffmpeg-XXXXXX", nullptr);
  std::string dir = tmp;
  g_free (tmp);
  std::vector<std::unique_ptr<Child>> packagers;
  for (size_t i = 0; i < cameras.size (); i++) {
    std::string out = dir + "/" + std::to_string (i);
    fs::create_directories (out);
    packagers.push_back (std::make_unique<Child> (std::vector<std::string> {
              "ffmpeg", "-nostdin", "-loglevel", "error", "-rtsp_transport",
              "tcp", "-i", cameras[i], "-c", "copy", "-f", "hls",
              "-hls_segment_type", "fmp4", "-hls_time", "2", "-hls_list_size",
              "6", "-hls_flags", "delete_segments", out + "/index.m3u8" }));
  }
  std::this_thread::sleep_for (seconds (5));
  std::vector<pid_t> pids;
  for (auto & p : packagers)
    pids.push_back (p->pid ());
  const WindowCost cost = measure_window (pids, o.seconds);
  rss_mb = cost.rss_mb;
  packagers.clear ();
  fs::remove_all (dir);
  return cost.cpu_ms_per_s / cameras.size ();
}

// Glass to glass: a live camera stamping every frame (latencystamp) →
// camgate → LL-HLS → Chromium + hls.js, which reads the stamp back.
std::string
measure_latency (const Options & o, int gop_frames)
{
  Child camera ({ o.fakecam, "--stamp", "--no-audio", "--gop",
        std::to_string (gop_frames) });
  auto cameras = start_fleet (camera, 1);
  if (cameras.empty ())
    return "camera did not start";
  gchar *tmp = g_dir_make_tmp ("camgate-bench-latency-XXXXXX", nullptr);
  std::string dir = tmp;
  g_free (tmp);
  std::ofstream (dir + "/cam0.yaml") << "source:\n  uri: " << cameras[0]
      << "\n  transport: tcp\noutputs:\n  hls: { part: 200ms, segment: 2s }\n";
  Child gateway ({ o.camgate, "--pipelines", dir, "--rtsp-port", "0",
        "--http-port", "0" });
  std::string output = "camgate did not start";
  if (gateway.wait_count ("camgate ready", 1, seconds (30))
      && gateway.wait_count (": running", 1, seconds (30))) {
    std::string ready = gateway.find ("camgate ready");
    std::string url = ready.substr (ready.find ("http://")) + "cam0/";
    output = run_browser_script (o.source_root, "hls_latency.cjs", url, 20);
  }
  fs::remove_all (dir);
  return output;
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
        "Comma-separated stream counts (default 1,10)", "N,N" },
    { "seconds", 0, 0, G_OPTION_ARG_INT, &o.seconds,
        "Measurement window per run (default 20)", "S" },
    { nullptr }
  };
  if (!parse_options (argc, argv, "- LL-HLS benchmark", entries))
    return 2;
  if (counts)
    o.counts = parse_counts (counts);
  ensure_clip (o.clip);

  printf ("\nLL-HLS packaging, 1080p H.264 ~4 Mbit/s GOP 2 s, parts 200 ms, "
      "segments 2 s, %d s windows, %u CPUs\n\n", o.seconds,
      (unsigned) std::thread::hardware_concurrency ());
  printf ("| streams | camgate relay only ms/s | camgate + HLS ms/s "
      "| packaging ms/s | RSS MiB (HLS) | ffmpeg -c copy -f hls ms/s "
      "| ffmpeg RSS MiB |\n|---:|---:|---:|---:|---:|---:|---:|\n");
  std::string latency;
  for (int n : o.counts) {
    fprintf (stderr, "measuring %d stream(s)...\n", n);
    Child fleet ({ o.fakecam, "--count", std::to_string (n), "--file", o.clip,
          "--no-audio" });
    auto cameras = start_fleet (fleet, n);
    if (cameras.size () != (size_t) n) {
      printf ("| %d | failed: cameras did not start | | | | | |\n", n);
      continue;
    }
    double rss_off = 0, rss_on = 0, rss_ffmpeg = 0;
    double off = measure_camgate (o, cameras, false, rss_off);
    double on = measure_camgate (o, cameras, true, rss_on);
    double ffmpeg = measure_ffmpeg (o, cameras, rss_ffmpeg);
    printf ("| %d | %.2f | %.2f | %.2f | %.1f | %.2f | %.1f |\n", n, off, on,
        on - off, rss_on, ffmpeg, rss_ffmpeg);
    fflush (stdout);
  }
  printf ("\nLL-HLS latency, one live 640x360 25 fps camera stamping every "
      "frame (parts 200 ms, segments 2 s), Chromium + hls.js: glass_to_glass "
      "= presentation time − stamp read from the frame; pdt_to_display = "
      "wall clock − PROGRAM-DATE-TIME of the frame on screen.\n");
  // The camera's GOP decides where hls.js can start: with long GOPs it
  // starts on a part it cannot decode, stalls, and raises its target.
  for (int gop : { 10, 50 }) {
    fprintf (stderr, "measuring latency in Chromium, GOP %d frames...\n", gop);
    latency = measure_latency (o, gop);
    printf ("GOP %.1f s: %s", gop / 25.0, latency.c_str ());
  }
  return 0;
}
