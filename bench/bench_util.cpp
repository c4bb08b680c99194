#include "bench_util.h"

#include <gst/gst.h>

#include <chrono>
#include <filesystem>
#include <thread>

namespace camgate::bench {

WindowCost
measure_window (const std::vector<pid_t> & pids, int seconds)
{
  std::vector<ProcSample> before;
  for (pid_t pid : pids)
    before.push_back (sample (pid));
  const auto t0 = std::chrono::steady_clock::now ();
  std::this_thread::sleep_for (std::chrono::seconds (seconds));
  const double elapsed = std::chrono::duration<double> (
      std::chrono::steady_clock::now () - t0).count ();
  WindowCost cost;
  for (size_t i = 0; i < pids.size (); i++) {
    ProcSample after = sample (pids[i]);
    cost.cpu_ms_per_s += (after.cpu_seconds - before[i].cpu_seconds) * 1000.0
        / elapsed;
    cost.rss_mb += after.rss_kb / 1024.0;
  }
  return cost;
}

BuildPaths
build_paths ()
{
  namespace fs = std::filesystem;
  std::string dir = fs::path (fs::canonical ("/proc/self/exe")).parent_path ();
  BuildPaths paths;
  paths.camgate = dir + "/../gateway/camgate";
  paths.fakecam = dir + "/../tests/camgate-fakecam";
  paths.clip = dir + "/clip-1080p-4mbit.mp4";
  paths.source_root = fs::canonical (fs::path (dir) / ".." / "..").string ();
  return paths;
}

bool
parse_options (int & argc, char **& argv, const char *summary,
    GOptionEntry * entries)
{
  GOptionContext *context = g_option_context_new (summary);
  g_option_context_add_main_entries (context, entries, nullptr);
  bool ok = g_option_context_parse (context, &argc, &argv, nullptr);
  g_option_context_free (context);
  return ok;
}

void
ensure_clip (const std::string & path)
{
  namespace fs = std::filesystem;
  if (fs::exists (path))
    return;
  fprintf (stderr, "encoding the 1080p benchmark clip once: %s\n",
      path.c_str ());
  fs::create_directories (fs::path (path).parent_path ());
  // Moving noise is what makes the encoder really spend ~4 Mbit/s (a
  // synthetic pattern compresses to a fraction of it).
  std::string launch = "videotestsrc num-buffers=1500 pattern=snow "
      "! video/x-raw,format=I420,width=1920,height=1080,framerate=25/1 "
      "! x264enc bitrate=4000 vbv-buf-capacity=1000 key-int-max=50 "
      "speed-preset=ultrafast tune=zerolatency "
      "! video/x-h264,profile=high ! h264parse ! mp4mux "
      "! filesink location=" + path + ".part";
  GError *error = nullptr;
  GstElement *pipeline = gst_parse_launch (launch.c_str (), &error);
  if (!pipeline) {
    fprintf (stderr, "cannot encode clip: %s\n", error->message);
    exit (1);
  }
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
      (GstMessageType) (GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  bool ok = GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS;
  gst_message_unref (msg);
  gst_object_unref (bus);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  if (!ok) {
    fprintf (stderr, "encoding the clip failed\n");
    exit (1);
  }
  fs::rename (path + ".part", path);
}

}  // namespace camgate::bench
