// End to end: fake camera -> camgate -> real rtspsrc viewers.
#include "commands.h"
#include "fake_camera.h"
#include "helpers.h"

#include <gtest/gtest.h>

#include <memory>

using namespace camgate::testing;
using namespace std::chrono_literals;

namespace {

class Relay : public ::testing::Test
{
protected:
  void SetUp () override
  {
    ASSERT_TRUE (camera_.start ());
    dir_.write ("cam.yaml", "source:\n  uri: " + camera_.uri () + "\n");
    config_.write ("camgate.yaml", "pipelines: " + dir_.path ()
        + "\nsession-timeout: 30s\n");
    gateway_ = std::make_unique<GatewayProcess> (std::vector<std::string> {
          "--config", config_.path () + "/camgate.yaml" });
    ASSERT_TRUE (gateway_->ready ()) << gateway_->log ();
    ASSERT_TRUE (gateway_->wait_for_log ("stream cam: running", 15s))
        << gateway_->log ();
  }

  FakeCamera camera_;
  TempDir dir_, config_;
  std::unique_ptr<GatewayProcess> gateway_;
};

}  // namespace

TEST_F (Relay, UdpViewerDecodesFrames)
{
  Viewer viewer (gateway_->url ("cam"), "udp");
  EXPECT_TRUE (viewer.wait_frames (20, 20s)) << viewer.error ()
      << "\n" << gateway_->log ();
}

TEST_F (Relay, TcpViewerDecodesFrames)
{
  Viewer viewer (gateway_->url ("cam"), "tcp");
  EXPECT_TRUE (viewer.wait_frames (20, 20s)) << viewer.error ()
      << "\n" << gateway_->log ();
}

TEST_F (Relay, SdpCarriesTheCamerasVideoAndAudioUnchanged)
{
  RtspControl rtsp (gateway_->rtsp_port ());
  auto reply = rtsp.request (GST_RTSP_DESCRIBE, gateway_->url ("cam"),
      { { "Accept", "application/sdp" } });
  ASSERT_EQ (reply.status, 200) << gateway_->log ();
  EXPECT_NE (reply.body.find ("H264/90000"), std::string::npos) << reply.body;
  EXPECT_NE (reply.body.find ("PCMA/8000"), std::string::npos) << reply.body;
  EXPECT_NE (reply.body.find ("sprop-parameter-sets="), std::string::npos)
      << reply.body;
  EXPECT_NE (reply.body.find ("packetization-mode=1"), std::string::npos)
      << reply.body;
}

TEST_F (Relay, DescribeRightAfterAnotherClientLeftIsServed)
{
  // A client that only DESCRIBEs and leaves unprepares the shared media; a
  // client arriving in that moment must get a fresh one, not a 503.
  for (int i = 0; i < 10; i++) {
    {
      RtspControl probe (gateway_->rtsp_port ());
      ASSERT_EQ (probe.request (GST_RTSP_DESCRIBE, gateway_->url ("cam"))
          .status, 200);
    }
    RtspControl next (gateway_->rtsp_port ());
    auto reply = next.request (GST_RTSP_DESCRIBE, gateway_->url ("cam"));
    ASSERT_EQ (reply.status, 200) << "round " << i << "\n" << reply.body;
  }
}

TEST_F (Relay, FiveViewersShareOneCameraSession)
{
  std::vector<std::unique_ptr<Viewer>> viewers;
  for (int i = 0; i < 5; i++)
    viewers.push_back (std::make_unique<Viewer> (gateway_->url ("cam"),
            i % 2 ? "tcp" : "udp"));
  for (auto & viewer : viewers)
    EXPECT_TRUE (viewer->wait_frames (15, 30s)) << viewer->error ();
  EXPECT_EQ (camera_.clients_connected (), 1);
  EXPECT_EQ (camera_.play_requests (), 1);
}

TEST_F (Relay, KeepalivesAndSessionTimeout)
{
  RtspControl rtsp (gateway_->rtsp_port ());
  const std::string base = gateway_->url ("cam");
  auto describe = rtsp.request (GST_RTSP_DESCRIBE, base);
  ASSERT_EQ (describe.status, 200);
  auto setup = rtsp.request (GST_RTSP_SETUP, base + "/stream=0",
      { { "Transport", "RTP/AVP/TCP;unicast;interleaved=0-1" } });
  ASSERT_EQ (setup.status, 200);
  ASSERT_FALSE (setup.session.empty ());
  EXPECT_NE (setup.session_header.find ("timeout=30"), std::string::npos)
      << setup.session_header;
  auto play = rtsp.request (GST_RTSP_PLAY, base,
      { { "Session", setup.session } });
  ASSERT_EQ (play.status, 200);

  // Clients ping with GET_PARAMETER (no body) and OPTIONS within a session.
  auto ping = rtsp.request (GST_RTSP_GET_PARAMETER, base,
      { { "Session", setup.session } });
  EXPECT_EQ (ping.status, 200);
  auto options = rtsp.request (GST_RTSP_OPTIONS, base,
      { { "Session", setup.session } });
  EXPECT_EQ (options.status, 200);
  std::string stale = raw_exchange (gateway_->rtsp_port (), "GET_PARAMETER "
      + base + " RTSP/1.0\r\nCSeq: 9\r\nSession: nosuchsession\r\n\r\n");
  EXPECT_EQ (stale.rfind ("RTSP/1.0 454", 0), 0u) << stale;
  auto teardown = rtsp.request (GST_RTSP_TEARDOWN, base,
      { { "Session", setup.session } });
  EXPECT_EQ (teardown.status, 200);
}

TEST_F (Relay, BadRequestsGetErrorsNotCrashes)
{
  RtspControl rtsp (gateway_->rtsp_port ());
  EXPECT_EQ (rtsp.request (GST_RTSP_DESCRIBE, gateway_->url ("nope")).status,
      404);
  // ANNOUNCE to a camera stream is refused, and the log says why.
  EXPECT_EQ (rtsp.request (GST_RTSP_ANNOUNCE, gateway_->url ("cam"),
          { { "Content-Type", "application/sdp" } }, kAnnounceSdp).status, 405);
  EXPECT_TRUE (gateway_->wait_for_log ("stream cam: refusing a publisher: "
          "the stream's source is not 'publish'", 2s)) << gateway_->log ();

  for (const std::string &junk : { std::string ("GARBAGE\r\n\r\n"),
          std::string ("DESCRIBE rtsp://x RTSP/9.9\r\nCSeq: x\r\n\r\n"),
          std::string (4000, 'A') + "\r\n\r\n",
          std::string ("SETUP rtsp://127.0.0.1/cam/stream=0 RTSP/1.0\r\n"
              "CSeq: 1\r\nTransport: RTP/AVP;unicast;client_port=a-b\r\n\r\n"),
          std::string ("\x00\x01\x02\xff", 4) }) {
    raw_exchange (gateway_->rtsp_port (), junk);
  }
  ASSERT_TRUE (gateway_->running ()) << gateway_->log ();
  Viewer viewer (gateway_->url ("cam"), "tcp");
  EXPECT_TRUE (viewer.wait_frames (10, 20s)) << viewer.error ();
}

TEST (Rtsps, SelfSignedCameraNeedsTlsVerifyOff)
{
  if (!camgate::testing::have_program ("openssl"))
    GTEST_SKIP () << "openssl is not installed";
  TempDir keys;
  int status = -1;
  std::string output = camgate::testing::run_command ("cd " + keys.path ()
      + " && openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem "
      "-out cert.pem -days 1 -subj /CN=camera && cat cert.pem key.pem "
      "> camera.pem", &status);
  ASSERT_EQ (status, 0) << output;
  FakeCamera camera ({ .tls_pem = keys.path () + "/camera.pem" });
  ASSERT_TRUE (camera.start ());
  ASSERT_EQ (camera.uri ().rfind ("rtsps://", 0), 0u);

  TempDir dir;
  auto gateway = GatewayProcess::with_pipelines (dir, {
        { "trusting.yaml", "source:\n  uri: " + camera.uri ()
              + "\n  transport: tcp\n  tls-verify: false\n" },
        { "strict.yaml", "source:\n  uri: " + camera.uri ()
              + "\n  transport: tcp\n" } });
  ASSERT_TRUE (gateway->wait_running ("trusting")) << gateway->log ();
  Viewer viewer (gateway->url ("trusting"), "tcp");
  EXPECT_TRUE (viewer.wait_frames (10, 20s)) << viewer.error ();
  // The default checks the certificate: a self-signed camera is refused and
  // retried, with the reason in the log.
  EXPECT_TRUE (gateway->wait_for_log ("stream strict:", 10s));
  EXPECT_TRUE (gateway->wait_for_log ("retrying in", 10s)) << gateway->log ();
  EXPECT_EQ (gateway->log ().find ("stream strict: running"), std::string::npos)
      << gateway->log ();
  EXPECT_TRUE (gateway->wait_for_log ("stream strict: the camera's TLS "
          "certificate is not trusted", 5s)) << gateway->log ();
}
