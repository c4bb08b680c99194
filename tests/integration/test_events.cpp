// The gateway's events as a client outside it reads them: Server-Sent Events
// at /api/v1/events, each client seeing only the streams it may.
#include "auth/password_hash.h"
#include "fake_camera.h"
#include "helpers.h"

#include <gio/gio.h>
#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <string>

using namespace camgate::testing;
using camgate::digest_ha1;
using camgate::hash_password;
using namespace std::chrono_literals;

namespace {

// An event-stream reader on a plain socket: what it read so far, as text.
class EventReader
{
public:
  EventReader (int port, const std::string & headers = "")
  {
    GSocketClient *client = g_socket_client_new ();
    g_socket_client_set_timeout (client, 10);
    conn_ = g_socket_client_connect_to_host (client, "127.0.0.1", port,
        nullptr, nullptr);
    g_object_unref (client);
    if (!conn_)
      return;
    const std::string request = "GET /api/v1/events HTTP/1.1\r\n"
        "Host: 127.0.0.1\r\nAccept: text/event-stream\r\n" + headers + "\r\n";
    g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM
            (conn_)), request.data (), request.size (), nullptr, nullptr,
        nullptr);
  }
  ~EventReader ()
  {
    if (conn_)
      g_object_unref (conn_);
  }

  // Reads until `pattern` matches what was read, or `limit` passes.
  bool wait_for (const std::string & pattern, std::chrono::milliseconds limit)
  {
    const std::regex re (pattern);
    const auto end = std::chrono::steady_clock::now () + limit;
    GSocket *socket = conn_ ? g_socket_connection_get_socket (conn_) : nullptr;
    while (socket) {
      if (std::regex_search (text_, re))
        return true;
      const auto left = std::chrono::duration_cast<std::chrono::microseconds>
          (end - std::chrono::steady_clock::now ()).count ();
      if (left <= 0 || !g_socket_condition_timed_wait (socket, G_IO_IN, left,
              nullptr, nullptr))
        return false;
      char buffer[4096];
      const gssize got = g_socket_receive (socket, buffer, sizeof buffer,
          nullptr, nullptr);
      if (got <= 0)
        return std::regex_search (text_, re);
      text_.append (buffer, got);
    }
    return false;
  }
  const std::string & text () const { return text_; }

private:
  GSocketConnection *conn_ = nullptr;
  std::string text_;
};

std::string
bearer (const std::string & user, const std::string & password)
{
  return "Authorization: " + basic_auth (user, password) + "\r\n";
}

}  // namespace

TEST (Events, StreamStatesAndPublishersReachTheClientsThatMaySeeThem)
{
  FakeCamera camera;
  ASSERT_TRUE (camera.start ());
  TempDir dir, pipes;
  pipes.write ("cam.yaml", "source:\n  uri: " + camera.uri () + "\n");
  pipes.write ("live.yaml", "source: publish\n");
  dir.write ("gateway.yaml", "pipelines: " + pipes.path () + "\nusers:\n"
      "  - name: ops\n    password-hash: \"" + hash_password ("ops-pw")
      + "\"\n    rtsp-digest: \"" + digest_ha1 ("ops", "ops-pw") + "\"\n"
      "    permissions: { \"*\": [admin] }\n"
      "  - name: guard\n    password-hash: \"" + hash_password ("guard-pw")
      + "\"\n    permissions: { live: [read] }\n");
  GatewayProcess gateway ({ "--config", dir.path () + "/gateway.yaml" });
  ASSERT_TRUE (gateway.wait_for_log ("stream cam: running", 15s))
      << gateway.log ();
  const int port = gateway.http_port ();

  // Without credentials: refused like the rest of the API.
  EventReader anonymous (port);
  EXPECT_TRUE (anonymous.wait_for ("^HTTP/1.1 401", 10s)) << anonymous.text ();

  // Reconnecting from id 0 replays what the gateway kept: the start-up.
  EventReader ops (port, bearer ("ops", "ops-pw") + "Last-Event-ID: 0\r\n");
  EXPECT_TRUE (ops.wait_for ("text/event-stream", 10s)) << ops.text ();
  EXPECT_TRUE (ops.wait_for ("id: [0-9]+\nevent: stream.state\ndata: \\{[^\n]*"
          "\"stream\":\"cam\",\"state\":\"running\"", 10s)) << ops.text ();
  EventReader guard (port, bearer ("guard", "guard-pw"));
  EXPECT_TRUE (guard.wait_for ("text/event-stream", 10s)) << guard.text ();

  // The camera vanishes and comes back.
  camera.stop ();
  EXPECT_TRUE (ops.wait_for ("\"stream\":\"cam\",\"state\":\"retrying\","
          "\"error\":\"[^\"]+\"", 20s)) << ops.text () << gateway.log ();
  ASSERT_TRUE (camera.start ());
  EXPECT_TRUE (ops.wait_for ("retrying[^]*\"stream\":\"cam\",\"state\":"
          "\"running\"", 20s)) << ops.text () << gateway.log ();

  // A publisher comes and goes.
  {
    Publisher publisher ("rtsp://ops:ops-pw@127.0.0.1:"
        + std::to_string (gateway.rtsp_port ()) + "/live");
    EXPECT_TRUE (guard.wait_for ("event: publisher.connected\ndata: \\{[^\n]*"
            "\"stream\":\"live\",\"protocol\":\"RTSP\",\"address\":"
            "\"127.0.0.1\"", 15s)) << guard.text () << gateway.log ();
  }
  EXPECT_TRUE (guard.wait_for ("event: publisher.gone\ndata: \\{[^\n]*"
          "\"stream\":\"live\",\"protocol\":\"RTSP\"", 15s)) << guard.text ();
  EXPECT_TRUE (ops.wait_for ("event: publisher.gone", 5s)) << ops.text ();
  // The guard may watch `live` only: nothing of `cam` reached it.
  EXPECT_EQ (guard.text ().find ("\"cam\""), std::string::npos)
      << guard.text ();
  // Ids only grow.
  std::regex id_line ("\nid: ([0-9]+)\n");
  long previous = 0;
  const std::string all = ops.text ();
  for (auto it = std::sregex_iterator (all.begin (), all.end (), id_line);
      it != std::sregex_iterator (); ++it) {
    const long id = std::stol ((*it)[1]);
    EXPECT_GT (id, previous) << all;
    previous = id;
  }
  EXPECT_GT (previous, 0) << all;
}
