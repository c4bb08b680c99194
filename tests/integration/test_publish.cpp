// Publish ingest: RTSP RECORD into a `source: publish` stream, watched by
// players on the same path.
#include "commands.h"
#include "helpers.h"

#include <gtest/gtest.h>

#include <regex>

using namespace camgate::testing;
using namespace std::chrono_literals;

TEST (Publish, RtspclientsinkIsRelayedToViewersOfTheSamePath)
{
  TempDir dir;
  dir.write ("live.yaml", "source: publish\n");
  GatewayProcess gateway ({ "--pipelines", dir.path () });
  ASSERT_TRUE (gateway.wait_for_log ("stream live: waiting", 10s))
      << gateway.log ();

  // Nobody publishes yet: players get a clear refusal.
  RtspControl rtsp (gateway.rtsp_port ());
  EXPECT_EQ (rtsp.request (GST_RTSP_DESCRIBE, gateway.url ("live")).status, 503);

  Publisher publisher (gateway.url ("live"));
  ASSERT_TRUE (gateway.wait_for_log ("stream live: running", 15s))
      << gateway.log () << publisher.error ();
  Viewer tcp (gateway.url ("live"), "tcp");
  Viewer udp (gateway.url ("live"), "udp");
  EXPECT_TRUE (tcp.wait_frames (15, 20s)) << tcp.error () << gateway.log ();
  EXPECT_TRUE (udp.wait_frames (15, 20s)) << udp.error () << gateway.log ();

  // A second publisher on a busy path is refused.
  RtspControl intruder (gateway.rtsp_port ());
  EXPECT_EQ (intruder.request (GST_RTSP_ANNOUNCE, gateway.url ("live"),
          { { "Content-Type", "application/sdp" } }, kAnnounceSdp).status, 503);
  EXPECT_TRUE (gateway.wait_for_log ("stream live: refusing a second "
          "publisher", 2s));
  EXPECT_TRUE (publisher.error ().empty ());
}

TEST (Publish, PublisherLeavesAndComesBack)
{
  TempDir dir;
  dir.write ("live.yaml", "source: publish\n");
  GatewayProcess gateway ({ "--pipelines", dir.path () });
  ASSERT_TRUE (gateway.ready ());
  {
    Publisher publisher (gateway.url ("live"));
    ASSERT_TRUE (gateway.wait_for_log ("stream live: running", 15s))
        << gateway.log () << publisher.error ();
    Viewer viewer (gateway.url ("live"), "tcp");
    ASSERT_TRUE (viewer.wait_frames (10, 20s)) << viewer.error ()
        << gateway.log ();
  }
  ASSERT_TRUE (gateway.wait_for_log ("stream live: waiting: the RTSP "
          "publisher left", 15s)) << gateway.log ();
  Publisher again (gateway.url ("live"));
  ASSERT_TRUE (wait_until ([&]() {
            auto log = gateway.log ();
            return log.rfind ("stream live: running") > log.rfind ("left");
          }, 15s)) << gateway.log ();
  Viewer viewer (gateway.url ("live"), "tcp");
  EXPECT_TRUE (viewer.wait_frames (10, 20s)) << viewer.error ()
      << gateway.log ();
}

TEST (Publish, FfmpegPublisher)
{
  gchar *ffmpeg = g_find_program_in_path ("ffmpeg");
  if (!ffmpeg)
    GTEST_SKIP () << "ffmpeg is not installed";
  TempDir dir;
  dir.write ("ff.yaml", "source: publish\n");
  GatewayProcess gateway ({ "--pipelines", dir.path () });
  ASSERT_TRUE (gateway.ready ());
  std::string url = gateway.url ("ff");
  ChildProcess publisher ({ ffmpeg, "-loglevel", "error", "-re", "-f",
        "lavfi", "-i", "testsrc=size=320x240:rate=15", "-t", "60", "-c:v",
        "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "15",
        "-f", "rtsp", "-rtsp_transport", "tcp", url });
  g_free (ffmpeg);
  ASSERT_TRUE (publisher.started ());
  ASSERT_TRUE (gateway.wait_for_log ("stream ff: running", 20s))
      << gateway.log ();
  Viewer viewer (url, "tcp");
  EXPECT_TRUE (viewer.wait_frames (15, 20s)) << viewer.error ()
      << gateway.log ();
}

// ffmpeg -c copy of an H.265 (B-frames, open GOP) + AAC MP4, with the
// parameter sets in band (hev1) and only in the file's header (hvc1, so only
// in the publisher's SDP): ffmpeg plays it back over UDP and over TCP.
TEST (Publish, FfmpegH265CopyPlaysBackOverUdpAndTcp)
{
  if (!have_program ("ffmpeg") || !have_program ("ffprobe"))
    GTEST_SKIP () << "ffmpeg is not installed";
  TempDir dir;
  dir.write ("hevc.yaml", "source: publish\n");
  GatewayProcess gateway ({ "--pipelines", dir.path () });
  ASSERT_TRUE (gateway.ready ());
  const std::string url = gateway.url ("hevc");
  for (const std::string tag : { "hev1", "hvc1" }) {
    SCOPED_TRACE (tag);
    const std::string mp4 = dir.path () + "/" + tag + ".mp4";
    int status = -1;
    run_command ("ffmpeg -loglevel error -y -f lavfi -i "
        "testsrc2=size=320x240:rate=25 -f lavfi -i sine=sample_rate=48000 "
        "-t 4 -c:v libx265 -preset ultrafast -x265-params log-level=error "
        "-tag:v " + tag + " -c:a aac -shortest '" + mp4 + "'", &status);
    ASSERT_EQ (status, 0);
    ChildProcess publisher ({ "ffmpeg", "-loglevel", "error", "-re",
          "-stream_loop", "-1", "-i", mp4, "-c", "copy", "-f", "rtsp",
          "-rtsp_transport", "tcp", url });
    ASSERT_TRUE (publisher.started ());
    const size_t before = gateway.log ().rfind ("stream hevc: running");
    EXPECT_TRUE (wait_until ([&] {
          size_t at = gateway.log ().rfind ("stream hevc: running");
          return at != std::string::npos && (before == std::string::npos
              || at > before);
        }, 20s)) << gateway.log ();
    for (const char *transport : { "udp", "tcp" }) {
      SCOPED_TRACE (transport);
      std::string probe = run_command (std::string ("timeout 20 ffprobe "
              "-v error -rtsp_transport ") + transport + " -read_intervals "
          "%+2 -count_frames -show_entries stream=codec_name,width,"
          "nb_read_frames -of csv=p=0 " + url + " 2>/dev/null", &status);
      std::smatch frames;
      EXPECT_TRUE (std::regex_search (probe, frames,
              std::regex ("hevc,320,([0-9]+)")) && std::stoi (frames[1]) >= 20)
          << probe << gateway.log ();
      EXPECT_NE (probe.find ("aac"), std::string::npos) << probe;
    }
    publisher.stop ();
    // Gone before the next file is published.
    EXPECT_TRUE (wait_until ([&] {
          auto log = gateway.log ();
          return log.rfind ("left") != std::string::npos
              && log.rfind ("left") > log.rfind ("stream hevc: running");
        }, 15s)) << gateway.log ();
  }
}

TEST (Publish, AnnounceWithoutMediaIsRejected)
{
  TempDir dir;
  dir.write ("live.yaml", "source: publish\n");
  GatewayProcess gateway ({ "--pipelines", dir.path () });
  ASSERT_TRUE (gateway.ready ());
  RtspControl rtsp (gateway.rtsp_port ());
  auto reply = rtsp.request (GST_RTSP_ANNOUNCE, gateway.url ("live"),
      { { "Content-Type", "application/sdp" } });
  EXPECT_EQ (reply.status, 400);
  EXPECT_TRUE (gateway.running ());
}
