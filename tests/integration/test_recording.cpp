// Recording through camgate: fake camera (H.264 + G.711) -> camgate with
// `record:` -> fragmented MP4 files checked with ffprobe/ffmpeg, the
// recordings API, kill -9, a camera drop, retention, a full disk, and
// recording on a simulated ONVIF camera's motion events.
#include "commands.h"
#include "fake_camera.h"
#include "fake_onvif.h"
#include "helpers.h"

#include <gtest/gtest.h>

#include <json-glib/json-glib.h>

#include <filesystem>
#include <fstream>
#include <thread>
#include <sys/mount.h>

using namespace camgate::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

std::vector<std::string>
mp4_files (const std::string & root)
{
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::exists (root, ec))
    return out;
  for (auto & e : fs::recursive_directory_iterator (root, ec))
    if (e.path ().extension () == ".mp4")
      out.push_back (e.path ().string ());
  std::sort (out.begin (), out.end ());
  return out;
}

// Decodes the whole file; "" when clean, ffmpeg's complaints otherwise.
// "" when `file` is a run of whole top-level ISO BMFF boxes to its last
// byte, else where it breaks off.
std::string
broken_tail (const std::string & file)
{
  std::ifstream in (file, std::ios::binary);
  std::vector<unsigned char> bytes ((std::istreambuf_iterator<char> (in)),
      std::istreambuf_iterator<char> ());
  size_t at = 0;
  while (at + 8 <= bytes.size ()) {
    uint64_t size = (uint64_t) bytes[at] << 24 | bytes[at + 1] << 16
        | bytes[at + 2] << 8 | bytes[at + 3];
    if (size == 1 && at + 16 <= bytes.size ()) {
      size = 0;
      for (int i = 8; i < 16; i++)
        size = size << 8 | bytes[at + i];
    }
    if (size < 8 || at + size > bytes.size ())
      return file + ": box at " + std::to_string (at) + " of "
          + std::to_string (size) + " bytes, file is "
          + std::to_string (bytes.size ());
    at += size;
  }
  return at == bytes.size () ? "" : file + ": " + std::to_string (bytes.size ()
      - at) + " stray bytes at the end";
}

std::string
decode_errors (const std::string & file)
{
  int status = -1;
  std::string out = run_command ("ffmpeg -nostdin -v error -i '" + file
      + "' -f null - 2>&1", &status);
  return status == 0 ? out : "exit " + std::to_string (status) + ": " + out;
}

double
duration_of (const std::string & file)
{
  return std::atof (run_command ("ffprobe -v error -show_entries "
          "format=duration -of csv=p=0 '" + file + "' 2>/dev/null").c_str ());
}

bool
starts_with_keyframe (const std::string & file)
{
  return run_command ("ffprobe -v error -select_streams v -show_frames "
      "-show_entries frame=key_frame -of csv=p=0 -read_intervals %+#1 '"
      + file + "' 2>/dev/null").rfind ("1", 0) == 0;
}

int
span_count (int port, const std::string & stream)
{
  auto reply = http_request (port, "GET", "/api/v1/recordings/" + stream);
  JsonParser *parser = json_parser_new ();
  int n = -1;
  if (reply.status == 200 && json_parser_load_from_data (parser,
          reply.body.c_str (), -1, nullptr))
    n = json_array_get_length (json_object_get_array_member (
            json_node_get_object (json_parser_get_root (parser)), "spans"));
  g_object_unref (parser);
  return n;
}

class Recording : public ::testing::Test
{
protected:
  // `root`: the stream's own folder, <recordings folder>/cam.
  void start (const std::string & record, const std::string & root)
  {
    ASSERT_TRUE (camera_.start ());
    root_ = root;
    gateway_ = GatewayProcess::with_pipelines (dir_, { { "cam.yaml",
              "source:\n  uri: " + camera_.uri () + "\n  transport: tcp\n"
              "record: { path: '%H-%M-%S.mp4', " + record + " }\n" } },
        { "--recordings", root.substr (0, root.rfind ('/')) });
    ASSERT_TRUE (gateway_->wait_running ("cam")) << gateway_->log ();
  }

  FakeCamera camera_ { { .fps = 15, .gop_frames = 15 } };
  TempDir dir_;
  std::string root_;
  std::unique_ptr<GatewayProcess> gateway_;
};

}  // namespace

TEST_F (Recording, FilesDecodeStartWithKeyframesAndAreListed)
{
  start ("segment: 2s", dir_.path () + "/rec/cam");
  ASSERT_TRUE (wait_until ([&]() { return mp4_files (root_).size () >= 3; },
          15s)) << gateway_->log ();
  auto files = mp4_files (root_);
  // All but the file being written are whole segments.
  for (size_t i = 0; i + 1 < files.size (); i++) {
    EXPECT_EQ (decode_errors (files[i]), "") << files[i];
    EXPECT_TRUE (starts_with_keyframe (files[i])) << files[i];
    EXPECT_NEAR (duration_of (files[i]), 2.0, 0.5) << files[i];
    // Video as the camera sends it, the G.711 as AAC.
    std::string codecs = run_command ("ffprobe -v error -show_entries "
        "stream=codec_name -of csv=p=0 '" + files[i] + "'");
    EXPECT_NE (codecs.find ("h264"), std::string::npos) << codecs;
    EXPECT_NE (codecs.find ("aac"), std::string::npos) << codecs;
  }
  // The file being written already plays.
  EXPECT_EQ (decode_errors (files.back ()), "");

  auto api = http_request (gateway_->http_port (), "GET",
      "/api/v1/recordings/cam");
  ASSERT_EQ (api.status, 200) << api.body;
  EXPECT_EQ (span_count (gateway_->http_port (), "cam"), 1) << api.body;
  EXPECT_NE (api.body.find (fs::path (files[0]).filename ().string ()),
      std::string::npos) << api.body;
  auto stream = http_request (gateway_->http_port (), "GET",
      "/api/v1/streams/cam");
  EXPECT_NE (stream.body.find ("\"status\" : \"recording\""),
      std::string::npos) << stream.body;
  // Bad names are refused, unknown ones not found.
  EXPECT_EQ (http_request (gateway_->http_port (), "GET",
          "/api/v1/recordings/..%2f..%2fetc").status, 400);
  EXPECT_EQ (http_request (gateway_->http_port (), "GET",
          "/api/v1/recordings/nope").status, 404);
}

TEST_F (Recording, KillDashNineKeepsWhatWasWritten)
{
  start ("segment: 30s", dir_.path () + "/rec/cam");
  ASSERT_TRUE (wait_until ([&]() { return !mp4_files (root_).empty (); },
          10s));
  std::this_thread::sleep_for (3500ms);     // mid-segment
  gateway_->kill_hard ();
  auto files = mp4_files (root_);
  ASSERT_EQ (files.size (), 1u);
  // Playable up to its last complete fragment (1 s each).
  EXPECT_EQ (decode_errors (files[0]), "");
  EXPECT_GE (duration_of (files[0]), 2.0);
}

TEST_F (Recording, ACameraDropIsAGapAndRecordingResumes)
{
  start ("segment: 2s", dir_.path () + "/rec/cam");
  ASSERT_TRUE (wait_until ([&]() { return mp4_files (root_).size () >= 2; },
          15s));
  camera_.stop ();
  std::this_thread::sleep_for (6s);
  const size_t before = mp4_files (root_).size ();
  ASSERT_TRUE (camera_.start ());
  EXPECT_TRUE (wait_until ([&]() {
        return span_count (gateway_->http_port (), "cam") == 2
            && mp4_files (root_).size () > before; }, 30s)) << gateway_->log ();
  // The file cut by the drop is still whole.
  for (const auto & f : mp4_files (root_))
    EXPECT_EQ (decode_errors (f), "") << f;
}

TEST_F (Recording, RetentionDeletesOldFilesButNeverTheOpenOne)
{
  start ("segment: 2s, keep: 4s", dir_.path () + "/rec/cam");
  std::this_thread::sleep_for (14s);
  auto files = mp4_files (root_);
  // ~7 files were written; those that ended more than 4 s ago are gone.
  EXPECT_LE (files.size (), 4u);
  EXPECT_GE (files.size (), 1u);
  auto stream = http_request (gateway_->http_port (), "GET",
      "/api/v1/streams/cam");
  for (const auto & f : files)
    if (stream.body.find (f) != std::string::npos)
      return;                      // the open file is among them
  ADD_FAILURE () << "the file being written was deleted: " << stream.body;
}

TEST_F (Recording, AFullDiskPausesRecordingAndItResumes)
{
  // An 80 KiB tmpfs: full after a few seconds of this camera (~11 KB/s),
  // inside the first file (a minute long).
  const std::string mount_point = dir_.path () + "/small";
  fs::create_directories (mount_point);
  if (mount ("tmpfs", mount_point.c_str (), "tmpfs", 0, "size=80k") != 0)
    GTEST_SKIP () << "cannot mount a small tmpfs here (not root?)";
  start ("segment: 60s", mount_point + "/cam");
  const int port = gateway_->http_port ();
  auto stream = [&]() {
    return http_request (port, "GET", "/api/v1/streams/cam").body;
  };
  EXPECT_TRUE (wait_until ([&]() {
        return stream ().find ("\"status\" : \"paused: No space left on "
            "device\"") != std::string::npos; }, 30s)) << stream ();
  EXPECT_TRUE (wait_until ([&]() {
        return stream ().find ("recording-paused") != std::string::npos; },
      2s)) << stream ();
  EXPECT_NE (http_request (port, "GET", "/metrics").body.find (
          "camgate_stream_recording{stream=\"cam\"} 0"), std::string::npos);
  EXPECT_TRUE (gateway_->running ());
  // Everything already written still plays, the file the disk cut short
  // included: it ends on its last whole fragment.
  auto files = mp4_files (mount_point + "/cam");
  ASSERT_FALSE (files.empty ());
  for (const auto & file : files) {
    EXPECT_EQ (broken_tail (file), "");
    EXPECT_EQ (decode_errors (file), "") << file;
  }
  // Space comes back: recording resumes at a keyframe after its 5 s pause,
  // not when the next file was due.
  for (const auto & f : files)
    fs::remove (f);
  EXPECT_TRUE (wait_until ([&]() {
        return stream ().find ("\"status\" : \"recording\"")
            != std::string::npos; }, 15s)) << stream ();
  EXPECT_NE (http_request (port, "GET", "/metrics").body.find (
          "camgate_stream_recording{stream=\"cam\"} 1"), std::string::npos);
  gateway_.reset ();
  umount2 (mount_point.c_str (), MNT_DETACH);
}

TEST_F (Recording, PlaybackCutsAPlayableClipForATimeRange)
{
  start ("segment: 2s", dir_.path () + "/rec/cam");
  ASSERT_TRUE (wait_until ([&]() { return mp4_files (root_).size () >= 5; },
          20s)) << gateway_->log ();
  const int port = gateway_->http_port ();
  auto listing = http_request (port, "GET", "/api/v1/recordings/cam");
  JsonParser *parser = json_parser_new ();
  ASSERT_TRUE (json_parser_load_from_data (parser, listing.body.c_str (), -1,
          nullptr));
  JsonObject *span = json_array_get_object_element (json_object_get_array_member
      (json_node_get_object (json_parser_get_root (parser)), "spans"), 0);
  GDateTime *span_start = g_date_time_new_from_iso8601 (
      json_object_get_string_member (span, "start"), nullptr);
  g_object_unref (parser);
  ASSERT_NE (span_start, nullptr);
  // 2.5 s into the recording, 4 s long, across file boundaries.
  GDateTime *from = g_date_time_add (span_start, 2500 * G_TIME_SPAN_MILLISECOND);
  gchar *from_text = g_date_time_format_iso8601 (from);
  g_date_time_unref (from);
  g_date_time_unref (span_start);
  const std::string clip_url = std::string ("/api/v1/recordings/cam/get?"
      "start=") + from_text + "&duration=4s";
  g_free (from_text);
  auto clip = http_request (port, "GET", clip_url);
  ASSERT_EQ (clip.status, 200) << clip.body.substr (0, 200);
  EXPECT_NE (clip.headers.find ("video/mp4"), std::string::npos);
  EXPECT_EQ (header_value (clip, "Content-Length"),
      std::to_string (clip.body.size ()));
  EXPECT_EQ (header_value (clip, "Accept-Ranges"), "bytes");

  // A <video> seeking in the clip asks for byte ranges: the same bytes as
  // the whole clip, wherever they fall (header, inside or across fragments).
  const size_t total = clip.body.size ();
  ASSERT_GT (total, 40000u);
  auto range = [&](const std::string & spec) {
    return http_request (port, "GET", clip_url, {}, { { "Range", "bytes="
                + spec } });
  };
  const size_t middle = total / 2;
  const std::vector<std::tuple<std::string, size_t, size_t>> ranges = {
    { "0-99", 0, 100 },
    { std::to_string (middle) + "-" + std::to_string (middle + 29999),
      middle, 30000 },
    { "-1000", total - 1000, 1000 },
    { std::to_string (total - 10) + "-", total - 10, 10 },
  };
  for (const auto & [spec, first, length] : ranges) {
    auto part = range (spec);
    EXPECT_EQ (part.status, 206) << spec;
    EXPECT_EQ (header_value (part, "Content-Range"), "bytes "
        + std::to_string (first) + "-" + std::to_string (first + length - 1)
        + "/" + std::to_string (total)) << spec;
    EXPECT_TRUE (part.body == clip.body.substr (first, length)) << spec
        << ": " << part.body.size () << " bytes";
  }
  auto unreadable = range ("ten-twenty");
  EXPECT_EQ (unreadable.status, 200);
  EXPECT_EQ (unreadable.body.size (), total);
  auto past_end = range (std::to_string (total) + "-");
  EXPECT_EQ (past_end.status, 416);
  EXPECT_EQ (header_value (past_end, "Content-Range"), "bytes */"
      + std::to_string (total));
  const std::string file = dir_.path () + "/clip.mp4";
  {
    std::ofstream out (file, std::ios::binary);
    out << clip.body;
  }
  EXPECT_EQ (decode_errors (file), "");
  // From the keyframe at or before the start (the camera's GOP is 1 s), to
  // the end of the range: at least the 4 s asked, at most a GOP and a
  // fragment more; time starts at 0 on a keyframe.
  const double duration = duration_of (file);
  EXPECT_GE (duration, 3.9);
  EXPECT_LE (duration, 6.1);
  EXPECT_TRUE (starts_with_keyframe (file));
  EXPECT_EQ (run_command ("ffprobe -v error -show_entries format=start_time "
          "-of csv=p=0 '" + file + "'").substr (0, 4), "0.00");

  // Out of range, malformed, unsupported.
  EXPECT_EQ (http_request (port, "GET", "/api/v1/recordings/cam/get?"
          "start=2001-01-01T00:00:00Z&duration=10s").status, 404);
  EXPECT_EQ (http_request (port, "GET", "/api/v1/recordings/cam/get?"
          "start=yesterday").status, 400);
  EXPECT_EQ (http_request (port, "GET", "/api/v1/recordings/cam/get?"
          "start=2026-01-01T00:00:00Z&duration=5h").status, 400);
  EXPECT_EQ (http_request (port, "GET", "/api/v1/recordings/cam/get?"
          "start=2026-01-01T00:00:00Z&format=avi").status, 400);
}

TEST_F (Recording, DeleteAFileOrASpanButNeverTheOpenFile)
{
  start ("segment: 2s", dir_.path () + "/rec/cam");
  ASSERT_TRUE (wait_until ([&]() { return mp4_files (root_).size () >= 4; },
          20s));
  const int port = gateway_->http_port ();
  auto files = mp4_files (root_);
  auto relative = [&](const std::string & path) {
    return path.substr (root_.size () + 1);
  };
  // One file, as listed.
  auto gone = http_request (port, "DELETE", "/api/v1/recordings/cam/files/"
      + relative (files[0]));
  EXPECT_EQ (gone.status, 200) << gone.body;
  EXPECT_FALSE (fs::exists (files[0]));
  EXPECT_EQ (http_request (port, "DELETE", "/api/v1/recordings/cam/files/"
          + relative (files[0])).status, 404);
  // Not the one being written, not outside the folder.
  auto stream = http_request (port, "GET", "/api/v1/streams/cam").body;
  std::string open;
  for (const auto & f : mp4_files (root_))
    if (stream.find (f) != std::string::npos)
      open = f;
  ASSERT_FALSE (open.empty ()) << stream;
  EXPECT_EQ (http_request (port, "DELETE", "/api/v1/recordings/cam/files/"
          + relative (open)).status, 409);
  // ("../" itself is resolved away by HTTP path normalization: 404.)
  EXPECT_EQ (http_request (port, "DELETE", "/api/v1/recordings/cam/files/"
          "..%2F..%2Fcam.yaml").status, 400);
  EXPECT_EQ (http_request (port, "DELETE", "/api/v1/recordings/cam/files/"
          "../../cam.yaml").status, 404);
  EXPECT_TRUE (fs::exists (dir_.path () + "/cam.yaml"));
  // A whole range: everything but the open file goes.
  auto range = http_request (port, "DELETE", "/api/v1/recordings/cam?"
      "start=2000-01-01T00:00:00Z&end=2100-01-01T00:00:00Z");
  EXPECT_EQ (range.status, 200) << range.body;
  EXPECT_TRUE (fs::exists (open));
  EXPECT_LE (mp4_files (root_).size (), 2u);
  EXPECT_EQ (http_request (port, "DELETE", "/api/v1/recordings/cam?"
          "start=tomorrow").status, 400);
}

namespace {

// Real time (µs) of an RFC 3339 text; 0 when it is not one.
gint64
real_time_of (const std::string & text)
{
  GTimeZone *utc = g_time_zone_new_utc ();
  GDateTime *t = g_date_time_new_from_iso8601 (text.c_str (), utc);
  g_time_zone_unref (utc);
  if (!t)
    return 0;
  const gint64 out = g_date_time_to_unix (t) * G_USEC_PER_SEC
      + g_date_time_get_microsecond (t);
  g_date_time_unref (t);
  return out;
}

}  // namespace

TEST (RecordingOnEvents, MotionMakesOneFileFromPreRollToPostRoll)
{
  FakeCamera camera ({ .fps = 15, .gop_frames = 15, .audio = false });
  ASSERT_TRUE (camera.start ());
  // Subscriptions granted 4 s: renewed every 2 s, or they would end.
  FakeOnvifDevice device ({ .rtsp_uri = camera.uri (), .events = true,
        .event_termination_s = 4 });
  ASSERT_TRUE (device.start ());
  TempDir dir, pipes, recordings;
  pipes.write ("door.yaml", "source:\n  uri: " + device.onvif_uri ()
      + "\n  transport: tcp\n"
      "record: { mode: events, pre: 2s, post: 2s, path: '%H-%M-%S.mp4' }\n");
  dir.write ("gateway.yaml", "pipelines: " + pipes.path () + "\nrecordings: "
      + recordings.path () + "\n");
  GatewayProcess gateway ({ "--config", dir.path () + "/gateway.yaml" });
  ASSERT_TRUE (gateway.wait_running ("door")) << gateway.log ();
  ASSERT_TRUE (gateway.wait_for_log ("following the camera's events", 15s))
      << gateway.log ();
  const int port = gateway.http_port ();
  EventReader events (port, "Last-Event-ID: 0\r\n");
  // Nothing is written while nothing happens; the pre-roll fills.
  std::this_thread::sleep_for (4s);
  const std::string root = recordings.path () + "/door";
  EXPECT_TRUE (mp4_files (root).empty ());
  EXPECT_NE (http_request (port, "GET", "/api/v1/streams/door").body.find (
          "waiting for an event"), std::string::npos);

  const gint64 motion_at = g_get_real_time ();
  device.set_motion (true);
  EXPECT_TRUE (events.wait_for ("event: camera.motion\ndata: [^\n]*"
          "\"state\":\"start\"", 5s)) << events.text ();
  // A second event inside the first one's post-roll extends the same file.
  std::this_thread::sleep_for (2s);
  device.set_motion (false);
  std::this_thread::sleep_for (1s);
  device.set_motion (true);
  std::this_thread::sleep_for (1s);
  const gint64 quiet_at = g_get_real_time ();
  device.set_motion (false);
  EXPECT_TRUE (events.wait_for ("event: recording.closed", 10s))
      << events.text ();
  EXPECT_NE (events.text ().find ("\"topic\":\"tns1:RuleEngine/"
          "CellMotionDetector/Motion\",\"source\":\"vsc\""),
      std::string::npos) << events.text ();

  // One file: 2 s before the motion (from a keyframe, so up to 1 s more),
  // the 4 s of motion, 2 s after it (up to a 1 s fragment more).
  auto files = mp4_files (root);
  ASSERT_EQ (files.size (), 1u) << gateway.log ();
  EXPECT_EQ (decode_errors (files[0]), "");
  EXPECT_TRUE (starts_with_keyframe (files[0]));
  const double seconds = duration_of (files[0]);
  EXPECT_GE (seconds, 7.5);
  EXPECT_LE (seconds, 10.5);
  auto listing = http_request (port, "GET", "/api/v1/recordings/door");
  JsonParser *parser = json_parser_new ();
  ASSERT_TRUE (json_parser_load_from_data (parser, listing.body.c_str (), -1,
          nullptr)) << listing.body;
  JsonObject *span = json_array_get_object_element (json_object_get_array_member
      (json_node_get_object (json_parser_get_root (parser)), "spans"), 0);
  const gint64 start = real_time_of (json_object_get_string_member (span,
          "start"));
  const gint64 end = real_time_of (json_object_get_string_member (span,
          "end"));
  // The two motions are marked for the timeline.
  JsonArray *marks = json_object_get_array_member (json_node_get_object (
          json_parser_get_root (parser)), "events");
  ASSERT_EQ (json_array_get_length (marks), 2u) << listing.body;
  JsonObject *first = json_array_get_object_element (marks, 0);
  JsonObject *second = json_array_get_object_element (marks, 1);
  EXPECT_STREQ (json_object_get_string_member (first, "type"),
      "camera.motion");
  EXPECT_STREQ (json_object_get_string_member (first, "source"), "vsc");
  EXPECT_NEAR (real_time_of (json_object_get_string_member (first, "start")),
      motion_at, 1000 * 1000) << listing.body;
  EXPECT_NEAR (real_time_of (json_object_get_string_member (second, "end")),
      quiet_at, 1000 * 1000) << listing.body;
  g_object_unref (parser);
  EXPECT_LE (start, motion_at - 1800 * 1000) << listing.body;
  EXPECT_GE (start, motion_at - 4000 * 1000) << listing.body;
  EXPECT_GE (end, quiet_at + 1500 * 1000) << listing.body;
  EXPECT_LE (end, quiet_at + 4500 * 1000) << listing.body;
  EXPECT_EQ (device.unaddressed_pulls (), 0);
  EXPECT_EQ (device.subscriptions (), 1);
  EXPECT_EQ (device.expired_pulls (), 0);
  EXPECT_GE (device.renewals (), 4);

  // The panel's timeline marks both motions over the recording.
  const std::string command = browser_command ("panel_events.cjs");
  if (command.empty ())
    return;                        // no node or chromium: the API is checked
  const char *out = g_getenv ("CAMGATE_TEST_OUTPUT");
  const std::string shots = (out ? std::string (out) : dir.path ()) + "/panel";
  fs::create_directories (shots);
  int status = -1;
  const std::string seen = run_command (command + " http://127.0.0.1:"
      + std::to_string (port) + "/ door 2 " + shots + "/12-event-marks.png",
      &status);
  EXPECT_EQ (status, 0) << seen;
}
