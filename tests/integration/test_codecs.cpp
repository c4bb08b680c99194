// Codecs pass through untouched: what the camera sends is what viewers get.
#include "fake_camera.h"
#include "helpers.h"

#include <gtest/gtest.h>

using namespace camgate::testing;
using namespace std::chrono_literals;

namespace {

std::string
describe (const GatewayProcess & gateway, const std::string & stream)
{
  RtspControl rtsp (gateway.rtsp_port ());
  return rtsp.request (GST_RTSP_DESCRIBE, gateway.url (stream)).body;
}

}  // namespace

TEST (Codecs, H265AndAacCameraPassesThrough)
{
  FakeCamera camera ({ .launch = "( videotestsrc is-live=true "
        "! video/x-raw,width=320,height=240,framerate=15/1 "
        "! x265enc tune=zerolatency speed-preset=ultrafast key-int-max=15 "
        "! rtph265pay name=pay0 pt=96 config-interval=-1 "
        "audiotestsrc is-live=true ! audio/x-raw,rate=16000,channels=1 "
        "! voaacenc ! rtpmp4gpay name=pay1 pt=97 )" });
  ASSERT_TRUE (camera.start ());
  TempDir dir;
  dir.write ("hevc.yaml", "source:\n  uri: " + camera.uri () + "\n");
  GatewayProcess gateway ({ "--pipelines", dir.path () });
  ASSERT_TRUE (gateway.wait_for_log ("stream hevc: running", 20s))
      << gateway.log ();

  std::string sdp = describe (gateway, "hevc");
  EXPECT_NE (sdp.find ("H265/90000"), std::string::npos) << sdp;
  EXPECT_NE (sdp.find ("MPEG4-GENERIC/16000"), std::string::npos) << sdp;
  EXPECT_NE (sdp.find ("mode=AAC-hbr"), std::string::npos) << sdp;

  Viewer viewer (gateway.url ("hevc"), "tcp", Viewer::kH265);
  EXPECT_TRUE (viewer.wait_frames (10, 30s)) << viewer.error ()
      << gateway.log ();
}

TEST (Codecs, PipelineSourceWithOpusAndMulaw)
{
  TempDir dir;
  dir.write ("opus.yaml", "source:\n  pipeline: >-\n"
      "    videotestsrc is-live=true ! video/x-raw,width=320,height=240 "
      "! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15 "
      "! h264parse\n"
      "    audiotestsrc is-live=true ! audioconvert ! opusenc ! opusparse\n");
  dir.write ("ulaw.yaml", "source:\n  pipeline: >-\n"
      "    audiotestsrc is-live=true ! audio/x-raw,rate=8000,channels=1 "
      "! mulawenc\n");
  GatewayProcess gateway ({ "--pipelines", dir.path () });
  ASSERT_TRUE (gateway.wait_for_log ("stream opus: running", 20s))
      << gateway.log ();
  ASSERT_TRUE (gateway.wait_for_log ("stream ulaw: running", 20s))
      << gateway.log ();

  std::string sdp = describe (gateway, "opus");
  EXPECT_NE (sdp.find ("H264/90000"), std::string::npos) << sdp;
  EXPECT_NE (sdp.find ("OPUS/48000/2"), std::string::npos) << sdp;
  EXPECT_NE (describe (gateway, "ulaw").find ("PCMU/8000"), std::string::npos);

  Viewer viewer (gateway.url ("opus"), "udp");
  EXPECT_TRUE (viewer.wait_frames (10, 20s)) << viewer.error ();
}

TEST (Codecs, PipelineThatProducesRawVideoIsRejectedClearly)
{
  TempDir dir;
  dir.write ("raw.yaml", "source:\n  pipeline: videotestsrc is-live=true\n");
  GatewayProcess gateway ({ "--pipelines", dir.path () });
  ASSERT_TRUE (gateway.ready ());
  EXPECT_TRUE (gateway.wait_for_log ("expected H.264, H.265, AAC, Opus, "
          "G.711 A-law or G.711 mu-law", 5s)) << gateway.log ();
  EXPECT_TRUE (gateway.running ());
}
