// A parked HTTP request is unpaused exactly once: resumed, at its deadline,
// or when it goes unresumed; a client that leaves is reported, once.
#include "http/parked_message.h"
#include "loopback_http.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

using camgate::ParkedMessage;

namespace {

// A loopback server whose one route parks every request with `park`.
class ParkingServer
{
public:
  using Park = std::function<void (SoupServerMessage *)>;

  explicit ParkingServer (Park park) : park_ (std::move (park))
  {
    server_ = soup_server_new (nullptr, nullptr);
    soup_server_add_handler (server_, "/", +[](SoupServer *,
            SoupServerMessage * message, const char *, GHashTable *,
            gpointer self) {
          static_cast<ParkingServer *> (self)->park_ (message);
        }, this, nullptr);
    const int port = camgate::testing::listen_on_loopback (server_);
    EXPECT_GT (port, 0);
    uri_ = "http://127.0.0.1:" + std::to_string (port) + "/";
  }
  ~ParkingServer ()
  {
    g_object_unref (server_);
  }

  // Sends a GET and runs the main context until its answer (or `cancel_ms`
  // passed and the client gave up); the status, or 0 if cancelled.
  guint get (guint cancel_ms = 5000)
  {
    SoupSession *session = soup_session_new ();
    SoupMessage *msg = soup_message_new ("GET", uri_.c_str ());
    GCancellable *cancel = g_cancellable_new ();
    struct Done { bool done = false; } done;
    soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, cancel,
        +[](GObject * source, GAsyncResult * result, gpointer data) {
          GBytes *body = soup_session_send_and_read_finish (SOUP_SESSION
              (source), result, nullptr);
          if (body)
            g_bytes_unref (body);
          static_cast<Done *> (data)->done = true;
        }, &done);
    const gint64 give_up = g_get_monotonic_time () + cancel_ms * 1000;
    while (!done.done) {
      if (g_get_monotonic_time () > give_up)
        g_cancellable_cancel (cancel);
      g_main_context_iteration (nullptr, FALSE);
      g_usleep (1000);
    }
    const guint status = g_cancellable_is_cancelled (cancel) ? 0
        : soup_message_get_status (msg);
    g_object_unref (cancel);
    g_object_unref (msg);
    g_object_unref (session);
    // Let the server see the connection go.
    for (int i = 0; i < 100; i++) {
      g_main_context_iteration (nullptr, FALSE);
      g_usleep (1000);
    }
    return status;
  }

private:
  Park park_;
  SoupServer *server_ = nullptr;
  std::string uri_;
};

}  // namespace

TEST (ParkedMessage, ResumedOnceByItsOwner)
{
  std::unique_ptr<ParkedMessage> parked;
  ParkingServer server ([&](SoupServerMessage * message) {
        parked = std::make_unique<ParkedMessage> (message);
        g_timeout_add (50, +[](gpointer data) -> gboolean {
              auto *p = static_cast<std::unique_ptr<ParkedMessage> *> (data);
              soup_server_message_set_status ((*p)->message (), 204, nullptr);
              EXPECT_TRUE ((*p)->resume ());
              EXPECT_FALSE ((*p)->resume ());
              return G_SOURCE_REMOVE;
            }, &parked);
      });
  EXPECT_EQ (server.get (), 204u);
}

TEST (ParkedMessage, ItsDeadlineAnswers503AndTellsTheOwner)
{
  std::unique_ptr<ParkedMessage> parked;
  int gone = 0;
  ParkingServer server ([&](SoupServerMessage * message) {
        parked = std::make_unique<ParkedMessage> (message, [&]() {
              gone++;
              parked.reset ();     // the owner may drop it from the callback
            }, 100);
      });
  EXPECT_EQ (server.get (), 503u);
  EXPECT_EQ (gone, 1);
  EXPECT_FALSE (parked);
}

TEST (ParkedMessage, OneDroppedUnresumedStillAnswers)
{
  ParkingServer server ([&](SoupServerMessage * message) {
        auto *parked = new ParkedMessage (message);
        g_idle_add (+[](gpointer data) -> gboolean {
              delete static_cast<ParkedMessage *> (data);
              return G_SOURCE_REMOVE;
            }, parked);
      });
  EXPECT_EQ (server.get (), 503u);
}

TEST (ParkedMessage, AClientThatLeavesIsReportedOnce)
{
  std::unique_ptr<ParkedMessage> parked;
  int gone = 0;
  ParkingServer server ([&](SoupServerMessage * message) {
        parked = std::make_unique<ParkedMessage> (message, [&]() { gone++; });
      });
  EXPECT_EQ (server.get (200), 0u);        // the client gives up
  EXPECT_EQ (gone, 1);
  ASSERT_TRUE (parked);
  EXPECT_FALSE (parked->resume ());        // nothing left to answer
  parked.reset ();
}
