// What an etcd (or something posing as one) answers is bounded: a reply past
// 64 MiB and a streamed watch answer past 8 MiB are cut off, never kept
// whole, and the client says why.
#include "cluster/etcd_client.h"
#include "context_thread.h"
#include "loopback_http.h"

#include <gtest/gtest.h>
#include <libsoup/soup.h>

#include <atomic>
#include <string>

using camgate::EtcdClient;
using camgate::testing::ContextThread;
using camgate::testing::listen_on_loopback;

namespace {

// A loopback HTTP server that answers every /v3/ call with `megabytes` MiB
// of `fill` (the same 1 MiB block appended, so it costs 1 MiB here), and
// counts what it could send before the client hung up.
class FloodingEtcd
{
public:
  FloodingEtcd (char fill, unsigned megabytes)
  {
    const std::string block (1 << 20, fill);
    block_ = g_bytes_new (block.data (), block.size ());
    megabytes_ = megabytes;
    thread_.run ([this] {
          server_ = soup_server_new (nullptr, nullptr);
          soup_server_add_handler (server_, "/v3/", +[](SoupServer *,
                  SoupServerMessage * message, const char *, GHashTable *,
                  gpointer self) {
                auto *etcd = static_cast<FloodingEtcd *> (self);
                SoupMessageBody *body =
                    soup_server_message_get_response_body (message);
                for (unsigned i = 0; i < etcd->megabytes_; i++)
                  soup_message_body_append_bytes (body, etcd->block_);
                g_signal_connect (message, "wrote-body-data", G_CALLBACK (
                        +[](SoupServerMessage *, guint size, gpointer sent) {
                          *static_cast<std::atomic<size_t> *> (sent) += size;
                        }), &etcd->sent_);
                soup_server_message_set_status (message, 200, nullptr);
              }, this, nullptr);
          const int port = listen_on_loopback (server_);
          EXPECT_GT (port, 0);
          url_ = "http://127.0.0.1:" + std::to_string (port);
        });
  }
  ~FloodingEtcd ()
  {
    thread_.run ([this] { g_object_unref (server_); });
    g_bytes_unref (block_);
  }
  // "http://127.0.0.1:PORT", as the config has it.
  const std::string & url () const { return url_; }
  size_t sent () const { return sent_; }

private:
  ContextThread thread_;
  SoupServer *server_ = nullptr;
  GBytes *block_ = nullptr;
  unsigned megabytes_ = 0;
  std::atomic<size_t> sent_ { 0 };
  std::string url_;
};

camgate::ClusterConfig
cluster_of (const FloodingEtcd & etcd)
{
  camgate::ClusterConfig cluster;
  cluster.etcd = { etcd.url () };
  return cluster;
}

}  // namespace

TEST (EtcdClient, AReplyLargerThan64MiBIsCutOff)
{
  FloodingEtcd etcd ('x', 65);
  EtcdClient client (cluster_of (etcd), 10);
  std::string error;
  EXPECT_FALSE (client.range_prefix ("/camgate/", error));
  EXPECT_NE (error.find ("a reply larger than 64 MiB"), std::string::npos)
      << error;
}

TEST (EtcdClient, AWatchAnswerLargerThan8MiBIsCutOff)
{
  // 256 MiB and no line end: one answer that does not end. The client
  // stops reading past 8 MiB; what the server got out beyond that is what
  // loopback's socket buffers took.
  FloodingEtcd etcd ('x', 256);
  EtcdClient client (cluster_of (etcd), 10);
  std::string error;
  int batches = 0;
  EXPECT_FALSE (client.watch_prefix ("/camgate/", 0, nullptr,
          [&](const std::vector<EtcdClient::Change> &) { batches++; },
          error));
  EXPECT_EQ (error, "etcd's watch sent an answer larger than 8 MiB");
  EXPECT_EQ (batches, 0);
  EXPECT_LT (etcd.sent (), size_t { 64 } << 20);
}

TEST (EtcdClient, AWatchOfManyLinesIsReadLineByLine)
{
  // 9 MiB of blank lines: no answer is large, the stream just ends.
  FloodingEtcd etcd ('\n', 9);
  EtcdClient client (cluster_of (etcd), 10);
  std::string error;
  EXPECT_FALSE (client.watch_prefix ("/camgate/", 0, nullptr,
          [](const std::vector<EtcdClient::Change> &) {}, error));
  EXPECT_EQ (error, "etcd ended the watch");
}
