// bench/ladder: what camgate's transcode choice picks on this machine, and
// what a 1080p -> 720p + 360p ladder costs with it. It needs only
// GStreamer (no gateway, no camera), so it also runs on a bare GPU machine
// with the libraries carried along.
//
//   camgate-bench-ladder [--frames 600] [--renditions 720:2500,360:600]
//                        [--software-decoder avdec_h264]
// (openh264dec decodes only constrained-baseline: the clip is made so)
//
// Prints the encoder each `transcode.encoder` setting picks and why, the
// decoder for H.264, then encodes a 1080p30 4 Mbit/s clip once and times
// decoding it and encoding every rendition (as fast as it goes), once with
// the software decoder and once with the chosen one: frames per second
// and CPU milliseconds per source frame (this process, all threads).
#include "transcode/encoder_choice.h"

#include <glib/gstdio.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

using namespace camgate::transcode;

namespace {

double
cpu_seconds (int who = RUSAGE_SELF)
{
  rusage usage {};
  getrusage (who, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec
      + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// Runs `launch` to EOS; false (and why on stderr) on an error.
bool
run (const std::string & launch, const std::string & encoder, int bitrate)
{
  GError *error = nullptr;
  GstElement *pipeline = gst_parse_launch (launch.c_str (), &error);
  if (!pipeline) {
    fprintf (stderr, "%s\n", error ? error->message : "cannot build");
    g_clear_error (&error);
    return false;
  }
  GstIterator *it = gst_bin_iterate_recurse (GST_BIN (pipeline));
  GValue item = G_VALUE_INIT;
  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    auto element = GST_ELEMENT (g_value_get_object (&item));
    GstElementFactory *factory = gst_element_get_factory (element);
    if (factory && encoder == GST_OBJECT_NAME (factory))
      configure_encoder (element, g_str_has_prefix (GST_OBJECT_NAME (element),
              "r") ? (guint) std::atoi (GST_OBJECT_NAME (element) + 1) * 1000
          : bitrate);
    g_value_reset (&item);
  }
  g_value_unset (&item);
  gst_iterator_free (it);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *message = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
      (GstMessageType) (GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  bool ok = GST_MESSAGE_TYPE (message) == GST_MESSAGE_EOS;
  if (!ok) {
    GError *err = nullptr;
    gst_message_parse_error (message, &err, nullptr);
    fprintf (stderr, "error: %s\n", err ? err->message : "?");
    g_clear_error (&err);
  }
  gst_message_unref (message);
  gst_object_unref (bus);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  return ok;
}

struct Rung
{
  int height;
  int kbps;
};

}  // namespace

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  int frames = 600;
  std::string software_decoder = "avdec_h264";
  std::vector<Rung> rungs = { { 720, 2500 }, { 360, 600 } };
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--frames")
      frames = std::atoi (argv[i + 1]);
    else if (flag == "--software-decoder")
      software_decoder = argv[i + 1];
    else if (flag == "--renditions") {
      rungs.clear ();
      std::istringstream list (argv[i + 1]);
      std::string item;
      while (std::getline (list, item, ','))
        rungs.push_back ({ std::atoi (item.c_str ()),
              std::atoi (item.substr (item.find (':') + 1).c_str ()) });
    }
  }

  printf ("| transcode.encoder | picks | hardware | why |\n|---|---|---|---|\n");
  EncoderChoice chosen;
  for (const char *setting : { "auto", "software", "nvenc", "va", "qsv" }) {
    EncoderChoice c = choose_encoder (setting);
    printf ("| %s | %s | %s | %s |\n", setting, c.element.empty () ? "(none)"
        : c.element.c_str (), c.hardware ? "yes" : "no", c.reason.c_str ());
    if (std::string (setting) == "auto")
      chosen = c;
  }
  DecoderChoice decoder = choose_decoder ("video/x-h264", software_decoder);
  printf ("\nH.264 decoder: %s (%s)\n\n", decoder.element.c_str (),
      decoder.reason.c_str ());
  if (chosen.element.empty ())
    return 1;

  const std::string clip = g_build_filename (g_get_tmp_dir (),
      "camgate-ladder-clip.h264", nullptr);
  printf ("encoding the 1080p30 clip (%d frames) once...\n", frames);
  if (!run ("videotestsrc num-buffers=" + std::to_string (frames)
          + " pattern=ball ! video/x-raw,format=I420,width=1920,height=1080,"
          "framerate=30/1 ! x264enc name=source ! video/x-h264,stream-format="
          "byte-stream" + std::string (software_decoder == "openh264dec"
              ? ",profile=constrained-baseline" : "")
          + " ! h264parse ! filesink "
          "location=" + clip, "x264enc", 4000000))
    return 1;

  std::vector<std::string> decoders = { software_decoder };
  if (decoder.element != software_decoder)
    decoders.push_back (decoder.element);
  printf ("\n| decoder | encoder | renditions | fps | CPU ms per source frame |\n"
      "|---|---|---|---:|---:|\n");
  for (const auto & dec : decoders) {
    std::string launch = "filesrc location=" + clip
        + " ! video/x-h264,stream-format=byte-stream ! h264parse ! " + dec
        + " ! tee name=t";
    std::string names;
    for (const auto & r : rungs) {
      const int width = (r.height * 16 / 9 + 1) / 2 * 2;
      // As the gateway's branches: 4:2:0 into the encoder.
      launch += " t. ! queue ! videoscale ! videoconvert ! video/x-raw,format="
          "(string){ I420, NV12 },width=" + std::to_string (width) + ",height=" + std::to_string (r.height)
          + " ! " + chosen.element + " name=r" + std::to_string (r.kbps)
          + " ! fakesink sync=false";
      names += (names.empty () ? "" : " + ") + std::to_string (r.height) + "p";
    }
    const double cpu0 = cpu_seconds ();
    const auto t0 = std::chrono::steady_clock::now ();
    const bool ok = run (launch, chosen.element, 0);
    const double wall = std::chrono::duration<double> (
        std::chrono::steady_clock::now () - t0).count ();
    const double cpu = cpu_seconds () - cpu0;
    if (ok)
      printf ("| %s | %s | %s | %.1f | %.2f |\n", dec.c_str (),
          chosen.element.c_str (), names.c_str (), frames / wall,
          cpu * 1000 / frames);
    else
      printf ("| %s | %s | %s | failed | |\n", dec.c_str (),
          chosen.element.c_str (), names.c_str ());
  }
  // The same ladder from ffmpeg (decode once, split, scale, libx264
  // veryfast zerolatency), where it is installed.
  if (gchar *ffmpeg = g_find_program_in_path ("ffmpeg")) {
    std::string graph = "[0:v]split=" + std::to_string (rungs.size ());
    std::string maps;
    for (size_t i = 0; i < rungs.size (); i++)
      graph += "[in" + std::to_string (i) + "]";
    for (size_t i = 0; i < rungs.size (); i++) {
      const int width = (rungs[i].height * 16 / 9 + 1) / 2 * 2;
      graph += ";[in" + std::to_string (i) + "]scale=" + std::to_string (width)
          + ":" + std::to_string (rungs[i].height) + "[out" + std::to_string (i)
          + "]";
      maps += " -map [out" + std::to_string (i) + "] -c:v libx264 -preset "
          "veryfast -tune zerolatency -b:v " + std::to_string (rungs[i].kbps)
          + "k -f null -";
    }
    const std::string command = std::string (ffmpeg) + " -nostdin -v error -i "
        + clip + " -filter_complex \"" + graph + "\"" + maps;
    const double cpu0 = cpu_seconds (RUSAGE_CHILDREN);
    const auto t0 = std::chrono::steady_clock::now ();
    const int status = std::system (command.c_str ());
    const double wall = std::chrono::duration<double> (
        std::chrono::steady_clock::now () - t0).count ();
    const double cpu = cpu_seconds (RUSAGE_CHILDREN) - cpu0;
    if (status == 0)
      printf ("| ffmpeg (libavcodec h264) | libx264 veryfast | same | %.1f | %.2f |\n",
          frames / wall, cpu * 1000 / frames);
    g_free (ffmpeg);
  }
  g_unlink (clip.c_str ());
  return 0;
}
