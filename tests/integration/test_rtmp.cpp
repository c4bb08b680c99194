// RTMP publishers at the gateway's door (the outputs they feed are in
// test_published_outputs.cpp): the stream key (?user=&pass=) is checked
// against camgate's users and refused without the secret in the log, a
// stream that is not a publish stream and a second publisher are refused
// with the RTMP error status, and the publisher shows in the API and on the
// panel's tile. With TLS configured, RTMPS on a port of its own.
#include "auth/password_hash.h"
#include "commands.h"
#include "helpers.h"
#include "tls/self_signed.h"

#include <glib.h>
#include <gtest/gtest.h>

using namespace camgate;
using namespace camgate::testing;
using namespace std::chrono_literals;

namespace {

// ffmpeg publishing a live test picture and tone to `url` for `seconds`.
std::vector<std::string>
ffmpeg_publish (const std::string & url, int seconds)
{
  return { "ffmpeg", "-nostdin", "-loglevel", "error", "-re", "-f", "lavfi", "-i",
    "testsrc=size=320x240:rate=15", "-f", "lavfi", "-i",
    "sine=frequency=440:sample_rate=48000", "-t", std::to_string (seconds),
    "-c:v", "libx264", "-preset", "veryfast", "-g", "15", "-pix_fmt",
    "yuv420p", "-c:a", "aac", "-f", "flv", url };
}

// The same, run to its end (bounded): its exit status and what it said.
std::string
ffmpeg_publish_once (const std::string & url, int & status)
{
  std::string command = "timeout -s KILL 20";
  for (const auto & word : ffmpeg_publish (url, 5))
    command += " '" + word + "'";
  return run_command (command + " 2>&1", &status);
}

// The API's JSON without the pretty printer's spaces around colons.
std::string
compact (std::string json)
{
  for (size_t at; (at = json.find (" : ")) != std::string::npos;)
    json.replace (at, 3, ":");
  return json;
}

}  // namespace

TEST (Rtmp, PublishersAreCheckedRefusedAndShown)
{
  if (!have_program ("ffmpeg"))
    GTEST_SKIP () << "ffmpeg is not installed";
  TempDir dir, pipes;
  dir.write ("camgate.yaml", "pipelines: " + pipes.path () + "\n"
      "rtmp: { port: 0, app: ingest }\n"
      "users:\n"
      "  - name: ops\n    password-hash: \"" + hash_password ("ops-pw")
      + "\"\n    permissions: { \"*\": [admin] }\n"
      "  - name: enc\n    password-hash: \"" + hash_password ("enc-pw")
      + "\"\n    permissions: { studio: [publish] }\n"
      "  - name: viewer\n    password-hash: \"" + hash_password ("view-pw")
      + "\"\n    permissions: { \"*\": [read] }\n");
  pipes.write ("studio.yaml", "source: rtmp\n");
  pipes.write ("cam.yaml", "source: test\n");
  GatewayProcess gateway ({ "--config", dir.path () + "/camgate.yaml" });
  ASSERT_TRUE (gateway.ready ()) << gateway.log ();
  ASSERT_GT (gateway.rtmp_port (), 0) << gateway.log ();
  const std::string base = "rtmp://127.0.0.1:"
      + std::to_string (gateway.rtmp_port ()) + "/ingest/";

  // Refused, each with its reason in the log (never the password).
  struct Refusal
  {
    std::string path, logged;
  };
  for (const Refusal & r : std::vector<Refusal> {
          { "studio?user=enc&pass=wrong-secret-1",
            "wrong user or password for 'enc'" },
          { "studio?user=viewer&pass=view-pw",
            "'viewer' may not publish to 'studio'" },
          { "studio", "needs a user with the publish permission" },
          { "cam?user=ops&pass=ops-pw", "stream 'cam' takes no publisher" },
          { "nowhere?user=ops&pass=ops-pw", "no stream 'nowhere'" } }) {
    int status = -1;
    const std::string said = ffmpeg_publish_once (base + r.path, status);
    EXPECT_NE (status, 0) << r.path << ": " << said;
    EXPECT_TRUE (gateway.wait_for_log (r.logged, 5s)) << r.path << "\n"
        << gateway.log ();
  }
  EXPECT_EQ (gateway.log ().find ("wrong-secret-1"), std::string::npos);
  EXPECT_EQ (gateway.log ().find ("view-pw"), std::string::npos);
  // Another application name is refused too.
  {
    int status = -1;
    ffmpeg_publish_once ("rtmp://127.0.0.1:" + std::to_string
        (gateway.rtmp_port ()) + "/live/studio?user=enc&pass=enc-pw", status);
    EXPECT_NE (status, 0);
    EXPECT_TRUE (gateway.wait_for_log ("unknown application 'live'", 5s))
        << gateway.log ();
  }

  // The right key publishes; the API shows who.
  ChildProcess first (ffmpeg_publish (base + "studio?user=enc&pass=enc-pw",
          30));
  ASSERT_TRUE (gateway.wait_running ("studio")) << gateway.log ();
  const auto ops = std::vector<std::pair<std::string, std::string>> {
    { "Authorization", basic_auth ("ops", "ops-pw") } };
  HttpReply api;
  EXPECT_TRUE (wait_until ([&] {
        api = http_request (gateway.http_port (), "GET",
            "/api/v1/streams/studio", "", ops);
        api.body = compact (api.body);
        const size_t publisher = api.body.find ("\"publisher\":{");
        return publisher != std::string::npos && api.body.substr (publisher,
            api.body.find ('}', publisher) - publisher).find
            ("\"bitrate\":0") == std::string::npos;
      }, 10s)) << api.body;
  EXPECT_NE (api.body.find ("\"protocol\":\"RTMP\""), std::string::npos)
      << api.body;
  EXPECT_NE (api.body.find ("\"address\":\"127.0.0.1\""), std::string::npos)
      << api.body;
  EXPECT_NE (api.body.find ("\"since\":\""), std::string::npos) << api.body;

  // A second publisher is refused while the first goes on.
  {
    int status = -1;
    const std::string said = ffmpeg_publish_once (base
        + "studio?user=enc&pass=enc-pw", status);
    EXPECT_NE (status, 0) << said;
    EXPECT_TRUE (gateway.wait_for_log ("'studio' already has a publisher",
            5s)) << gateway.log ();
  }
  // The panel's tile names the publisher.
  const std::string panel = browser_command ("panel_tile.cjs");
  if (!panel.empty ()) {
    int status = -1;
    const std::string said = run_command (panel + " http://127.0.0.1:"
        + std::to_string (gateway.http_port ()) + "/ ops ops-pw studio "
        "'RTMP from 127.0.0.1' " + dir.path (), &status);
    EXPECT_EQ (status, 0) << said << gateway.log ();
  }
  Viewer rtsp ("rtsp://ops:ops-pw@127.0.0.1:"
      + std::to_string (gateway.rtsp_port ()) + "/studio", "tcp");
  EXPECT_TRUE (rtsp.wait_frames (10, 15s)) << rtsp.error () << gateway.log ();

  // The first one leaves: the slot is free for the next.
  first.stop ();
  EXPECT_TRUE (gateway.wait_for_log ("stream studio: RTMP publisher "
          "127.0.0.1 gone", 15s)) << gateway.log ();
  EXPECT_TRUE (wait_until ([&] {
        api = http_request (gateway.http_port (), "GET",
            "/api/v1/streams/studio", "", ops);
        return api.body.find ("\"publisher\"") == std::string::npos;
      }, 10s)) << api.body;
  ChildProcess next (ffmpeg_publish (base + "studio?user=enc&pass=enc-pw",
          20));
  EXPECT_TRUE (wait_until ([&] {
        return compact (http_request (gateway.http_port (), "GET",
                "/api/v1/streams/studio", "", ops).body).find ("\"protocol\":"
            "\"RTMP\"") != std::string::npos;
      }, 15s)) << gateway.log ();
}

namespace {

// A TCP connection to `port` that sends `bytes` (maybe none).
GSocketConnection *
raw_connection (int port, const std::string & bytes)
{
  GSocketClient *client = g_socket_client_new ();
  g_socket_client_set_timeout (client, 5);
  GSocketConnection *c = g_socket_client_connect_to_host (client,
      "127.0.0.1", port, nullptr, nullptr);
  g_object_unref (client);
  if (c && !bytes.empty ())
    g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM
            (c)), bytes.data (), bytes.size (), nullptr, nullptr, nullptr);
  return c;
}

// Whether the gateway closed `c` (reads end) within `timeout`.
bool
closed_by_gateway (GSocketConnection * c, std::chrono::seconds timeout)
{
  GSocket *socket = g_socket_connection_get_socket (c);
  g_socket_set_timeout (socket, static_cast<guint> (timeout.count ()));
  char buffer[4096];
  for (;;) {
    GError *error = nullptr;
    const gssize n = g_socket_receive (socket, buffer, sizeof buffer,
        nullptr, &error);
    const bool timed_out = g_error_matches (error, G_IO_ERROR,
        G_IO_ERROR_TIMED_OUT);
    g_clear_error (&error);
    if (n == 0 || (n < 0 && !timed_out))
      return true;
    if (n < 0)
      return false;
  }
}

}  // namespace

// Whatever comes to the RTMP port, the gateway bounds it: bytes that are
// not RTMP close the connection at once, connections beyond the limit are
// closed as they come, a silent one goes after 10 s, and the gateway
// serves on (a publisher then publishes).
TEST (Rtmp, HostileConnectionsAreBoundedAndReleased)
{
  TempDir dir;
  auto gateway = GatewayProcess::with_pipelines (dir, { { "live.yaml",
            "source: rtmp\n" } });
  ASSERT_TRUE (gateway->ready ()) << gateway->log ();
  const int port = gateway->rtmp_port ();

  GSocketConnection *http = raw_connection (port, "GET / HTTP/1.1\r\n\r\n");
  ASSERT_TRUE (http);
  EXPECT_TRUE (closed_by_gateway (http, std::chrono::seconds (5)));
  g_object_unref (http);

  std::vector<GSocketConnection *> idle;
  for (size_t i = 0; i < 64; i++)
    idle.push_back (raw_connection (port, i % 2 ? "\x03" : ""));
  GSocketConnection *extra = raw_connection (port, "");
  ASSERT_TRUE (extra);
  EXPECT_TRUE (closed_by_gateway (extra, std::chrono::seconds (5)));
  EXPECT_TRUE (gateway->wait_for_log ("already 64 connections", 5s));
  g_object_unref (extra);
  // The silent ones (half a handshake, or nothing) go after 10 s.
  for (GSocketConnection *c : idle) {
    ASSERT_TRUE (c);
    EXPECT_TRUE (closed_by_gateway (c, std::chrono::seconds (15)));
    g_object_unref (c);
  }

  if (have_program ("ffmpeg")) {
    int status = -1;
    ffmpeg_publish_once ("rtmp://127.0.0.1:" + std::to_string (port)
        + "/live/live", status);
    EXPECT_TRUE (gateway->wait_for_log ("stream live: RTMP publisher "
            "127.0.0.1 publishing", 5s)) << gateway->log ();
  }
  EXPECT_EQ (http_request (gateway->http_port (), "GET",
          "/api/v1/streams").status, 200);
}

TEST (Rtmp, RtmpsPublishersAreTakenWithTheGatewaysCertificate)
{
  if (!have_program ("ffmpeg"))
    GTEST_SKIP () << "ffmpeg is not installed";
  TempDir dir, pipes;
  std::string certificate, key, error;
  ASSERT_TRUE (ensure_self_signed (dir.path () + "/tls", certificate, key,
          error)) << error;
  dir.write ("camgate.yaml", "pipelines: " + pipes.path () + "\n"
      "tls:\n  certificate: " + certificate + "\n  key: " + key + "\n"
      "  https-port: 0\n  rtsps-port: 0\n"
      "users:\n"
      "  - name: enc\n    password-hash: \"" + hash_password ("enc-pw")
      + "\"\n    permissions: { studio: [publish, read] }\n");
  pipes.write ("studio.yaml", "source: rtmp\n");
  GatewayProcess gateway ({ "--config", dir.path () + "/camgate.yaml" });
  ASSERT_TRUE (gateway.ready ()) << gateway.log ();
  ASSERT_GT (gateway.rtmps_port (), 0) << gateway.log ();
  const std::string rtmps = "rtmps://127.0.0.1:"
      + std::to_string (gateway.rtmps_port ()) + "/live/studio";

  // Plain RTMP on the TLS port is not RTMPS: refused, nothing published.
  int status = -1;
  ffmpeg_publish_once ("rtmp://127.0.0.1:" + std::to_string
      (gateway.rtmps_port ()) + "/live/studio?user=enc&pass=enc-pw", status);
  EXPECT_NE (status, 0);
  // Over TLS, the key is checked as on the plain port.
  ffmpeg_publish_once (rtmps + "?user=enc&pass=wrong-secret-3", status);
  EXPECT_NE (status, 0);
  EXPECT_TRUE (gateway.wait_for_log ("wrong user or password for 'enc'", 5s))
      << gateway.log ();
  EXPECT_EQ (gateway.log ().find ("wrong-secret-3"), std::string::npos);

  ChildProcess publisher (ffmpeg_publish (rtmps + "?user=enc&pass=enc-pw",
          40));
  ASSERT_TRUE (gateway.wait_running ("studio")) << gateway.log ();
  EXPECT_NE (compact (http_request (gateway.http_port (), "GET",
              "/api/v1/streams/studio", {}, { { "Authorization",
                  basic_auth ("enc", "enc-pw") } }).body).find
      ("\"protocol\":\"RTMPS\""), std::string::npos);
  Viewer viewer ("rtsp://enc:enc-pw@127.0.0.1:" + std::to_string
      (gateway.rtsp_port ()) + "/studio", "tcp");
  EXPECT_TRUE (viewer.wait_frames (15, 20s)) << viewer.error ()
      << gateway.log ();
}
