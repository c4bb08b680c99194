// recordsink: cmafchunkmux output becomes time-named fragmented MP4 files,
// each with the header and its start time, cut at segment starts.
#include "commands.h"
#include "gstcmafmeta.h"
#include "gstrecordsink.h"
#include "recording/recording_clip.h"

#include <glib/gstdio.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace {

std::string
read_file (const std::string & path)
{
  std::ifstream in (path, std::ios::binary);
  return std::string ((std::istreambuf_iterator<char> (in)), {});
}


// Plays `pipeline` to its end; the files its recordsink opened, in order,
// and the duration of the last one closed.
std::vector<std::string>
run_recording (GstElement * pipeline, guint64 * closed_duration = nullptr)
{
  std::vector<std::string> opened;
  GstBus *bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  for (;;) {
    GstMessage *m = gst_bus_timed_pop_filtered (bus, 20 * GST_SECOND,
        (GstMessageType) (GST_MESSAGE_EOS | GST_MESSAGE_ERROR
            | GST_MESSAGE_ELEMENT));
    EXPECT_NE (m, nullptr);
    if (!m)
      break;
    const GstMessageType type = GST_MESSAGE_TYPE (m);
    const GstStructure *s = gst_message_get_structure (m);
    if (type == GST_MESSAGE_ELEMENT && gst_structure_has_name (s,
            "recordsink-file")) {
      const std::string event = gst_structure_get_string (s, "event");
      if (event == "opened")
        opened.push_back (gst_structure_get_string (s, "file"));
      if (event == "closed" && closed_duration)
        gst_structure_get_uint64 (s, "duration", closed_duration);
    }
    gst_message_unref (m);
    EXPECT_NE (type, GST_MESSAGE_ERROR);
    if (type == GST_MESSAGE_EOS || type == GST_MESSAGE_ERROR)
      break;
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  return opened;
}

// 4 s of 25 fps video, a keyframe every second, files of at least 1 s,
// recorded into `location`; the files opened, in order.
std::vector<std::string>
record_test_files (const std::string & location)
{
  GstElement *pipeline = gst_parse_launch (("videotestsrc num-buffers=100 "
          "! video/x-raw,width=160,height=120,framerate=25/1 "
          "! x264enc tune=zerolatency key-int-max=25 ! h264parse "
          "! cmafchunkmux chunk-duration=500000000 segment-duration=1000000000 "
          "! recordsink name=rec max-duration=1000000000 fsync-interval=0 "
          "location=" + location).c_str (), nullptr);
  EXPECT_NE (pipeline, nullptr);
  return pipeline ? run_recording (pipeline) : std::vector<std::string> {};
}

}  // namespace

TEST (RecordSink, CutsFilesAtSegmentsWithHeaderAndStartTime)
{
  gchar *dir = g_dir_make_tmp ("camgate-recordsink-XXXXXX", nullptr);
  std::vector<std::string> opened = record_test_files (std::string (dir)
      + "/day/%H%M%S.mp4");

  // Several files, named by strftime, in the created folder.
  ASSERT_GE (opened.size (), 2u);
  const std::string uuid (reinterpret_cast<const char *>
      (gst_record_sink_start_uuid), 16);
  for (const auto & file : opened) {
    EXPECT_EQ (fs::path (file).parent_path (), fs::path (dir) / "day");
    std::string bytes = read_file (file);
    ASSERT_GT (bytes.size (), 100u) << file;
    EXPECT_EQ (bytes.substr (4, 4), "ftyp");
    EXPECT_NE (bytes.find ("moov"), std::string::npos);
    auto at = bytes.find ("uuid" + uuid);
    ASSERT_NE (at, std::string::npos) << file;
    EXPECT_EQ (bytes.substr (at + 20, 6), "start=");
    EXPECT_NE (bytes.find ("moof"), std::string::npos);
    // Each file starts at time 0 and plays on its own.
    int status = -1;
    std::string out = camgate::testing::run_command ("ffprobe -v error "
        "-show_entries format=start_time -of csv=p=0 '" + file + "' 2>&1",
        &status);
    EXPECT_EQ (status, 0) << out;
    EXPECT_EQ (out.substr (0, 4), "0.00") << file;
  }
  fs::remove_all (dir);
  g_free (dir);
}

TEST (RecordSink, WhileNotRecordingKeepsThePreRollForTheNextFile)
{
  gchar *dir = g_dir_make_tmp ("camgate-recordsink-XXXXXX", nullptr);
  // 10 s at 25 fps, a keyframe (and a segment) every second, 0.5 s chunks.
  GstElement *pipeline = gst_parse_launch (("videotestsrc num-buffers=250 "
          "! video/x-raw,width=160,height=120,framerate=25/1 "
          "! x264enc tune=zerolatency key-int-max=25 ! h264parse "
          "! cmafchunkmux chunk-duration=500000000 segment-duration=1000000000 "
          "! recordsink name=rec recording=false pre-roll=2000000000 "
          "max-duration=60000000000 fsync-interval=0 location="
          + std::string (dir) + "/%H%M%S.mp4").c_str (), nullptr);
  ASSERT_NE (pipeline, nullptr);
  // An "event" from 6 s to 8 s of media: recording switched on and off as
  // the chunks go by.
  GstElement *rec = gst_bin_get_by_name (GST_BIN (pipeline), "rec");
  GstPad *pad = gst_element_get_static_pad (rec, "sink");
  static GstClockTime seen;
  seen = 0;
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, [](GstPad * pad,
          GstPadProbeInfo * info, gpointer) {
        auto *meta = gst_buffer_get_cmaf_chunk_meta (GST_PAD_PROBE_INFO_BUFFER
            (info));
        if (!meta || (meta->flags & GST_CMAF_CHUNK_HEADER))
          return GST_PAD_PROBE_OK;
        GstObject *sink = gst_pad_get_parent (pad);
        g_object_set (sink, "recording", seen >= 6 * GST_SECOND
            && seen < 8 * GST_SECOND, nullptr);
        gst_object_unref (sink);
        seen += meta->duration;
        return GST_PAD_PROBE_OK;
      }, nullptr, nullptr);
  gst_object_unref (pad);
  gst_object_unref (rec);
  guint64 closed_duration = 0;
  auto opened = run_recording (pipeline, &closed_duration);

  // One file: 2 s of pre-roll from a keyframe (media 4–6 s), then the 2 s
  // of the event; it plays from 0 without decoding errors.
  ASSERT_EQ (opened.size (), 1u);
  EXPECT_EQ (closed_duration, 4 * GST_SECOND);
  int status = -1;
  std::string out = camgate::testing::run_command ("ffprobe -v error "
      "-show_entries format=start_time,duration -of csv=p=0 '" + opened[0]
      + "' 2>&1", &status);
  EXPECT_EQ (status, 0) << out;
  EXPECT_EQ (out.substr (0, 10), "0.000000,4") << out;
  out = camgate::testing::run_command ("ffmpeg -v error -i '" + opened[0]
      + "' -f null - 2>&1", &status);
  EXPECT_EQ (status, 0);
  EXPECT_EQ (out, "");
  fs::remove_all (dir);
  g_free (dir);
}

TEST (RecordSink, AnUnwritableFolderPausesWithAMessage)
{
  // A path under a regular file cannot be created.
  gchar *dir = g_dir_make_tmp ("camgate-recordsink-XXXXXX", nullptr);
  const std::string blocker = std::string (dir) + "/file";
  g_file_set_contents (blocker.c_str (), "x", 1, nullptr);
  GstElement *pipeline = gst_parse_launch (("videotestsrc num-buffers=50 "
          "! video/x-raw,width=160,height=120,framerate=25/1 "
          "! x264enc key-int-max=25 ! h264parse ! cmafchunkmux "
          "! recordsink name=rec location=" + blocker + "/sub/%H.mp4")
      .c_str (), nullptr);
  GstBus *bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  std::string reason;
  for (;;) {
    GstMessage *m = gst_bus_timed_pop_filtered (bus, 20 * GST_SECOND,
        (GstMessageType) (GST_MESSAGE_EOS | GST_MESSAGE_ERROR
            | GST_MESSAGE_WARNING));
    ASSERT_NE (m, nullptr);
    const GstMessageType type = GST_MESSAGE_TYPE (m);
    if (type == GST_MESSAGE_WARNING) {
      GError *error = nullptr;
      gst_message_parse_warning (m, &error, nullptr);
      EXPECT_TRUE (g_error_matches (error, GST_RESOURCE_ERROR,
              GST_RESOURCE_ERROR_WRITE)) << error->message;
      reason = error->message;
      g_error_free (error);
    }
    gst_message_unref (m);
    // Never a pipeline error: recording pauses, the pipeline goes on.
    ASSERT_NE (type, GST_MESSAGE_ERROR);
    if (type == GST_MESSAGE_EOS)
      break;
  }
  EXPECT_NE (reason.find ("cannot create"), std::string::npos) << reason;
  GstElement *rec = gst_bin_get_by_name (GST_BIN (pipeline), "rec");
  GstRecordSinkStatus status = GST_RECORD_SINK_STATUS_STOPPED;
  gchar *last_error = nullptr;
  g_object_get (rec, "status", &status, "last-error", &last_error, nullptr);
  EXPECT_EQ (status, GST_RECORD_SINK_STATUS_PAUSED);
  EXPECT_NE (std::string (last_error).find ("cannot create"),
      std::string::npos) << last_error;
  g_free (last_error);
  gst_object_unref (rec);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  fs::remove_all (dir);
  g_free (dir);
}

TEST (RecordingClip, FilesWhoseClocksOverlapStillPlayInOrder)
{
  gchar *dir = g_dir_make_tmp ("camgate-clip-XXXXXX", nullptr);
  std::vector<std::string> opened = record_test_files (std::string (dir)
      + "/%H%M%S.mp4");
  ASSERT_GE (opened.size (), 3u);
  // Each file's wall-clock start 200 ms before the previous file's media
  // ends, as a busy machine's clock can make it.
  const int64_t base = 1700000000LL * 1000000;
  std::vector<camgate::RecordingFile> files;
  for (size_t i = 0; i < opened.size (); i++)
    files.push_back ({ opened[i], base + (int64_t) i * 800000,
          base + (int64_t) i * 800000 + 1000000,
          (uint64_t) fs::file_size (opened[i]) });
  std::string error;
  auto clip = camgate::RecordingClip::open (files, base, 10000000, error);
  ASSERT_TRUE (clip) << error;
  std::string mp4, piece;
  while (clip->next (piece))
    mp4 += piece;
  const std::string out = std::string (dir) + "/clip.mp4";
  std::ofstream (out, std::ios::binary) << mp4;
  // Every packet's decode time after the one before.
  int status = -1;
  std::string dts = camgate::testing::run_command ("ffprobe -v error "
      "-show_entries packet=dts -of csv=p=0 '" + out + "' 2>&1", &status);
  EXPECT_EQ (status, 0) << dts;
  std::istringstream lines (dts);
  long previous = -1, count = 0;
  for (std::string line; std::getline (lines, line); count++) {
    long value = std::atol (line.c_str ());
    EXPECT_GT (value, previous) << "packet " << count << "\n" << dts;
    previous = value;
  }
  EXPECT_GE (count, 75) << dts;
  fs::remove_all (dir);
  g_free (dir);
}
