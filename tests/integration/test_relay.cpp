// End to end: fake camera -> camgate -> real rtspsrc viewers.
#include "commands.h"
#include "fake_camera.h"
#include "helpers.h"

#include <gtest/gtest.h>

#include <gst/rtp/gstrtcpbuffer.h>
#include <gst/rtp/gstrtpbuffer.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <memory>
#include <mutex>
#include <optional>
#include <set>

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
  // client arriving in that moment must get a fresh one, not a 503. The
  // window is short: enough rounds that a machine under load hits it.
  for (int i = 0; i < 25; i++) {
    {
      RtspControl probe (gateway_->rtsp_port ());
      ASSERT_EQ (probe.request (GST_RTSP_DESCRIBE, gateway_->url ("cam"))
          .status, 200) << gateway_->log ();
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

namespace {

// What one rtspsrc viewer saw of the stream's RTP and RTCP: each video
// packet's arrival and RTP time, and each sender report's NTP and RTP times
// with its arrival.
class SenderReportWatch
{
public:
  struct Report
  {
    guint ssrc;
    gint64 arrival_us;
    guint64 ntp;
    guint32 rtp;
  };

  SenderReportWatch (const std::string & uri, const std::string & protocols)
  {
    pipeline_ = gst_pipeline_new (nullptr);
    GstElement *src = gst_element_factory_make ("rtspsrc", nullptr);
    gst_util_set_object_arg (G_OBJECT (src), "protocols", protocols.c_str ());
    g_object_set (src, "location", uri.c_str (), "latency", 0, nullptr);
    gst_bin_add (GST_BIN (pipeline_), src);
    g_signal_connect (src, "pad-added", G_CALLBACK (on_pad), this);
    g_signal_connect (src, "new-manager", G_CALLBACK (on_manager), this);
    gst_element_set_state (pipeline_, GST_STATE_PLAYING);
  }
  ~SenderReportWatch ()
  {
    gst_element_set_state (pipeline_, GST_STATE_NULL);
    gst_object_unref (pipeline_);
  }

  // The video SSRC's reports, and the video packets, so far.
  std::vector<Report> video_reports () const
  {
    std::lock_guard<std::mutex> lk (lock_);
    std::vector<Report> out;
    for (const auto & r : reports_)
      if (video_ssrc_ && r.ssrc == video_ssrc_)
        out.push_back (r);
    return out;
  }
  std::string describe () const
  {
    std::lock_guard<std::mutex> lk (lock_);
    std::string text = std::to_string (reports_.size ()) + " reports (";
    for (const auto & r : reports_)
      text += std::to_string (r.ssrc) + " at "
          + std::to_string ((r.arrival_us - created_us_) / 1000) + " ms, ";
    return text + "), video SSRC " + std::to_string (video_ssrc_) + ", "
        + std::to_string (packets_.size ()) + " video packets";
  }
  // The RTP time of the video packet that arrived closest to `at_us`.
  std::optional<guint32> rtp_near (gint64 at_us) const
  {
    std::lock_guard<std::mutex> lk (lock_);
    std::optional<guint32> best;
    gint64 best_gap = G_MAXINT64;
    for (const auto & [arrival, rtp] : packets_)
      if (std::llabs (arrival - at_us) < best_gap) {
        best_gap = std::llabs (arrival - at_us);
        best = rtp;
      }
    return best;
  }

  // Whether some video packet carried exactly this RTP time.
  bool is_packet_time (guint32 rtp_time) const
  {
    std::lock_guard<std::mutex> lk (lock_);
    return std::any_of (packets_.begin (), packets_.end (),
        [&](const auto & packet) { return packet.second == rtp_time; });
  }

private:
  static void on_pad (GstElement * src, GstPad * pad, gpointer data)
  {
    link_to_new_fakesink (src, pad);
    GstCaps *caps = gst_pad_get_current_caps (pad);
    const gchar *media = caps ? gst_structure_get_string
        (gst_caps_get_structure (caps, 0), "media") : nullptr;
    if (media && g_str_equal (media, "video"))
      gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_video, data,
          nullptr);
    if (caps)
      gst_caps_unref (caps);
  }
  static GstPadProbeReturn on_video (GstPad *, GstPadProbeInfo * info,
      gpointer data)
  {
    auto *self = static_cast<SenderReportWatch *> (data);
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    if (gst_rtp_buffer_map (GST_PAD_PROBE_INFO_BUFFER (info), GST_MAP_READ,
            &rtp)) {
      std::lock_guard<std::mutex> lk (self->lock_);
      self->video_ssrc_ = gst_rtp_buffer_get_ssrc (&rtp);
      self->packets_.emplace_back (g_get_monotonic_time (),
          gst_rtp_buffer_get_timestamp (&rtp));
      gst_rtp_buffer_unmap (&rtp);
    }
    return GST_PAD_PROBE_OK;
  }
  static void on_manager (GstElement *, GstElement * manager, gpointer data)
  {
    // Each session's RTCP as it arrives, read here rather than from the
    // source's stats (which keep only the latest report).
    g_signal_connect (manager, "on-new-ssrc", G_CALLBACK (on_new_ssrc), data);
  }
  static void on_new_ssrc (GstElement * rtpbin, guint session, guint,
      gpointer data)
  {
    auto *self = static_cast<SenderReportWatch *> (data);
    {
      std::lock_guard<std::mutex> lk (self->lock_);
      if (!self->sessions_.insert (session).second)
        return;
    }
    GObject *rtp_session = nullptr;
    g_signal_emit_by_name (rtpbin, "get-internal-session", session,
        &rtp_session);
    if (!rtp_session)
      return;
    g_signal_connect (rtp_session, "on-receiving-rtcp",
        G_CALLBACK (on_rtcp), data);
    g_object_unref (rtp_session);
  }
  static void on_rtcp (GObject *, GstBuffer * buffer, gpointer data)
  {
    auto *self = static_cast<SenderReportWatch *> (data);
    GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
    if (!gst_rtcp_buffer_map (buffer, GST_MAP_READ, &rtcp))
      return;
    GstRTCPPacket packet;
    for (gboolean more = gst_rtcp_buffer_get_first_packet (&rtcp, &packet);
        more; more = gst_rtcp_packet_move_to_next (&packet)) {
      if (gst_rtcp_packet_get_type (&packet) != GST_RTCP_TYPE_SR)
        continue;
      Report report { 0, g_get_monotonic_time (), 0, 0 };
      gst_rtcp_packet_sr_get_sender_info (&packet, &report.ssrc, &report.ntp,
          &report.rtp, nullptr, nullptr);
      std::lock_guard<std::mutex> lk (self->lock_);
      self->reports_.push_back (report);
    }
    gst_rtcp_buffer_unmap (&rtcp);
  }

  GstElement *pipeline_ = nullptr;
  mutable std::mutex lock_;
  guint video_ssrc_ = 0;
  std::vector<std::pair<gint64, guint32>> packets_;
  std::vector<Report> reports_;
  std::set<guint> sessions_;
  const gint64 created_us_ = g_get_monotonic_time ();
};

}  // namespace

TEST_F (Relay, ViewersGetSenderReportsThatMatchTheVideo)
{
  // RTCP sender reports let a player map RTP time to wall-clock time (lip
  // sync, and aligning cameras). Each viewer, over UDP and over TCP, gets
  // them every few seconds for as long as it watches (a UDP viewer joining
  // a TCP one could leave a sink of the shared media paused, and the
  // reports stopped after the first two or three); their RTP times advance
  // with their NTP times at the clock rate, and match the RTP times of the
  // video arriving with them.
  SenderReportWatch udp (gateway_->url ("cam"), "udp");
  SenderReportWatch tcp (gateway_->url ("cam"), "tcp");
  for (auto *watch : { &udp, &tcp }) {
    const char *name = watch == &udp ? "udp" : "tcp";
    // (RTCP's interval is randomised, 0.5-1.5 x 5 s after a random first
    // one: five reports may take over 30 s on a loaded machine.)
    ASSERT_TRUE (wait_until ([&]() {
          return watch->video_reports ().size () >= 5; }, 50s)) << name
        << ": " << watch->describe ();
    const auto reports = watch->video_reports ();
    for (size_t i = 1; i < reports.size (); i++) {
      const auto & a = reports[i - 1], & b = reports[i];
      EXPECT_LT (b.arrival_us - a.arrival_us, 12 * G_USEC_PER_SEC) << name;
      const double ntp_s = (double) (b.ntp - a.ntp) / 4294967296.0;
      const double rtp_s = (guint32) (b.rtp - a.rtp) / 90000.0;
      // The relay times packets by their arrival, so each report's RTP time
      // carries the arrival jitter of the packet it was interpolated from
      // (4 ms seen with two cores and four busy loops).
      EXPECT_NEAR (ntp_s, rtp_s, 0.020) << name << " report " << i;
    }
    // Over the whole span, RTP time advances at the clock rate.
    const auto & first = reports.front (), & last = reports.back ();
    const double ntp_span_s = (double) (last.ntp - first.ntp) / 4294967296.0;
    const double rtp_span_s = (guint32) (last.rtp - first.rtp) / 90000.0;
    EXPECT_NEAR (rtp_span_s / ntp_span_s, 1.0, 0.005) << name;
    // A sender that cannot interpolate (it did not know the clock rate of
    // the relayed SSRC) pairs each report's NTP time with the last packet's
    // RTP time, off by up to a frame; an interpolated one is almost never a
    // packet's time.
    const auto interpolated = std::count_if (reports.begin (), reports.end (),
        [&](const auto & r) { return !watch->is_packet_time (r.rtp); });
    EXPECT_GE (interpolated, (long) reports.size () - 1) << name;
    for (const auto & r : reports) {
      auto rtp = watch->rtp_near (r.arrival_us);
      ASSERT_TRUE (rtp) << name;
      const double off_s = (gint32) (r.rtp - *rtp) / 90000.0;
      EXPECT_LT (std::abs (off_s), 0.5) << name << ": the report's RTP time "
          "is " << off_s << " s from the video's";
    }
  }
}
