// What anyone who can reach a port can do to the gateway: keep-alive
// sockets, endless RTSP headers, forged session ids, replayed Digest
// answers, malformed RTP from a publisher. Each of these once hurt it.
#include "fake_camera.h"
#include "helpers.h"

#include <gio/gio.h>
#include <gst/app/gstappsink.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

using namespace camgate::testing;
using namespace std::chrono_literals;

namespace {

// A plain TCP connection speaking HTTP/1.1 with keep-alive.
class KeepAliveClient
{
public:
  explicit KeepAliveClient (int port)
  {
    GSocketClient *client = g_socket_client_new ();
    g_socket_client_set_timeout (client, 5);
    conn_ = g_socket_client_connect_to_host (client, "127.0.0.1", port,
        nullptr, nullptr);
    g_object_unref (client);
  }
  ~KeepAliveClient ()
  {
    if (conn_)
      g_object_unref (conn_);
  }
  bool connected () const { return conn_ != nullptr; }

  // Sends a GET and reads its whole response (Content-Length bodies only);
  // the status, 0 on failure.
  int get (const std::string & target)
  {
    std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1"
        "\r\n\r\n";
    GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (conn_));
    if (!g_output_stream_write_all (out, request.data (), request.size (),
            nullptr, nullptr, nullptr))
      return 0;
    GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (conn_));
    std::string raw;
    char buffer[4096];
    size_t end = std::string::npos;
    while ((end = raw.find ("\r\n\r\n")) == std::string::npos) {
      gssize n = g_input_stream_read (in, buffer, sizeof buffer, nullptr,
          nullptr);
      if (n <= 0)
        return 0;
      raw.append (buffer, n);
    }
    std::string lower = g_ascii_strdown (raw.substr (0, end).c_str (), -1);
    auto at = lower.find ("content-length:");
    size_t length = at == std::string::npos ? 0
        : std::strtoul (lower.c_str () + at + 15, nullptr, 10);
    while (raw.size () < end + 4 + length) {
      gssize n = g_input_stream_read (in, buffer, sizeof buffer, nullptr,
          nullptr);
      if (n <= 0)
        return 0;
      raw.append (buffer, n);
    }
    return std::atoi (raw.c_str () + 9);
  }

private:
  GSocketConnection *conn_ = nullptr;
};

}  // namespace

TEST (HostileClients, KeepAliveConnectionsClosedByTheClientAreReleased)
{
  TempDir dir;
  auto gateway = GatewayProcess::with_pipelines (dir, { { "cam.yaml",
            "source: test\n" } });
  ASSERT_TRUE (gateway->ready ()) << gateway->log ();
  ASSERT_TRUE (gateway->wait_running ("cam")) << gateway->log ();
  const int before = gateway->open_sockets ();
  ASSERT_GT (before, 0);

  // Every kind of answer: a 404, the API, a player page; two requests per
  // connection, then the client goes away as browsers and curl do.
  for (int i = 0; i < 150; i++) {
    KeepAliveClient client (gateway->http_port ());
    ASSERT_TRUE (client.connected ());
    EXPECT_EQ (client.get ("/nothing/" + std::to_string (i)), 404);
    EXPECT_EQ (client.get (i % 2 ? "/api/v1/streams" : "/cam/webrtc"), 200);
  }
  EXPECT_TRUE (wait_until ([&] {
        return gateway->open_sockets () <= before;
      }, 5s)) << gateway->open_sockets () << " sockets open, " << before
      << " before";

  // A connection the client keeps is still served, request after request.
  KeepAliveClient kept (gateway->http_port ());
  for (int i = 0; i < 5; i++)
    EXPECT_EQ (kept.get ("/api/v1/streams"), 200);
  EXPECT_TRUE (gateway->running ());
}

TEST (HostileClients, LinksInARecordingsFolderAreNeitherListedNorServed)
{
  TempDir dir, recordings;
  auto gateway = GatewayProcess::with_pipelines (dir, {
        { "cam.yaml", "source: test\nrecord: { segment: 2s }\n" },
        { "other.yaml", "source: test\nrecord: { segment: 2s }\n" } },
      { "--recordings", recordings.path () });
  ASSERT_TRUE (gateway->wait_running ("cam")) << gateway->log ();
  ASSERT_TRUE (gateway->wait_running ("other")) << gateway->log ();
  // Another stream's recording, and a file outside the recordings.
  std::string victim;
  ASSERT_TRUE (wait_until ([&] {
        GDir *d = g_dir_open ((recordings.path () + "/other").c_str (), 0,
            nullptr);
        if (!d)
          return false;
        while (const gchar *day = g_dir_read_name (d))
          victim = recordings.path () + "/other/" + day;
        g_dir_close (d);
        return !victim.empty ();
      }, 10s));
  std::string cam = recordings.path () + "/cam";
  ASSERT_TRUE (wait_until ([&] {
        return g_file_test (cam.c_str (), G_FILE_TEST_IS_DIR); }, 10s));
  std::string victim_file;
  ASSERT_TRUE (wait_until ([&] {
        GDir *d = g_dir_open (victim.c_str (), 0, nullptr);
        while (const gchar *name = d ? g_dir_read_name (d) : nullptr)
          if (g_str_has_suffix (name, ".mp4"))
            victim_file = victim + "/" + name;
        if (d)
          g_dir_close (d);
        return !victim_file.empty ();
      }, 10s));
  ASSERT_EQ (symlink (victim.c_str (), (cam + "/stolen-day").c_str ()), 0);
  ASSERT_EQ (symlink (victim_file.c_str (), (cam + "/stolen.mp4").c_str ()),
      0);
  ASSERT_EQ (symlink ("/etc/passwd", (cam + "/passwd.mp4").c_str ()), 0);

  auto listing = http_request (gateway->http_port (), "GET",
      "/api/v1/recordings/cam");
  ASSERT_EQ (listing.status, 200) << listing.body;
  EXPECT_EQ (listing.body.find ("stolen"), std::string::npos) << listing.body;
  EXPECT_EQ (listing.body.find ("passwd"), std::string::npos) << listing.body;
  // Deleting through the link is refused like any file not listed.
  auto remove = http_request (gateway->http_port (), "DELETE",
      "/api/v1/recordings/cam/files/passwd.mp4");
  EXPECT_NE (remove.status, 200) << remove.body;
  EXPECT_TRUE (g_file_test ("/etc/passwd", G_FILE_TEST_EXISTS));
}

TEST (HostileClients, AnRtspSessionIdWorksOnlyOnItsOwnConnection)
{
  TempDir dir;
  auto gateway = GatewayProcess::with_pipelines (dir, { { "cam.yaml",
            "source: test\n" } });
  ASSERT_TRUE (gateway->wait_running ("cam")) << gateway->log ();
  const std::string url = gateway->url ("cam");
  RtspControl owner (gateway->rtsp_port ());
  ASSERT_EQ (owner.request (GST_RTSP_DESCRIBE, url).status, 200);
  auto setup = owner.request (GST_RTSP_SETUP, url + "/stream=0",
      { { "Transport", "RTP/AVP/TCP;unicast;interleaved=0-1" } });
  ASSERT_EQ (setup.status, 200);
  // 96 random bits, not g_random's 16 letters.
  EXPECT_TRUE (std::regex_match (setup.session, std::regex ("[0-9a-f]{24}")))
      << setup.session;
  ASSERT_EQ (owner.request (GST_RTSP_PLAY, url,
          { { "Session", setup.session } }).status, 200);

  RtspControl stranger (gateway->rtsp_port ());
  for (auto method : { GST_RTSP_GET_PARAMETER, GST_RTSP_SET_PARAMETER,
          GST_RTSP_PAUSE, GST_RTSP_PLAY, GST_RTSP_TEARDOWN })
    EXPECT_EQ (stranger.request (method, url,
            { { "Session", setup.session } }).status, 454)
        << gst_rtsp_method_as_text (method);
  EXPECT_EQ (stranger.request (GST_RTSP_SETUP, url + "/stream=0",
          { { "Session", setup.session },
            { "Transport", "RTP/AVP/TCP;unicast;interleaved=2-3" } }).status,
      454);
  // The owner's session is untouched.
  EXPECT_EQ (owner.request (GST_RTSP_GET_PARAMETER, url,
          { { "Session", setup.session } }).status, 200);
  EXPECT_EQ (owner.request (GST_RTSP_TEARDOWN, url,
          { { "Session", setup.session } }).status, 200);
}

TEST (HostileClients, AnRtspViewerThatStopsReadingHoldsUpNoOtherViewer)
{
  TempDir dir;
  // 6 Mbit/s (noise), so a viewer that stops reading fills the gateway's
  // socket buffer and its backlog within seconds.
  auto gateway = GatewayProcess::with_pipelines (dir, { { "cam.yaml",
            "source:\n  pipeline: >-\n    videotestsrc is-live=true "
            "pattern=snow ! video/x-raw,width=640,height=360,framerate=25/1 "
            "! x264enc tune=zerolatency speed-preset=ultrafast bitrate=6000 "
            "key-int-max=25 ! h264parse\n" } });
  ASSERT_TRUE (gateway->wait_running ("cam")) << gateway->log ();
  const std::string url = gateway->url ("cam");
  // A TCP viewer that plays and then never reads.
  RtspControl stalled (gateway->rtsp_port ());
  stalled.set_receive_buffer (4096);
  ASSERT_EQ (stalled.request (GST_RTSP_DESCRIBE, url).status, 200);
  auto setup = stalled.request (GST_RTSP_SETUP, url + "/stream=0",
      { { "Transport", "RTP/AVP/TCP;unicast;interleaved=0-1" } });
  ASSERT_EQ (setup.status, 200);
  ASSERT_EQ (stalled.request (GST_RTSP_PLAY, url,
          { { "Session", setup.session } }).status, 200);
  const auto stalled_since = std::chrono::steady_clock::now ();

  // The only other viewer takes UDP: while a healthy TCP viewer reads,
  // gst-rtsp-server drops the stalled one once its backlog overflows.
  Viewer udp (url, "udp");
  ASSERT_TRUE (udp.wait_frames (5, 20s)) << udp.error ();
  // Before, once the stalled viewer's backlog was full (~4 s), every other
  // viewer of the stream froze for as long as that session lived.
  std::this_thread::sleep_until (stalled_since + 8s);
  const int before = udp.frames ();
  std::this_thread::sleep_for (5s);
  EXPECT_GE (udp.frames () - before, 75) << gateway->log ();
}

namespace {

// Real H.264 RTP packets (SPS/PPS in band, PT 96), as a publisher sends them.
std::vector<std::vector<guint8>>
h264_rtp_packets (int frames, guint32 ssrc)
{
  std::string launch = "videotestsrc num-buffers=" + std::to_string (frames)
      + " ! video/x-raw,width=320,height=240,framerate=15/1 ! x264enc "
      "tune=zerolatency key-int-max=15 ! rtph264pay pt=96 config-interval=-1 "
      "ssrc=" + std::to_string (ssrc) + " ! appsink name=out sync=false";
  GstElement *pipeline = gst_parse_launch (launch.c_str (), nullptr);
  std::vector<std::vector<guint8>> packets;
  if (!pipeline)
    return packets;
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "out");
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  while (GstSample *sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink),
          5 * GST_SECOND)) {
    GstMapInfo map;
    GstBuffer *buffer = gst_sample_get_buffer (sample);
    if (gst_buffer_map (buffer, &map, GST_MAP_READ)) {
      packets.emplace_back (map.data, map.data + map.size);
      gst_buffer_unmap (buffer, &map);
    }
    gst_sample_unref (sample);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  return packets;
}

// Every way an RTP packet can be wrong, made from a valid one.
std::vector<std::vector<guint8>>
malformed_rtp (const std::vector<guint8> & valid)
{
  std::vector<std::vector<guint8>> bad;
  auto changed = [&](auto change) {
    auto packet = valid;
    change (packet);
    bad.push_back (packet);
  };
  changed ([](auto & p) { p[8] ^= 0xff; });                 // another SSRC
  changed ([](auto & p) { p[1] = (p[1] & 0x80) | 97; });     // another PT
  changed ([](auto & p) { p[1] = (p[1] & 0x80) | 127; });
  changed ([](auto & p) { p[1] = 200; });                    // RTCP on RTP
  for (guint8 version : { 0, 1, 3 })
    changed ([&](auto & p) { p[0] = (p[0] & 0x3f) | (version << 6); });
  changed ([](auto & p) { p[0] |= 0x0f; p.resize (16); });   // 15 CSRCs
  changed ([](auto & p) {                                    // extension
        p[0] |= 0x10; p.resize (20); p[14] = 0xff; p[15] = 0xff; });
  changed ([](auto & p) { p[0] |= 0x20; p.back () = 0xff; }); // padding
  changed ([](auto & p) { p.resize (13); });                 // no payload
  changed ([](auto & p) { p.resize (5); });                  // no header
  bad.push_back ({});
  // Noise behind a header that passes every check: the announced SSRC and
  // payload type with random sequence numbers, timestamps, marker bits and
  // payload (seeded, so a failure can be replayed).
  GRand *rand = g_rand_new_with_seed (20261203);
  for (int i = 0; i < 64; i++)
    changed ([&](auto & p) {
          p[1] = (p[1] & 0x7f) | (g_rand_boolean (rand) ? 0x80 : 0);
          for (size_t at = 2; at < p.size (); at++)
            if (at < 8 || at >= 12)
              p[at] = g_rand_int_range (rand, 0, 256);
        });
  g_rand_free (rand);
  return bad;
}

}  // namespace

TEST (HostileClients, MalformedRtpFromAPublisherIsDropped)
{
  TempDir dir;
  auto gateway = GatewayProcess::with_pipelines (dir, { { "live.yaml",
            "source: publish\n" } });
  ASSERT_TRUE (gateway->ready ()) << gateway->log ();
  const std::string url = gateway->url ("live");
  auto packets = h264_rtp_packets (135, 0x1234);     // 9 s at 15 fps
  ASSERT_GT (packets.size (), 135u);
  auto malformed = malformed_rtp (packets[0]);

  RtspControl publisher (gateway->rtsp_port ());
  ASSERT_EQ (publisher.request (GST_RTSP_ANNOUNCE, url,
          { { "Content-Type", "application/sdp" } }, kAnnounceSdp).status, 200);
  auto setup = publisher.request (GST_RTSP_SETUP, url + "/stream=0",
      { { "Transport", "RTP/AVP/TCP;unicast;interleaved=0-1;mode=record" } });
  ASSERT_EQ (setup.status, 200) << gateway->log ();
  ASSERT_EQ (publisher.request (GST_RTSP_RECORD, url,
          { { "Session", setup.session } }).status, 200);

  // Frames at their pace; from the 3rd to the 6th second, every packet
  // comes with malformed ones (on the RTP channel, the RTCP channel and a
  // channel nobody set up).
  std::atomic<bool> fuzzing { false }, sent_all { false }, send_failed { false };
  std::thread sender ([&] {
        size_t next_bad = 0;
        guint32 last_timestamp = 0;
        auto start = std::chrono::steady_clock::now ();
        int frame = 0;
        for (const auto & packet : packets) {
          guint32 timestamp = GST_READ_UINT32_BE (packet.data () + 4);
          if (timestamp != last_timestamp) {
            last_timestamp = timestamp;
            std::this_thread::sleep_until (start + frame++ * 66ms);
          }
          fuzzing = frame >= 45 && frame < 90;
          if (fuzzing) {
            for (int i = 0; i < 6; i++, next_bad++) {
              const auto & bad = malformed[next_bad % malformed.size ()];
              send_failed = send_failed || !publisher.send_data (0, bad)
                  || !publisher.send_data (1, bad)
                  || !publisher.send_data (7, bad);
            }
          }
          send_failed = send_failed || !publisher.send_data (0, packet);
        }
        sent_all = true;
      });

  EXPECT_TRUE (gateway->wait_for_log ("stream live: running", 10s))
      << gateway->log ();
  Viewer viewer (url, "tcp");
  EXPECT_TRUE (viewer.wait_frames (10, 10s)) << viewer.error ();
  EXPECT_TRUE (wait_until ([&] { return fuzzing.load (); }, 10s));
  EXPECT_TRUE (wait_until ([&] { return !fuzzing || sent_all; }, 15s));
  // Valid packets after the malformed ones still reach the viewer.
  int after_fuzz = viewer.frames ();
  EXPECT_TRUE (viewer.wait_frames (after_fuzz + 15, 10s)) << viewer.error ()
      << gateway->log ();
  sender.join ();
  EXPECT_FALSE (send_failed);
  ASSERT_TRUE (gateway->running ()) << gateway->log ();
  EXPECT_EQ (publisher.request (GST_RTSP_GET_PARAMETER, url,
          { { "Session", setup.session } }).status, 200);
  EXPECT_TRUE (gateway->wait_for_log ("stream live: dropping RTP packets on "
          "track 0", 1s));
}

namespace {

// True once the peer has closed `connection` (read gives EOF or an error),
// checked until `timeout`.
bool
closed_by_peer (GSocketConnection * connection, std::chrono::seconds timeout)
{
  GSocket *socket = g_socket_connection_get_socket (connection);
  g_socket_set_timeout (socket, 1);
  auto deadline = std::chrono::steady_clock::now () + timeout;
  char buffer[4096];
  while (std::chrono::steady_clock::now () < deadline) {
    GError *error = nullptr;
    gssize n = g_socket_receive (socket, buffer, sizeof buffer, nullptr,
        &error);
    if (n == 0)
      return true;
    if (n < 0) {
      bool timed_out = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
      g_clear_error (&error);
      if (!timed_out)
        return true;
    }
  }
  return false;
}

GSocketConnection *
connect_to (int port)
{
  GSocketClient *client = g_socket_client_new ();
  g_socket_client_set_timeout (client, 5);
  GSocketConnection *connection = g_socket_client_connect_to_host (client,
      "127.0.0.1", port, nullptr, nullptr);
  g_object_unref (client);
  return connection;
}

}  // namespace

TEST (HostileClients, EndlessSlowAndIdleRtspConnectionsAreClosed)
{
  TempDir dir, settings;
  settings.write ("gateway.yaml", "read-timeout: 2s\n");
  auto gateway = GatewayProcess::with_pipelines (dir, { { "cam.yaml",
            "source: test\n" } },
      { "--config", settings.path () + "/gateway.yaml" });
  ASSERT_TRUE (gateway->wait_running ("cam")) << gateway->log ();
  const int port = gateway->rtsp_port ();
  // A player over TCP: it has a session and sends no requests; never closed.
  Viewer viewer (gateway->url ("cam"), "tcp");
  ASSERT_TRUE (viewer.wait_frames (5, 20s)) << viewer.error ();

  // Header lines without end: closed long before 64 MiB are accepted.
  GSocketConnection *endless = connect_to (port);
  ASSERT_NE (endless, nullptr);
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (endless));
  std::string start = "OPTIONS " + gateway->url ("cam") + " RTSP/1.0\r\n"
      "CSeq: 1\r\n";
  std::string lines;
  while (lines.size () < 64 * 1024)
    lines += "X-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
  size_t sent = 0;
  bool refused = !g_output_stream_write_all (out, start.data (), start.size (),
      nullptr, nullptr, nullptr);
  g_socket_set_timeout (g_socket_connection_get_socket (endless), 5);
  auto flood_start = std::chrono::steady_clock::now ();
  while (!refused && sent < 64u * 1024 * 1024
      && std::chrono::steady_clock::now () - flood_start < 30s) {
    refused = !g_output_stream_write_all (out, lines.data (), lines.size (),
        nullptr, nullptr, nullptr);
    if (!refused)
      sent += lines.size ();
  }
  EXPECT_TRUE (refused) << sent << " bytes of header lines accepted";
  EXPECT_LT (sent, 32u * 1024 * 1024);
  g_object_unref (endless);

  // A request that never ends, and a connection that never says anything.
  GSocketConnection *slow = connect_to (port);
  GSocketConnection *idle = connect_to (port);
  ASSERT_TRUE (slow && idle);
  std::string partial = "OPTIONS " + gateway->url ("cam") + " RTSP/1.0\r\n";
  ASSERT_TRUE (g_output_stream_write_all (g_io_stream_get_output_stream (
              G_IO_STREAM (slow)), partial.data (), partial.size (), nullptr,
          nullptr, nullptr));
  auto since = std::chrono::steady_clock::now ();
  EXPECT_TRUE (closed_by_peer (slow, 10s)) << gateway->log ();
  EXPECT_GE (std::chrono::steady_clock::now () - since, 1500ms);
  EXPECT_TRUE (closed_by_peer (idle, 20s)) << gateway->log ();
  g_object_unref (slow);
  g_object_unref (idle);

  // Served clients are not affected.
  int frames = viewer.frames ();
  EXPECT_TRUE (viewer.wait_frames (frames + 10, 10s)) << viewer.error ();
  RtspControl fresh (port);
  EXPECT_EQ (fresh.request (GST_RTSP_OPTIONS, gateway->url ("cam")).status, 200);
  EXPECT_TRUE (gateway->running ());
}

namespace {

// The sockets of process `pid` (TCP and UDP, IPv4 and IPv6) bound to an
// address other than loopback, as "udp 0.0.0.0:port" lines.
std::vector<std::string>
sockets_off_loopback (int pid)
{
  std::set<std::string> inodes;
  const std::string fd_dir = "/proc/" + std::to_string (pid) + "/fd";
  if (GDir *dir = g_dir_open (fd_dir.c_str (), 0, nullptr)) {
    while (const gchar *name = g_dir_read_name (dir)) {
      g_autofree gchar *target = g_file_read_link ((fd_dir + "/" + name).c_str (),
          nullptr);
      std::string link = target ? target : "";
      if (link.rfind ("socket:[", 0) == 0)
        inodes.insert (link.substr (8, link.size () - 9));
    }
    g_dir_close (dir);
  }
  // Local addresses as /proc prints them: 127.0.0.1, ::1, ::ffff:127.0.0.1.
  static const std::set<std::string> loopback { "0100007F",
    "00000000000000000000000001000000", "0000000000000000FFFF00000100007F" };
  std::vector<std::string> off;
  for (const char *table : { "tcp", "tcp6", "udp", "udp6" }) {
    std::ifstream in ("/proc/" + std::to_string (pid) + "/net/" + table);
    std::string line;
    std::getline (in, line);
    while (std::getline (in, line)) {
      std::istringstream fields (line);
      std::string slot, local, remote, state, queues, timer, retransmits, uid,
          timeout, inode;
      fields >> slot >> local >> remote >> state >> queues >> timer
          >> retransmits >> uid >> timeout >> inode;
      const size_t colon = local.find (':');
      if (!inodes.count (inode) || colon == std::string::npos)
        continue;
      const std::string address = local.substr (0, colon);
      const unsigned port = std::stoul (local.substr (colon + 1), nullptr, 16);
      if (port != 0 && !loopback.count (address))
        off.push_back (std::string (table) + " " + address + ":"
            + std::to_string (port));
    }
  }
  return off;
}

}  // namespace

// --bind 127.0.0.1 (the default) holds for every socket: RTP/RTCP over UDP
// towards a camera, a viewer and a publisher, as well as the listeners.
// (ONVIF discovery, which must hear the LAN, is off.)
TEST (HostileClients, EverySocketStaysOnTheBindAddress)
{
  FakeCamera camera;
  ASSERT_TRUE (camera.start ());
  TempDir dir, settings;
  settings.write ("gateway.yaml", "onvif: { discovery: false }\n");
  auto gateway = GatewayProcess::with_pipelines (dir, { { "cam.yaml",
            "source: { uri: " + camera.uri () + ", transport: udp }\n" },
          { "live.yaml", "source: publish\n" } },
      { "--config", settings.path () + "/gateway.yaml" });
  ASSERT_TRUE (gateway->wait_running ("cam")) << gateway->log ();
  Viewer viewer (gateway->url ("cam"), "udp");
  ASSERT_TRUE (viewer.wait_frames (10, 20s)) << viewer.error ()
      << gateway->log ();
  Publisher publisher (gateway->url ("live"), "udp");
  ASSERT_TRUE (gateway->wait_running ("live")) << gateway->log ();
  Viewer published (gateway->url ("live"), "udp");
  ASSERT_TRUE (published.wait_frames (5, 20s)) << published.error ()
      << gateway->log ();
  auto off = sockets_off_loopback (gateway->pid ());
  std::string listing;
  for (const auto & socket : off)
    listing += socket + "\n";
  EXPECT_TRUE (off.empty ()) << listing;
}
