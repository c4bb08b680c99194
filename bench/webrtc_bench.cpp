// WebRTC (WHEP) benchmark.
//
// 1. camgate's CPU per extra viewer: one 1080p camera (~4 Mbit/s, GOP 2 s,
//    the pre-encoded clip replayed by camgate-fakecam), 0/1/10/50 WHEP
//    viewers built on webrtcbin in this process (they receive and count, they
//    do not decode), camgate's CPU and RSS sampled from /proc.
// 2. Time to first frame for a webrtcbin viewer: POST → first decoded frame.
// 3. In headless Chromium with camgate's player page: time to first frame
//    and glass-to-glass latency (a live camera stamping every frame with
//    latencystamp, the page reading the stamp back; bench/webrtc_latency.cjs).
// It prints tables; it never passes or fails.
#include "bench_util.h"
#include "webrtc_client.h"

#include <gst/gst.h>

#include <algorithm>
#include <filesystem>
#include <memory>

namespace fs = std::filesystem;
using namespace camgate::bench;
using namespace std::chrono;

namespace {

struct Options : BuildPaths       // camgate, fakecam, clip, source_root
{
  std::vector<int> viewers { 1, 10, 50 };
  int seconds = 15;
};

// camgate on a fresh folder with one stream per camera; its HTTP port.
struct Gateway
{
  std::string dir;
  std::unique_ptr<Child> child;
  int http_port = 0;

  // `extra`: more of the pipeline file (a `transcode:` section).
  Gateway (const Options & o, const std::string & camera, bool warm = true,
      const std::string & extra = {})
  {
    gchar *tmp = g_dir_make_tmp ("camgate-bench-webrtc-XXXXXX", nullptr);
    dir = tmp;
    g_free (tmp);
    std::ofstream (dir + "/cam0.yaml") << "source:\n  uri: " << camera
        << "\n  transport: tcp\noutputs:\n  webrtc: { max-viewers: 1000, "
        "warm: " << (warm ? "true" : "false") << " }\n" << extra;
    child = std::make_unique<Child> (std::vector<std::string> { o.camgate,
          "--pipelines", dir, "--rtsp-port", "0", "--http-port", "0" });
    if (!child->wait_count ("camgate ready", 1, seconds (30))
        || (warm && !child->wait_count ("WebRTC output started", 1,
                seconds (30)))
        || (!warm && !child->wait_count (": running", 1, seconds (30))))
      return;
    std::string ready = child->find ("camgate ready");
    auto colon = ready.rfind (':');
    http_port = std::atoi (ready.c_str () + colon + 1);
  }
  ~Gateway ()
  {
    child.reset ();
    fs::remove_all (dir);
  }
};

void
viewer_cost (const Options & o, const std::string & camera)
{
  Gateway gateway (o, camera);
  if (!gateway.http_port) {
    printf ("camgate did not start\n");
    return;
  }
  std::this_thread::sleep_for (seconds (2));
  auto [idle_cpu, idle_rss] = measure_window ({ gateway.child->pid () },
      o.seconds);
  printf ("| viewers | camgate CPU ms/s | per extra viewer ms/s | RSS MiB "
      "| RSS per viewer MiB | viewers receiving |\n"
      "|---:|---:|---:|---:|---:|---:|\n");
  printf ("| 0 | %.1f | | %.1f | | |\n", idle_cpu, idle_rss);
  fflush (stdout);
  for (int n : o.viewers) {
    fprintf (stderr, "connecting %d WHEP viewer(s)...\n", n);
    std::vector<std::unique_ptr<camgate::testing::WebRtcTestPeer>> peers;
    int accepted = 0;
    for (int i = 0; i < n; i++) {
      peers.push_back (std::make_unique<camgate::testing::WebRtcTestPeer> (
              camgate::testing::WebRtcTestPeer::Options { .audio = false,
                .decode = false }));
      accepted += peers.back ()->connect (gateway.http_port, "cam0").status
          == 201;
    }
    std::this_thread::sleep_for (seconds (3));
    auto [cpu, rss] = measure_window ({ gateway.child->pid () }, o.seconds);
    int receiving = std::count_if (peers.begin (), peers.end (),
        [](const auto & p) { return p->video_frames () > 0; });
    printf ("| %d | %.1f | %.2f | %.1f | %.2f | %d/%d (%d accepted) |\n", n,
        cpu, (cpu - idle_cpu) / n, rss, (rss - idle_rss) / n, receiving, n,
        accepted);
    fflush (stdout);
    for (auto & p : peers)
      p->disconnect ();
  }
}

// Offer → first decoded frame for five webrtcbin viewers, started at
// different points of the camera's 2 s GOP.
void
first_frame (const Options & o, const std::string & camera, bool warm)
{
  std::vector<double> ms;
  std::unique_ptr<Gateway> gateway;
  for (int i = 0; i < 5; i++) {
    // On demand: a fresh gateway each time, so every try is a first viewer.
    if (!warm || !gateway) {
      gateway.reset ();
      gateway = std::make_unique<Gateway> (o, camera, warm);
      std::this_thread::sleep_for (seconds (2));
    }
    if (!gateway->http_port)
      continue;
    std::this_thread::sleep_for (milliseconds (700 + 300 * i));
    auto t0 = steady_clock::now ();
    camgate::testing::WebRtcTestPeer peer ({ .audio = false });
    if (peer.connect (gateway->http_port, "cam0").status != 201)
      continue;
    if (peer.wait_video_frames (1, seconds (10)))
      ms.push_back (duration<double, std::milli> (steady_clock::now ()
              - t0).count ());
    peer.disconnect ();
  }
  std::sort (ms.begin (), ms.end ());
  printf ("\nTime to first decoded frame, webrtcbin viewer (offer → frame), "
      "camera GOP 2 s, %s, %zu tries: median %.0f ms, max %.0f ms\n",
      warm ? "warm feed (outputs.webrtc.warm)" : "on-demand feed, first viewer",
      ms.size (), ms.empty () ? 0.0 : ms[ms.size () / 2],
      ms.empty () ? 0.0 : ms.back ());
}

// `rendition`: watch a rendition of the camera's size (re-encoded at 1
// Mbit/s) instead of the camera's own stream.
std::string
browser_latency (const Options & o, bool rendition)
{
  Child camera ({ o.fakecam, "--stamp", "--no-audio", "--gop", "50" });
  auto cameras = start_fleet (camera, 1);
  if (cameras.empty ())
    return "camera did not start";
  Gateway gateway (o, cameras[0], true, rendition ? "transcode:\n"
      "  renditions:\n    - { name: same, height: 360, bitrate: 1M }\n" : "");
  if (!gateway.http_port)
    return "camgate did not start";
  std::string url = "http://127.0.0.1:" + std::to_string (gateway.http_port)
      + "/cam0/webrtc" + (rendition ? "?rendition=same" : "");
  return run_browser_script (o.source_root, "webrtc_latency.cjs", url, 20);
}

}  // namespace

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  Options o;
  static_cast<BuildPaths &> (o) = build_paths ();
  gchar *viewers = nullptr;
  GOptionEntry entries[] = {
    { "viewers", 0, 0, G_OPTION_ARG_STRING, &viewers,
        "Comma-separated viewer counts (default 1,10,50)", "N,N" },
    { "seconds", 0, 0, G_OPTION_ARG_INT, &o.seconds,
        "Measurement window per run (default 15)", "S" },
    { nullptr }
  };
  if (!parse_options (argc, argv, "- WebRTC benchmark", entries))
    return 2;
  if (viewers)
    o.viewers = parse_counts (viewers);
  ensure_clip (o.clip);

  printf ("\nWebRTC (WHEP) viewers of one 1080p H.264 ~4 Mbit/s GOP 2 s "
      "stream, %d s windows, %u CPUs\n\n", o.seconds,
      (unsigned) std::thread::hardware_concurrency ());
  {
    Child fleet ({ o.fakecam, "--count", "1", "--file", o.clip, "--no-audio" });
    auto cameras = start_fleet (fleet, 1);
    if (cameras.empty ()) {
      printf ("the camera did not start\n");
      return 1;
    }
    viewer_cost (o, cameras[0]);
    first_frame (o, cameras[0], true);
    first_frame (o, cameras[0], false);
  }
  printf ("\nChromium, camgate's WHEP page, live 640x360 25 fps camera with "
      "latencystamp (GOP 2 s): first_frame_ms = page opened → first frame "
      "presented; glass_to_glass = presentation time − stamp\n"
      "camera's stream:     %s"
      "rendition, 640x360 re-encoded (x264, 1 Mbit/s): %s",
      browser_latency (o, false).c_str (),
      browser_latency (o, true).c_str ());
  return 0;
}
