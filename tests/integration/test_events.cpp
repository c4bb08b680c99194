// The gateway's events as a client outside it reads them: Server-Sent Events
// at /api/v1/events, each client seeing only the streams it may.
#include "auth/password_hash.h"
#include "commands.h"
#include "fake_camera.h"
#include "helpers.h"
#include "loopback_http.h"

#include <gio/gio.h>
#include <gtest/gtest.h>
#include <libsoup/soup.h>

#include <chrono>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

using namespace camgate::testing;
using camgate::digest_ha1;
using camgate::hash_password;
using namespace std::chrono_literals;

namespace {

std::string
bearer (const std::string & user, const std::string & password)
{
  return "Authorization: " + basic_auth (user, password) + "\r\n";
}

}  // namespace

TEST (Events, StreamStatesAndPublishersReachTheClientsThatMaySeeThem)
{
  FakeCamera camera ({ .fps = 15, .gop_frames = 15 });
  ASSERT_TRUE (camera.start ());
  TempDir dir, pipes, recordings;
  pipes.write ("cam.yaml", "source:\n  uri: " + camera.uri () + "\n"
      "record: { path: '%H-%M-%S.mp4' }\n");
  pipes.write ("live.yaml", "source: publish\n");
  dir.write ("gateway.yaml", "pipelines: " + pipes.path () + "\nrecordings: "
      + recordings.path () + "\nusers:\n"
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

  // The camera vanishes (after two seconds of recording) and comes back.
  std::this_thread::sleep_for (2500ms);
  camera.stop ();
  EXPECT_TRUE (ops.wait_for ("\"stream\":\"cam\",\"state\":\"retrying\","
          "\"error\":\"[^\"]+\"", 20s)) << ops.text () << gateway.log ();
  // Its recording's file was closed; its health said why.
  EXPECT_TRUE (ops.wait_for ("event: recording.closed\ndata: \\{[^\n]*"
          "\"stream\":\"cam\",\"file\":\"[0-9]{2}-[0-9]{2}-[0-9]{2}\\.mp4\","
          "\"duration\":\"[0-9.]+\"", 20s)) << ops.text () << gateway.log ();
  EXPECT_TRUE (ops.wait_for ("event: stream.health\ndata: \\{[^\n]*"
          "\"stream\":\"cam\",\"health\":\"retrying\",\"reasons\":"
          "\"source-unavailable", 20s)) << ops.text ();
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

namespace {

// An HTTP receiver of webhooks on its own thread: what it was sent.
class HookReceiver
{
public:
  struct Delivery
  {
    std::string event, timestamp, signature, body;
  };

  HookReceiver ()
  {
    context_ = g_main_context_new ();
    loop_ = g_main_loop_new (context_, FALSE);
    g_main_context_push_thread_default (context_);
    server_ = soup_server_new (nullptr, nullptr);
    soup_server_add_handler (server_, "/hook", on_request, this, nullptr);
    port_ = listen_on_loopback (server_);
    g_main_context_pop_thread_default (context_);
    thread_ = std::thread ([this] {
          g_main_context_push_thread_default (context_);
          g_main_loop_run (loop_);
          g_main_context_pop_thread_default (context_);
        });
  }
  ~HookReceiver ()
  {
    g_main_loop_quit (loop_);
    thread_.join ();
    g_object_unref (server_);
    g_main_loop_unref (loop_);
    g_main_context_unref (context_);
  }

  int port () const { return port_; }
  std::vector<Delivery> deliveries ()
  {
    std::lock_guard<std::mutex> lk (lock_);
    return deliveries_;
  }

private:
  static void on_request (SoupServer *, SoupServerMessage * message,
      const char *, GHashTable *, gpointer data)
  {
    auto *self = static_cast<HookReceiver *> (data);
    auto *headers = soup_server_message_get_request_headers (message);
    auto header = [&](const char *name) {
      const char *v = soup_message_headers_get_one (headers, name);
      return std::string (v ? v : "");
    };
    SoupMessageBody *body = soup_server_message_get_request_body (message);
    GBytes *bytes = soup_message_body_flatten (body);
    gsize size = 0;
    const char *data_ptr = static_cast<const char *> (g_bytes_get_data (bytes,
            &size));
    {
      std::lock_guard<std::mutex> lk (self->lock_);
      self->deliveries_.push_back ({ header ("X-Camgate-Event"),
            header ("X-Camgate-Timestamp"), header ("X-Camgate-Signature"),
            std::string (data_ptr ? data_ptr : "", size) });
    }
    g_bytes_unref (bytes);
    soup_server_message_set_status (message, SOUP_STATUS_NO_CONTENT, nullptr);
  }

  GMainContext *context_ = nullptr;
  GMainLoop *loop_ = nullptr;
  SoupServer *server_ = nullptr;
  int port_ = 0;
  std::thread thread_;
  std::mutex lock_;
  std::vector<Delivery> deliveries_;
};

std::string
hmac_sha256_hex (const std::string & key, const std::string & text)
{
  gchar *hex = g_compute_hmac_for_string (G_CHECKSUM_SHA256,
      reinterpret_cast<const guchar *> (key.data ()), key.size (),
      text.data (), text.size ());
  std::string out = hex;
  g_free (hex);
  return out;
}

// The value of a metric line `name{labels} value`, or -1.
long
metric (const std::string & text, const std::string & name_and_labels)
{
  const size_t at = text.find ("\n" + name_and_labels + " ");
  if (at == std::string::npos)
    return -1;
  return std::stol (text.substr (at + name_and_labels.size () + 2));
}

}  // namespace

TEST (Events, WebhooksAreSignedRetriedAndBoundedWhenTheReceiverIsDown)
{
  FakeCamera camera;
  ASSERT_TRUE (camera.start ());
  HookReceiver receiver;
  ASSERT_GT (receiver.port (), 0);
  const int dead_port = free_port (G_SOCKET_TYPE_STREAM);   // nobody listens
  TempDir dir, pipes;
  pipes.write ("cam.yaml", "source:\n  uri: " + camera.uri () + "\n");
  pipes.write ("live.yaml", "source: publish\n");
  dir.write ("gateway.yaml", "pipelines: " + pipes.path () + "\nwebhooks:\n"
      "  - url: http://127.0.0.1:" + std::to_string (receiver.port ())
      + "/hook\n    secret: hook-secret-1\n    events: [stream.*]\n"
      "  - url: http://127.0.0.1:" + std::to_string (dead_port) + "/gone\n"
      "    queue: 3\n");
  GatewayProcess gateway ({ "--config", dir.path () + "/gateway.yaml" });
  ASSERT_TRUE (gateway.wait_for_log ("stream cam: running", 15s))
      << gateway.log ();
  // Events for the dead receiver: the camera goes and comes back, a
  // publisher comes and goes (which the first receiver did not ask for).
  camera.stop ();
  ASSERT_TRUE (gateway.wait_for_log ("; retrying in", 15s))
      << gateway.log ();
  ASSERT_TRUE (camera.start ());
  {
    Publisher publisher (gateway.url ("live"));
    ASSERT_TRUE (gateway.wait_for_log ("stream live: a publisher connected",
            15s)) << gateway.log () << publisher.error ();
  }

  std::vector<HookReceiver::Delivery> got;
  EXPECT_TRUE (wait_until ([&] {
        got = receiver.deliveries ();
        int running = 0;
        for (const auto & d : got)
          running += d.body.find ("\"stream\":\"cam\",\"state\":\"running\"")
              != std::string::npos;
        return running >= 2;
      }, 20s)) << got.size () << "\n" << gateway.log ();
  for (const auto & d : got) {
    EXPECT_EQ (d.event.rfind ("stream.", 0), 0u) << d.body;
    EXPECT_EQ (d.signature, "sha256=" + hmac_sha256_hex ("hook-secret-1",
            d.timestamp + "." + d.body)) << d.body;
    EXPECT_NEAR (std::stol (d.timestamp), g_get_real_time () / G_USEC_PER_SEC,
        60);
    // A signature is not valid for another body or time.
    EXPECT_NE (d.signature, "sha256=" + hmac_sha256_hex ("hook-secret-1",
            "0." + d.body));
  }
  // In order: ids increase.
  long previous = 0;
  for (const auto & d : got) {
    std::smatch id;
    ASSERT_TRUE (std::regex_search (d.body, id, std::regex ("\"id\":([0-9]+)")));
    EXPECT_GT (std::stol (id[1]), previous);
    previous = std::stol (id[1]);
  }

  // The dead receiver: retried, at most 3 kept, the rest dropped and counted.
  const std::string dead = "{url=\"http://127.0.0.1:" + std::to_string
      (dead_port) + "/gone\"}";
  HttpReply metrics;
  EXPECT_TRUE (wait_until ([&] {
        metrics = http_request (gateway.http_port (), "GET", "/metrics");
        return metric (metrics.body, "camgate_webhook_dropped_total" + dead) > 0
            && metric (metrics.body, "camgate_webhook_failures_total" + dead)
            >= 2;
      }, 15s)) << metrics.body;
  EXPECT_LE (metric (metrics.body, "camgate_webhook_waiting" + dead), 3)
      << metrics.body;
  EXPECT_EQ (metric (metrics.body, "camgate_webhook_delivered_total" + dead), 0)
      << metrics.body;
  // Its failing is logged once, not at every retry.
  const std::string log = gateway.log ();
  const std::string failing = "webhook http://127.0.0.1:" + std::to_string
      (dead_port) + "/gone: ";
  EXPECT_NE (log.find (failing), std::string::npos) << log;
  EXPECT_EQ (log.find (failing), log.rfind (failing)) << log;
  const std::string live = "{url=\"http://127.0.0.1:" + std::to_string
      (receiver.port ()) + "/hook\"}";
  EXPECT_GE (metric (metrics.body, "camgate_webhook_delivered_total" + live),
      static_cast<long> (got.size ())) << metrics.body;
  EXPECT_EQ (metric (metrics.body, "camgate_webhook_dropped_total" + live), 0)
      << metrics.body;
  if (have_program ("promtool")) {
    TempDir out;
    int status = -1;
    const std::string said = run_command ("promtool check metrics < "
        + out.write ("metrics.txt", metrics.body), &status);
    EXPECT_EQ (status, 0) << said;
  }
}
