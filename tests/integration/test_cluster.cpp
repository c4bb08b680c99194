// Cluster membership: camgate nodes register in a real etcd (Debian's
// etcd-server, on free loopback ports) under a lease, see each other, and a
// node that dies is gone from the others' view within two leases.
#include "auth/password_hash.h"
#include "commands.h"
#include "tls/self_signed.h"
#include "fake_camera.h"
#include "helpers.h"

#include <gtest/gtest.h>
#include <json-glib/json-glib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>

using namespace camgate::testing;
using namespace std::chrono;
using namespace std::chrono_literals;

namespace {

// One etcd member, its data in a folder of its own.
class Etcd
{
public:
  // `tls`: etcd's flags for HTTPS towards its clients (then ready once its
  // port accepts connections).
  explicit Etcd (std::vector<std::string> tls = {})
      : client_port_ (free_port (G_SOCKET_TYPE_STREAM)),
        peer_port_ (free_port (G_SOCKET_TYPE_STREAM)), tls_ (std::move (tls))
  {
    start ();
  }

  // Starts it (again: same ports, same data); false when it did not answer.
  bool start ()
  {
    const std::string peer = "http://127.0.0.1:" + std::to_string (peer_port_);
    std::vector<std::string> argv {
          "etcd", "--name", "test", "--data-dir", dir_.path () + "/data",
          "--listen-client-urls", url (), "--advertise-client-urls", url (),
          "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
          "--initial-cluster", "test=" + peer, "--logger", "zap",
          "--log-level", "error" };
    argv.insert (argv.end (), tls_.begin (), tls_.end ());
    process_ = std::make_unique<ChildProcess> (argv, (GSubprocessFlags)
        (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE));
    ready_ = process_->started () && wait_until ([this] {
          if (!tls_.empty ())
            return accepts_connections (client_port_);
          return http_request (client_port_, "GET", "/health").status == 200;
        }, 15s);
    return ready_;
  }
  void stop ()
  {
    process_.reset ();
    ready_ = false;
  }

  bool ready () const { return ready_; }
  std::string url () const
  {
    return (tls_.empty () ? "http" : "https") + std::string ("://127.0.0.1:")
        + std::to_string (client_port_);
  }
  // One call to etcd's JSON gateway (`token` from /v3/auth/authenticate).
  HttpReply call (const std::string & path, const std::string & body,
      const std::string & token = "") const
  {
    return http_request (client_port_, "POST", "/v3/" + path, body, token.empty ()
        ? std::vector<std::pair<std::string, std::string>> {}
        : std::vector<std::pair<std::string, std::string>> { { "Authorization",
              token } });
  }
  // Turns etcd's authentication on: root, and `user` allowed to read and
  // write /camgate/ only.
  bool require_login (const std::string & user, const std::string & password)
  {
    auto b64 = [](const std::string & text) {
      g_autofree gchar *out = g_base64_encode (reinterpret_cast<const guchar
          *> (text.data ()), text.size ());
      return std::string (out);
    };
    const std::string steps[][2] = {
      { "auth/user/add", "{\"name\":\"root\",\"password\":\"root-pw\"}" },
      { "auth/role/add", "{\"name\":\"root\"}" },
      { "auth/user/grant", "{\"user\":\"root\",\"role\":\"root\"}" },
      { "auth/role/add", "{\"name\":\"gateways\"}" },
      { "auth/role/grant", "{\"name\":\"gateways\",\"perm\":{\"permType\":"
        "\"READWRITE\",\"key\":\"" + b64 ("/camgate/") + "\",\"range_end\":\""
        + b64 ("/camgate0") + "\"}}" },
      { "auth/user/add", "{\"name\":\"" + user + "\",\"password\":\""
        + password + "\"}" },
      { "auth/user/grant", "{\"user\":\"" + user + "\",\"role\":\"gateways\"}" },
      { "auth/enable", "{}" },
    };
    for (const auto & [path, body] : steps)
      if (call (path, body).status != 200)
        return false;
    return true;
  }
  // The value of `key` ("" when there is none).
  std::string get (const std::string & key) const
  {
    g_autofree gchar *encoded = g_base64_encode (reinterpret_cast<const guchar
        *> (key.data ()), key.size ());
    auto reply = http_request (client_port_, "POST", "/v3/kv/range",
        std::string ("{\"key\":\"") + encoded + "\"}");
    const size_t at = reply.body.find ("\"value\":\"");
    if (at == std::string::npos)
      return "";
    const size_t start = at + 9;
    const std::string value = reply.body.substr (start,
        reply.body.find ('"', start) - start);
    gsize size = 0;
    g_autofree guchar *bytes = g_base64_decode (value.c_str (), &size);
    return std::string (reinterpret_cast<const char *> (bytes), size);
  }

private:
  static bool accepts_connections (int port)
  {
    GSocketClient *client = g_socket_client_new ();
    GSocketConnection *connection = g_socket_client_connect_to_host (client,
        "127.0.0.1", port, nullptr, nullptr);
    if (connection)
      g_object_unref (connection);
    g_object_unref (client);
    return connection != nullptr;
  }

  TempDir dir_;
  const int client_port_, peer_port_;
  const std::vector<std::string> tls_;
  std::unique_ptr<ChildProcess> process_;
  bool ready_ = false;
};

// Three etcd members as one etcd cluster (a quorum survives one loss).
class EtcdTrio
{
public:
  EtcdTrio ()
  {
    std::string initial;
    for (int i = 0; i < 3; i++) {
      clients_[i] = free_port (G_SOCKET_TYPE_STREAM);
      peers_[i] = free_port (G_SOCKET_TYPE_STREAM);
      initial += std::string (i ? "," : "") + "m" + std::to_string (i)
          + "=http://127.0.0.1:" + std::to_string (peers_[i]);
    }
    for (int i = 0; i < 3; i++) {
      const std::string peer = "http://127.0.0.1:" + std::to_string (peers_[i]);
      members_[i] = std::make_unique<ChildProcess> (std::vector<std::string> {
            "etcd", "--name", "m" + std::to_string (i), "--data-dir",
            dir_.path () + "/m" + std::to_string (i), "--listen-client-urls",
            url (i), "--advertise-client-urls", url (i), "--listen-peer-urls",
            peer, "--initial-advertise-peer-urls", peer, "--initial-cluster",
            initial, "--initial-cluster-state", "new", "--logger", "zap",
            "--log-level", "error" }, (GSubprocessFlags)
          (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE));
    }
    ready_ = wait_until ([this] {
          for (int i = 0; i < 3; i++)
            if (http_request (clients_[i], "GET", "/health").status != 200)
              return false;
          return true; }, 20s);
  }
  bool ready () const { return ready_; }
  std::string url (int i) const
  {
    return "http://127.0.0.1:" + std::to_string (clients_[i]);
  }
  std::string urls () const { return url (0) + ", " + url (1) + ", " + url (2); }
  void stop (int i) { members_[i].reset (); }

private:
  TempDir dir_;
  int clients_[3] = {}, peers_[3] = {};
  std::unique_ptr<ChildProcess> members_[3];
  bool ready_ = false;
};

// GET /api/v1/cluster of `gateway`: registered or not, and node -> its
// advertised http address.
struct ClusterView
{
  bool registered = false;
  std::string error;
  std::map<std::string, std::string> nodes;
  std::map<std::string, std::string> owners;   // stream -> node
};

ClusterView
cluster_of (const GatewayProcess & gateway)
{
  ClusterView view;
  auto reply = http_request (gateway.http_port (), "GET", "/api/v1/cluster");
  JsonParser *parser = json_parser_new ();
  if (reply.status == 200 && json_parser_load_from_data (parser,
          reply.body.c_str (), -1, nullptr)) {
    JsonObject *root = json_node_get_object (json_parser_get_root (parser));
    view.registered = json_object_get_boolean_member_with_default (root,
        "registered", FALSE);
    view.error = json_object_get_string_member_with_default (root, "error",
        "");
    if (json_object_has_member (root, "nodes")) {
      JsonArray *nodes = json_object_get_array_member (root, "nodes");
      for (guint i = 0; i < json_array_get_length (nodes); i++) {
        JsonObject *node = json_array_get_object_element (nodes, i);
        view.nodes[json_object_get_string_member (node, "node")] =
            json_object_get_string_member (node, "http");
      }
    }
    if (json_object_has_member (root, "owners")) {
      JsonObject *owners = json_object_get_object_member (root, "owners");
      GList *streams = json_object_get_members (owners);
      for (GList *l = streams; l; l = l->next) {
        const char *stream = static_cast<const char *> (l->data);
        view.owners[stream] = json_object_get_string_member (owners, stream);
      }
      g_list_free (streams);
    }
  }
  g_object_unref (parser);
  return view;
}

// The state GET /api/v1/streams/<stream> gives ("" when none).
std::string
state_of (const GatewayProcess & gateway, const std::string & stream)
{
  auto reply = http_request (gateway.http_port (), "GET", "/api/v1/streams/"
      + stream);
  const size_t at = reply.body.find ("\"state\"");
  if (at == std::string::npos)
    return "";
  const size_t start = reply.body.find ('"', reply.body.find (':', at)) + 1;
  return reply.body.substr (start, reply.body.find ('"', start) - start);
}

// The RTSP viewers GET /api/v1/streams/<stream> counts (-1: no answer).
int
rtsp_viewers_of (const GatewayProcess & gateway, const std::string & stream)
{
  auto reply = http_request (gateway.http_port (), "GET", "/api/v1/streams/"
      + stream);
  int viewers = -1;
  JsonParser *parser = json_parser_new ();
  if (reply.status == 200 && json_parser_load_from_data (parser,
          reply.body.c_str (), -1, nullptr)) {
    JsonObject *root = json_node_get_object (json_parser_get_root (parser));
    if (json_object_has_member (root, "viewers"))
      viewers = json_object_get_int_member_with_default (
          json_object_get_object_member (root, "viewers"), "rtsp", -1);
  }
  g_object_unref (parser);
  return viewers;
}

// The MP4 files under `folder` (recursively), sorted by name.
std::vector<std::string>
mp4_files_under (const std::string & folder)
{
  std::vector<std::string> files;
  std::error_code ignored;
  for (const auto & entry : std::filesystem::recursive_directory_iterator (
          folder, ignored))
    if (entry.path ().extension () == ".mp4")
      files.push_back (entry.path ().string ());
  std::sort (files.begin (), files.end ());
  return files;
}

double
seconds_in (const std::string & file)
{
  return std::atof (run_command ("ffprobe -v error -show_entries "
          "format=duration -of csv=p=0 '" + file + "' 2>/dev/null").c_str ());
}

// A node `name` of the cluster on `etcd`, with no streams (the demo one),
// its config in `dir`; `cluster_extra`: more `cluster:` settings, indented.
std::unique_ptr<GatewayProcess>
node_without_streams (const TempDir & dir, const std::string & etcd,
    const std::string & name, const std::string & cluster_extra)
{
  return std::make_unique<GatewayProcess> (std::vector<std::string> {
        "--config", dir.write (name + ".yaml", "cluster:\n  etcd: [" + etcd
            + "]\n  node: " + name + "\n  lease: 2s\n" + cluster_extra) });
}

std::string
http_of (const GatewayProcess & gateway)
{
  return "http://127.0.0.1:" + std::to_string (gateway.http_port ());
}

}  // namespace

TEST (Cluster, NodesRegisterSeeEachOtherAndALostNodeIsGoneWithinTwoLeases)
{
  Etcd etcd;
  ASSERT_TRUE (etcd.ready ()) << "etcd did not start";
  TempDir dir;
  auto config = [&](const std::string & node) {
    return dir.write (node + ".yaml", "cluster:\n  etcd: [" + etcd.url ()
        + "]\n  node: " + node + "\n  lease: 2s\n");
  };
  const std::string config_a = config ("a"), config_b = config ("b");
  GatewayProcess a ({ "--config", config_a });
  GatewayProcess b ({ "--config", config_b });
  ASSERT_TRUE (a.ready () && b.ready ()) << a.log () << b.log ();

  // Each sees both, at the addresses they listen on.
  ASSERT_TRUE (wait_until ([&] {
        return cluster_of (a).nodes.size () == 2
            && cluster_of (b).nodes.size () == 2; }, 10s))
      << a.log () << b.log ();
  const ClusterView seen_by_b = cluster_of (b);
  EXPECT_TRUE (seen_by_b.registered) << seen_by_b.error;
  EXPECT_EQ (seen_by_b.nodes.at ("a"), http_of (a));
  EXPECT_EQ (seen_by_b.nodes.at ("b"), http_of (b));
  const std::string metrics = http_request (a.http_port (), "GET",
      "/metrics").body;
  EXPECT_NE (metrics.find ("camgate_cluster_registered{node=\"a\"} 1"),
      std::string::npos) << metrics;
  EXPECT_NE (metrics.find ("camgate_cluster_nodes 2"), std::string::npos);

  // A second gateway calling itself "a" does not take the name over.
  GatewayProcess impostor ({ "--config", config_a });
  ASSERT_TRUE (impostor.ready ()) << impostor.log ();
  ASSERT_TRUE (wait_until ([&] {
        return !cluster_of (impostor).error.empty (); }, 5s))
      << impostor.log ();
  EXPECT_FALSE (cluster_of (impostor).registered);
  EXPECT_NE (cluster_of (impostor).error.find ("node 'a'"), std::string::npos);
  EXPECT_EQ (cluster_of (b).nodes.at ("a"), http_of (a));

  // A node that dies is gone within two leases.
  const auto killed = steady_clock::now ();
  b.kill_hard ();
  ASSERT_TRUE (wait_until ([&] { return cluster_of (a).nodes.size () == 1; },
          10s)) << a.log ();
  const auto gone_ms = duration_cast<milliseconds> (steady_clock::now ()
      - killed).count ();
  EXPECT_LE (gone_ms, 2 * 2000 + 700) << "a lost node was listed too long";
  std::printf ("a killed node left the others' view after %lld ms "
      "(lease 2 s)\n", static_cast<long long> (gone_ms));
  EXPECT_TRUE (cluster_of (a).registered);

  // One that stops leaves at once (its lease revoked): its record is gone
  // before its lease could have run out.
  ASSERT_GE (a.terminate (10s), 0);
  EXPECT_EQ (etcd.get ("/camgate/nodes/a").find (http_of (a)),
      std::string::npos) << etcd.get ("/camgate/nodes/a");
  // And the name is free for the other gateway.
  EXPECT_TRUE (wait_until ([&] { return cluster_of (impostor).registered; },
          5s)) << impostor.log ();
}

// An etcd that checks who calls: a node logs in with `etcd-auth` (and
// reads and writes only what its etcd role allows); one with a wrong
// password or none is not registered and says why.
TEST (Cluster, ANodeLogsInToAnEtcdThatRequiresIt)
{
  Etcd etcd;
  ASSERT_TRUE (etcd.ready ()) << "etcd did not start";
  ASSERT_TRUE (etcd.require_login ("gw", "gw-pw"));
  TempDir dir;
  auto node = [&](const std::string & name, const std::string & access) {
    return node_without_streams (dir, etcd.url (), name, access);
  };
  auto good = node ("good", "  etcd-auth: { user: gw, password: gw-pw }\n");
  auto wrong = node ("wrong", "  etcd-auth: { user: gw, password: nope }\n");
  auto none = node ("none", "");
  ASSERT_TRUE (good->ready () && wrong->ready () && none->ready ());
  EXPECT_TRUE (wait_until ([&] { return cluster_of (*good).registered; }, 10s))
      << cluster_of (*good).error << good->log ();
  ASSERT_TRUE (wait_until ([&] {
        return !cluster_of (*wrong).error.empty ()
            && !cluster_of (*none).error.empty (); }, 10s));
  EXPECT_FALSE (cluster_of (*wrong).registered);
  EXPECT_NE (cluster_of (*wrong).error.find ("authentication failed"),
      std::string::npos) << cluster_of (*wrong).error;
  EXPECT_FALSE (cluster_of (*none).registered);
  EXPECT_EQ (cluster_of (*good).nodes.size (), 1u);
  // Its record is there, for those who may read it.
  auto login = etcd.call ("auth/authenticate",
      "{\"name\":\"root\",\"password\":\"root-pw\"}");
  const size_t at = login.body.find ("\"token\":\"");
  ASSERT_NE (at, std::string::npos) << login.body;
  const std::string token = login.body.substr (at + 9,
      login.body.find ('"', at + 9) - at - 9);
  g_autofree gchar *key = g_base64_encode (reinterpret_cast<const guchar *> (
          "/camgate/nodes/good"), 19);
  EXPECT_NE (etcd.call ("kv/range", std::string ("{\"key\":\"") + key + "\"}",
          token).body.find ("\"count\":\"1\""), std::string::npos);
}

// An etcd that serves HTTPS and wants client certificates: a node that
// trusts its CA and presents a certificate it trusts registers; one without
// the certificate, or that does not trust etcd's, does not, and says why.
TEST (Cluster, ANodeTalksTlsToAnEtcdThatRequiresIt)
{
  TempDir certs;
  std::string server_cert, server_key, client_cert, client_key, problem;
  ASSERT_TRUE (camgate::ensure_self_signed (certs.path () + "/etcd", server_cert,
          server_key, problem)) << problem;
  ASSERT_TRUE (camgate::ensure_self_signed (certs.path () + "/node", client_cert,
          client_key, problem)) << problem;
  // etcd's JSON gateway calls etcd itself with etcd's own certificate: it
  // trusts both.
  std::string trusted, text;
  for (const auto & file : { server_cert, client_cert }) {
    gchar *pem = nullptr;
    ASSERT_TRUE (g_file_get_contents (file.c_str (), &pem, nullptr, nullptr));
    text += pem;
    g_free (pem);
  }
  trusted = certs.write ("trusted.pem", text);
  Etcd etcd ({ "--cert-file", server_cert, "--key-file", server_key,
        "--client-cert-auth", "--trusted-ca-file", trusted });
  ASSERT_TRUE (etcd.ready ()) << "etcd did not start";
  TempDir dir;
  auto node = [&](const std::string & name, const std::string & access) {
    return node_without_streams (dir, etcd.url (), name, access);
  };
  auto good = node ("good", "  etcd-tls: { ca: " + server_cert
      + ", certificate: " + client_cert + ", key: " + client_key + " }\n");
  auto anonymous = node ("anonymous", "  etcd-tls: { ca: " + server_cert + " }\n");
  auto distrustful = node ("distrustful", "  etcd-tls: { certificate: "
      + client_cert + ", key: " + client_key + " }\n");
  ASSERT_TRUE (good->ready () && anonymous->ready () && distrustful->ready ());
  EXPECT_TRUE (wait_until ([&] { return cluster_of (*good).registered; }, 10s))
      << cluster_of (*good).error << good->log ();
  ASSERT_TRUE (wait_until ([&] {
        return !cluster_of (*anonymous).error.empty ()
            && !cluster_of (*distrustful).error.empty (); }, 10s));
  EXPECT_FALSE (cluster_of (*anonymous).registered);
  EXPECT_FALSE (cluster_of (*distrustful).registered);
  std::printf ("without a client certificate: %s\nnot trusting etcd: %s\n",
      cluster_of (*anonymous).error.c_str (),
      cluster_of (*distrustful).error.c_str ());
  EXPECT_EQ (cluster_of (*good).nodes.size (), 1u);
}

// A node that never reached etcd owns nothing (another node may own its
// streams), says why, and its doors stay open.
TEST (Cluster, AGatewayThatCannotReachEtcdServesAndSaysWhy)
{
  const int nobody = free_port (G_SOCKET_TYPE_STREAM);
  TempDir dir;
  const std::string file = dir.write ("alone.yaml", "cluster:\n  etcd: "
      "[http://127.0.0.1:" + std::to_string (nobody) + "]\n  node: lone\n");
  GatewayProcess gateway ({ "--config", file });
  ASSERT_TRUE (gateway.ready ()) << gateway.log ();
  ASSERT_TRUE (wait_until ([&] {
        return !cluster_of (gateway).error.empty (); }, 10s)) << gateway.log ();
  EXPECT_FALSE (cluster_of (gateway).registered);
  EXPECT_EQ (state_of (gateway, "demo"), "standby") << gateway.log ();
}

// Nodes (a, b, ...) whose folders hold the same camera stream "cam"
// (`outputs` its outputs), `mode` their cluster mode ("" for the default),
// `extra` added to each node's config ("%NODE%" there: the node's name).
// Waits until all agree on its owner and the owner runs it.
class ClusterNodes : public ::testing::Test
{
protected:
  void start (const std::string & outputs, const std::string & mode,
      std::vector<std::string> names = { "a", "b" },
      const std::string & extra = "")
  {
    ASSERT_TRUE (etcd_.ready ()) << "etcd did not start";
    ASSERT_TRUE (camera_.start ());
    pipes_.write ("cam.yaml", "source:\n  uri: " + camera_.uri () + "\n"
        + outputs);
    names_ = names;
    for (const auto & name : names_) {
      std::string own = extra;
      for (size_t at; (at = own.find ("%NODE%")) != std::string::npos;)
        own.replace (at, 6, name);
      const std::string file = dir_.write (name + ".yaml",
          "pipelines: " + pipes_.path () + "\n" + own + "cluster:\n  etcd: ["
          + etcd_.url () + "]\n  node: " + name + "\n  lease: 2s\n"
          + (mode.empty () ? "" : "  mode: " + mode + "\n")
          + cluster_extra_);
      nodes_[name] = std::make_unique<GatewayProcess> (std::vector<std::string>
          { "--config", file });
      ASSERT_TRUE (nodes_[name]->ready ()) << nodes_[name]->log ();
    }
    ASSERT_TRUE (wait_until ([&] {
          owner_ = cluster_of (*nodes_["a"]).owners["cam"];
          for (const auto & name : names_)
            if (cluster_of (*nodes_[name]).owners["cam"] != owner_)
              return false;
          return !owner_.empty ()
              && state_of (*nodes_[owner_], "cam") == "running";
        }, 15s)) << logs ();
  }
  GatewayProcess & owning () { return *nodes_[owner_]; }
  // The first node that does not own the stream.
  GatewayProcess & other () { return *nodes_[other_name ()]; }
  std::string other_name () const
  {
    for (const auto & name : names_)
      if (name != owner_)
        return name;
    return "";
  }
  std::vector<std::string> others () const
  {
    std::vector<std::string> found;
    for (const auto & name : names_)
      if (name != owner_)
        found.push_back (name);
    return found;
  }
  std::string logs () const
  {
    std::string text;
    for (const auto & [name, node] : nodes_)
      text += "--- " + name + "\n" + node->log ();
    return text;
  }

  Etcd etcd_;
  FakeCamera camera_ { { .audio = false } };
  TempDir pipes_, dir_;
  std::string cluster_extra_;      // more `cluster:` settings, indented
  std::vector<std::string> names_;
  std::map<std::string, std::unique_ptr<GatewayProcess>> nodes_;
  std::string owner_;
};

TEST_F (ClusterNodes, OneNodePullsACameraAndAnotherTakesOverWhenItDies)
{
  start ("", "");
  // The other is an edge (once its ownership tick saw the owner), idle
  // without viewers; exactly one node pulls the camera.
  EXPECT_TRUE (wait_until ([&] { return state_of (other (), "cam") == "idle"; },
          3s)) << state_of (other (), "cam");
  std::this_thread::sleep_for (1s);
  EXPECT_EQ (camera_.clients_open (), 1) << "exactly one node pulls the camera";
  {
    Viewer viewer (owning ().url ("cam"), "tcp");
    EXPECT_TRUE (viewer.wait_frames (10, 15s)) << viewer.error ();
  }

  // The owner dies: the other owns the stream within two leases, pulls the
  // camera, and its viewers get pictures.
  const auto killed = steady_clock::now ();
  owning ().kill_hard ();
  ASSERT_TRUE (wait_until ([&] {
        return state_of (other (), "cam") == "running"; }, 15s))
      << other ().log ();
  const auto took_ms = duration_cast<milliseconds> (steady_clock::now ()
      - killed).count ();
  std::printf ("the surviving node ran the stream %lld ms after the owner "
      "was killed (lease 2 s)\n", static_cast<long long> (took_ms));
  EXPECT_LE (took_ms, 2 * 2000 + 2000);
  EXPECT_EQ (cluster_of (other ()).owners["cam"], other_name ());
  EXPECT_TRUE (wait_until ([&] { return camera_.clients_open () == 1; }, 5s))
      << camera_.clients_open ();
  Viewer viewer (other ().url ("cam"), "tcp");
  EXPECT_TRUE (viewer.wait_frames (10, 15s)) << viewer.error ();
}

// The panel of an edge in Chromium: the stream's tile plays there (WebRTC
// from the edge), the Cluster page lists the nodes and the owner, and a
// stream is moved with a click.
TEST_F (ClusterNodes, ThePanelShowsTheClusterAndMovesAStream)
{
  const std::string command = browser_command ("panel_cluster.cjs");
  if (command.empty ())
    GTEST_SKIP () << "node or Debian's chromium is not installed";
  start ("", "");
  const char *out = g_getenv ("CAMGATE_TEST_OUTPUT");
  const std::string shots = (out ? std::string (out) : dir_.path ()) + "/panel";
  std::filesystem::create_directories (shots);
  int status = -1;
  const std::string seen = run_command (command + " " + http_of (other ())
      + "/ cam " + other_name () + " " + shots, &status);
  EXPECT_EQ (status, 0) << seen << logs ();
  EXPECT_TRUE (wait_until ([&] {
        return cluster_of (owning ()).owners["cam"] == other_name (); }, 5s))
      << logs ();
  EXPECT_TRUE (wait_until ([&] { return camera_.clients_open () == 1; }, 5s));
}

TEST_F (ClusterNodes, WhileEtcdIsDownTheOwnerServesOnAndNobodyElseTakesOver)
{
  start ("", "");
  // 20 s (ten leases) without etcd: nobody can know better, so nothing
  // moves.
  etcd_.stop ();
  std::this_thread::sleep_for (20s);
  EXPECT_EQ (state_of (owning (), "cam"), "running");
  EXPECT_EQ (state_of (other (), "cam"), "idle");
  EXPECT_EQ (camera_.clients_open (), 1);
  EXPECT_FALSE (cluster_of (owning ()).registered);
  {
    // Both nodes serve: the owner, and the edge from the owner it knew.
    Viewer viewer (owning ().url ("cam"), "tcp");
    EXPECT_TRUE (viewer.wait_frames (10, 15s)) << viewer.error ();
    Viewer on_edge (other ().url ("cam"), "tcp");
    EXPECT_TRUE (on_edge.wait_frames (10, 15s)) << on_edge.error () << logs ();
    EXPECT_EQ (camera_.clients_open (), 1);
  }

  // etcd back (its leases extended on restart): the same owner, one pull.
  ASSERT_TRUE (etcd_.start ());
  EXPECT_TRUE (wait_until ([&] {
        return cluster_of (owning ()).registered
            && cluster_of (other ()).registered; }, 10s)) << owning ().log ();
  std::this_thread::sleep_for (2s);
  EXPECT_EQ (cluster_of (other ()).owners["cam"], owner_);
  EXPECT_EQ (state_of (owning (), "cam"), "running");
  // The other is still the owner's edge (its viewer's linger may keep it
  // pulling), never the camera's second client.
  EXPECT_NE (http_request (other ().http_port (), "GET", "/api/v1/streams/cam")
      .body.find ("127.0.0.1:" + std::to_string (owning ().rtsp_port ())
          + "/cam"), std::string::npos);
  EXPECT_EQ (camera_.clients_open (), 1);
}

TEST_F (ClusterNodes, RedirectModeSendsViewersToTheOwner)
{
  start ("outputs:\n  hls: {}\n", "redirect");
  // RTSP: 302 to the owner, same path and query; rtspsrc follows it.
  RtspControl rtsp (other ().rtsp_port ());
  auto reply = rtsp.request (GST_RTSP_DESCRIBE, other ().url ("cam") + "?x=1");
  EXPECT_EQ (reply.status, 302);
  {
    Viewer viewer (other ().url ("cam"), "tcp");
    EXPECT_TRUE (viewer.wait_frames (10, 20s)) << viewer.error ();
  }
  EXPECT_EQ (camera_.clients_open (), 1) << "the redirect pulled nothing";
  // ffmpeg follows it too (bounded: a player that hangs fails the test).
  int status = -1;
  const std::string decoded = run_command ("timeout -s KILL 30 ffmpeg -nostdin "
      "-v error -rtsp_transport tcp -i " + other ().url ("cam")
      + " -frames:v 5 -f null - 2>&1", &status);
  EXPECT_EQ (status, 0) << decoded;

  // HTTP: 307 to the owner's HTTP address, same path and query.
  auto hls = http_request (other ().http_port (), "GET", "/cam/index.m3u8?t=1");
  EXPECT_EQ (hls.status, 307);
  EXPECT_EQ (header_value (hls, "Location"), "http://127.0.0.1:"
      + std::to_string (owning ().http_port ()) + "/cam/index.m3u8?t=1")
      << hls.headers;
  // The owner serves its own viewers.
  EXPECT_NE (http_request (owning ().http_port (), "GET", "/cam/index.m3u8")
      .status, 307);
  // A browser sent to the other node plays the stream (hls.js, from the
  // owner it was redirected to).
  const std::string command = browser_command ("play_hls.cjs");
  if (!command.empty ()) {
    int played = -1;
    const std::string seen = run_command (command + " " + http_of (other ())
        + "/cam/ 30", &played);
    EXPECT_EQ (played, 0) << seen;
  }
}

// mode: proxy (the default), with users: a viewer on any node is served
// there. Each edge pulls the stream from its owner once, as the cluster's
// user, for all its viewers, and refuses whom the owner refuses. When the
// owner dies, the edges' viewers keep their sessions and see pictures again.
TEST_F (ClusterNodes, EdgesServeViewersOnEveryNodeFromOnePullEach)
{
  auto user = [](const std::string & name, const std::string & password,
      const std::string & grants) {
    return "  - name: " + name + "\n    password-hash: \""
        + camgate::hash_password (password) + "\"\n    permissions: " + grants + "\n";
  };
  cluster_extra_ = "  credential: { user: edge, password: 'edge pw/1' }\n";
  start ("outputs:\n  hls: {}\n", "", { "a", "b", "c" }, "users:\n"
      "  - name: anonymous\n    permissions: { '*': [api] }\n"
      + user ("edge", "edge pw/1", "{ '*': [read] }")
      + user ("alice", "alice-pw", "{ cam: [read] }")
      + user ("bob", "bob-pw", "{ lobby: [read] }"));
  const auto edges = others ();
  ASSERT_EQ (edges.size (), 2u);
  GatewayProcess & first = *nodes_[edges[0]];
  GatewayProcess & second = *nodes_[edges[1]];
  // Once it knows the owner's address (its next ownership tick), an edge
  // pulls nothing unwatched.
  EXPECT_TRUE (wait_until ([&] { return state_of (first, "cam") == "idle"; },
          3s)) << state_of (first, "cam");
  auto as_alice = [](const GatewayProcess & node) {
    return "rtsp://alice:alice-pw@127.0.0.1:" + std::to_string (
        node.rtsp_port ()) + "/cam";
  };

  // Two viewers on one edge, one on the other: one pull per edge.
  std::vector<std::unique_ptr<Viewer>> viewers;
  viewers.push_back (std::make_unique<Viewer> (as_alice (first), "tcp"));
  viewers.push_back (std::make_unique<Viewer> (as_alice (first), "tcp"));
  viewers.push_back (std::make_unique<Viewer> (as_alice (second), "tcp"));
  for (auto & viewer : viewers)
    ASSERT_TRUE (viewer->wait_frames (10, 20s)) << viewer->error () << logs ();
  EXPECT_EQ (camera_.clients_open (), 1) << "exactly one node pulls the camera";
  EXPECT_EQ (rtsp_viewers_of (owning (), "cam"), 2) << "the owner serves each "
      "edge once";
  // Any node's metrics show every node's load (written at most every 5 s).
  EXPECT_TRUE (wait_until ([&] {
        return http_request (second.http_port (), "GET", "/metrics").body.find (
            "camgate_cluster_node_streams{node=\"" + owner_ + "\"} 1")
            != std::string::npos
            && http_request (second.http_port (), "GET", "/metrics").body.find (
                "camgate_cluster_node_viewers{node=\"" + edges[0] + "\"} 2")
            != std::string::npos; }, 8s))
      << http_request (second.http_port (), "GET", "/metrics").body;
  EXPECT_EQ (rtsp_viewers_of (first, "cam"), 2);
  EXPECT_TRUE (wait_until ([&] { return state_of (first, "cam") == "running"; },
          2s)) << logs ();
  const std::string edge_view = http_request (first.http_port (), "GET",
      "/api/v1/streams/cam").body;
  EXPECT_NE (edge_view.find ("\"upstream\" : \"rtsp://edge:***@127.0.0.1:"
          + std::to_string (owning ().rtsp_port ()) + "/cam\""),
      std::string::npos) << "the edge says where it pulls from, no password: "
      << edge_view;

  // LL-HLS from an edge: packaged there, from its one pull.
  const auto playlist = http_request (second.http_port (), "GET",
      "/cam/stream.m3u8", {}, { { "Authorization", basic_auth ("alice",
              "alice-pw") } });
  EXPECT_EQ (playlist.status, 200) << playlist.body;
  EXPECT_NE (playlist.body.find ("#EXT-X-PART:"), std::string::npos)
      << playlist.body;
  EXPECT_EQ (http_request (second.http_port (), "GET", "/cam/index.m3u8", {},
          { { "Authorization", basic_auth ("bob", "bob-pw") } }).status,
      http_request (owning ().http_port (), "GET", "/cam/index.m3u8", {},
          { { "Authorization", basic_auth ("bob", "bob-pw") } }).status);
  EXPECT_EQ (camera_.clients_open (), 1);
  EXPECT_EQ (rtsp_viewers_of (owning (), "cam"), 2);

  // An edge answers every viewer as the owner does.
  for (const auto & who : std::vector<std::vector<std::pair<std::string,
          std::string>>> { {}, { { "Authorization", basic_auth ("bob",
                  "bob-pw") } }, { { "Authorization", basic_auth ("alice",
                  "wrong") } }, { { "Authorization", basic_auth ("alice",
                  "alice-pw") } } }) {
    RtspControl on_owner (owning ().rtsp_port ()), on_edge (first.rtsp_port ());
    const int owner_says = on_owner.request (GST_RTSP_DESCRIBE,
        owning ().url ("cam"), who).status;
    EXPECT_EQ (on_edge.request (GST_RTSP_DESCRIBE, first.url ("cam"), who)
        .status, owner_says) << (who.empty () ? "anonymous" : who[0].second);
    EXPECT_EQ (owner_says == 200, !who.empty () && who[0].second
        == basic_auth ("alice", "alice-pw"));
  }

  // The owner dies: another node owns the stream, and every viewer on the
  // survivors sees pictures again in the session it has.
  std::vector<int> before;
  for (auto & viewer : viewers)
    before.push_back (viewer->frames ());
  const auto killed = steady_clock::now ();
  owning ().kill_hard ();
  ASSERT_TRUE (wait_until ([&] {
        for (size_t i = 0; i < viewers.size (); i++)
          if (viewers[i]->frames () < before[i] + 30)
            return false;
        return true; }, 20s)) << [&] {
          std::string text;
          for (size_t i = 0; i < viewers.size (); i++)
            text += "viewer " + std::to_string (i) + ": " + std::to_string (
                before[i]) + " -> " + std::to_string (viewers[i]->frames ())
                + " " + viewers[i]->error () + "\n";
          return text; } () << logs ();
  const auto took_ms = duration_cast<milliseconds> (steady_clock::now ()
      - killed).count ();
  std::printf ("edge viewers decoded 2 s of pictures again %lld ms after the "
      "owner was killed (lease 2 s, GOP 1 s)\n", static_cast<long long> (took_ms));
  // 2 leases + a GOP, and the 2 s of pictures counted.
  EXPECT_LE (took_ms, 2 * 2000 + 1000 + 2000 + 1000);
  EXPECT_TRUE (wait_until ([&] { return camera_.clients_open () == 1; }, 5s))
      << camera_.clients_open ();
}

// Stream definitions live in etcd: a stream made through one node's API, or
// imported from a folder with `camgate cluster import`, runs on every node
// (each with a pipelines folder of its own), pulled from the camera once;
// one deleted on another node is gone everywhere.
TEST (ClusterStreams, AStreamMadeOnOneNodeIsLiveOnEveryNode)
{
  Etcd etcd;
  ASSERT_TRUE (etcd.ready ()) << "etcd did not start";
  FakeCamera camera ({ .audio = false });
  ASSERT_TRUE (camera.start ());
  TempDir dir;
  std::map<std::string, std::unique_ptr<TempDir>> folders;
  std::map<std::string, std::unique_ptr<GatewayProcess>> nodes;
  std::map<std::string, std::string> configs;
  for (const char *name : { "a", "b", "c" }) {
    folders[name] = std::make_unique<TempDir> ();
    configs[name] = dir.write (std::string (name) + ".yaml", "pipelines: "
        + folders[name]->path () + "\ncluster:\n  etcd: [" + etcd.url ()
        + "]\n  node: " + name + "\n  lease: 2s\n");
    nodes[name] = std::make_unique<GatewayProcess> (std::vector<std::string>
        { "--config", configs[name] });
    ASSERT_TRUE (nodes[name]->ready ()) << nodes[name]->log ();
  }
  auto logs = [&] {
    std::string text;
    for (const auto & [name, node] : nodes)
      text += "--- " + name + "\n" + node->log ();
    return text;
  };
  auto has = [&](const std::string & node, const std::string & stream) {
    return http_request (nodes[node]->http_port (), "GET", "/api/v1/streams/"
        + stream).status == 200;
  };

  // Made on a: the others run it within a second or so.
  auto made = http_request (nodes["a"]->http_port (), "POST",
      "/api/v1/streams", "{\"name\": \"cam\", \"source\": {\"uri\": \""
      + camera.uri () + "\"}}");
  ASSERT_EQ (made.status, 201) << made.body << logs ();
  const auto posted = steady_clock::now ();
  ASSERT_TRUE (wait_until ([&] { return has ("b", "cam") && has ("c", "cam"); },
          10s)) << logs ();
  const auto seen_ms = duration_cast<milliseconds> (steady_clock::now ()
      - posted).count ();
  std::printf ("a stream made on node a ran on b and c after %lld ms\n",
      static_cast<long long> (seen_ms));
  EXPECT_LE (seen_ms, 1500);
  EXPECT_NE (etcd.get ("/camgate/streams/cam").find (camera.uri ()),
      std::string::npos);
  // The same name made on another node is refused: the cluster has it.
  EXPECT_EQ (http_request (nodes["c"]->http_port (), "POST", "/api/v1/streams",
          "{\"name\": \"cam\", \"source\": \"test\"}").status, 409);
  for (const char *name : { "b", "c" }) {
    Viewer viewer (nodes[name]->url ("cam"), "tcp");
    EXPECT_TRUE (viewer.wait_frames (10, 20s)) << name << ": "
        << viewer.error () << logs ();
  }
  EXPECT_EQ (camera.clients_open (), 1) << "exactly one node pulls the camera";

  // Imported from a folder: valid files become the cluster's, others are
  // named and refused.
  TempDir import;
  import.write ("lobby.yaml", "source: test\n");
  import.write ("broken.yaml", "source: { kind: nonsense }\n");
  int status = -1;
  const std::string said = run_command (camgate_binary () + " cluster import "
      "--config " + configs["a"] + " " + import.path () + " 2>&1", &status);
  EXPECT_EQ (status, 1) << said;
  EXPECT_NE (said.find ("stream 'lobby' imported"), std::string::npos) << said;
  EXPECT_NE (said.find ("broken.yaml"), std::string::npos) << said;
  EXPECT_NE (said.find ("1 stream(s) imported, 1 refused"), std::string::npos)
      << said;
  EXPECT_TRUE (wait_until ([&] { return has ("a", "lobby") && has ("b", "lobby")
          && has ("c", "lobby"); }, 5s)) << logs ();
  EXPECT_FALSE (has ("b", "broken"));

  // Deleted on b: gone from every node (and from etcd).
  EXPECT_EQ (http_request (nodes["b"]->http_port (), "DELETE",
          "/api/v1/streams/cam").status, 200);
  EXPECT_TRUE (wait_until ([&] { return !has ("a", "cam") && !has ("c", "cam"); },
          5s)) << logs ();
  EXPECT_EQ (etcd.get ("/camgate/streams/cam"), "");
  EXPECT_TRUE (wait_until ([&] { return camera.clients_open () == 0; }, 5s));
  EXPECT_TRUE (has ("c", "lobby"));
}

// Placement is sticky: a node that joins takes nothing over by itself.
// POST /api/v1/cluster/rebalance moves one stream from the busiest node to
// the idlest; its viewers on both nodes keep their sessions and see
// pictures again, and the move is an event.
TEST (ClusterRebalance, ANodeThatJoinsGetsAStreamOnlyWhenAsked)
{
  Etcd etcd;
  ASSERT_TRUE (etcd.ready ()) << "etcd did not start";
  FakeCamera one ({ .audio = false }), two ({ .audio = false });
  ASSERT_TRUE (one.start () && two.start ());
  TempDir pipes, dir;
  pipes.write ("one.yaml", "source:\n  uri: " + one.uri () + "\n");
  pipes.write ("two.yaml", "source:\n  uri: " + two.uri () + "\n");
  std::map<std::string, std::unique_ptr<GatewayProcess>> nodes;
  auto join = [&](const std::string & name) {
    const std::string file = dir.write (name + ".yaml", "pipelines: "
        + pipes.path () + "\ncluster:\n  etcd: [" + etcd.url () + "]\n  node: "
        + name + "\n  lease: 2s\n");
    nodes[name] = std::make_unique<GatewayProcess> (std::vector<std::string>
        { "--config", file });
    return nodes[name]->ready ();
  };
  auto logs = [&] {
    std::string text;
    for (const auto & [name, node] : nodes)
      text += "--- " + name + "\n" + node->log ();
    return text;
  };
  ASSERT_TRUE (join ("a"));
  ASSERT_TRUE (wait_until ([&] {
        auto owners = cluster_of (*nodes["a"]).owners;
        return owners["one"] == "a" && owners["two"] == "a"; }, 10s)) << logs ();
  ASSERT_TRUE (join ("b"));
  EventReader events (nodes["b"]->http_port ());
  ASSERT_TRUE (wait_until ([&] {
        return cluster_of (*nodes["b"]).nodes.size () == 2; }, 10s)) << logs ();
  std::this_thread::sleep_for (2s);
  EXPECT_EQ (cluster_of (*nodes["b"]).owners["one"], "a") << "nothing moves "
      "when a node joins";
  EXPECT_EQ (cluster_of (*nodes["b"]).owners["two"], "a");

  // A viewer of each stream on each node.
  std::map<std::string, std::unique_ptr<Viewer>> viewers;
  for (const char *node : { "a", "b" })
    for (const char *stream : { "one", "two" }) {
      auto & viewer = viewers[std::string (node) + "/" + stream];
      viewer = std::make_unique<Viewer> (nodes[node]->url (stream), "tcp");
      ASSERT_TRUE (viewer->wait_frames (10, 20s)) << node << "/" << stream
          << ": " << viewer->error () << logs ();
    }

  EXPECT_EQ (http_request (nodes["b"]->http_port (), "POST",
          "/api/v1/cluster/rebalance", "{\"stream\": \"nope\"}").status, 400);
  EXPECT_EQ (http_request (nodes["b"]->http_port (), "POST",
          "/api/v1/cluster/rebalance", "{\"to\": \"zz\"}").status, 400);
  EXPECT_EQ (http_request (nodes["b"]->http_port (), "POST",
          "/api/v1/cluster/rebalance", "[1").status, 400);
  std::map<std::string, int> before;
  for (auto & [name, viewer] : viewers)
    before[name] = viewer->frames ();
  auto moved = http_request (nodes["b"]->http_port (), "POST",
      "/api/v1/cluster/rebalance");
  ASSERT_EQ (moved.status, 202) << moved.body << logs ();
  EXPECT_NE (moved.body.find ("\"from\" : \"a\""), std::string::npos)
      << moved.body;
  EXPECT_NE (moved.body.find ("\"to\" : \"b\""), std::string::npos)
      << moved.body;
  const std::string stream = moved.body.find ("\"stream\" : \"one\"")
      != std::string::npos ? "one" : "two";
  const auto asked = steady_clock::now ();
  ASSERT_TRUE (wait_until ([&] {
        return cluster_of (*nodes["a"]).owners[stream] == "b"
            && cluster_of (*nodes["b"]).owners[stream] == "b"; }, 10s))
      << logs ();
  // Every viewer goes on, the moved stream's included.
  EXPECT_TRUE (wait_until ([&] {
        for (auto & [name, viewer] : viewers)
          if (viewer->frames () < before[name] + 30)
            return false;
        return true; }, 15s)) << [&] {
          std::string text;
          for (auto & [name, viewer] : viewers)
            text += name + ": " + std::to_string (before[name]) + " -> "
                + std::to_string (viewer->frames ()) + " " + viewer->error ()
                + "\n";
          return text; } () << logs ();
  std::printf ("stream %s moved; its viewers decoded 2 s more after %lld ms\n",
      stream.c_str (), static_cast<long long> (duration_cast<milliseconds> (
              steady_clock::now () - asked).count ()));
  EXPECT_TRUE (wait_until ([&] {
        return one.clients_open () == 1 && two.clients_open () == 1; }, 5s))
      << one.clients_open () << " " << two.clients_open ();
  EXPECT_TRUE (events.wait_for ("event: cluster.owner\ndata: \\{[^\n]*\"stream\":\""
          + stream + "\",\"node\":\"b\",\"previous\":\"a\"", 5s)) << events.text ();

  // One each now: nothing more to move.
  auto balanced = http_request (nodes["a"]->http_port (), "POST",
      "/api/v1/cluster/rebalance");
  EXPECT_EQ (balanced.status, 200) << balanced.body;
  EXPECT_NE (balanced.body.find ("\"stream\" : null"), std::string::npos)
      << balanced.body;
}

// Recording belongs to the owner: the edge writes nothing, and when the
// owner dies the new owner records on; what the dead one wrote stays
// playable.
TEST_F (ClusterNodes, RecordingContinuesOnTheNewOwner)
{
  TempDir recordings;
  start ("record: { path: '%H-%M-%S.mp4', segment: 2s }\n", "", { "a", "b" },
      "recordings: " + recordings.path () + "/%NODE%\n");
  const std::string mine = recordings.path () + "/" + owner_ + "/cam";
  const std::string theirs = recordings.path () + "/" + other_name () + "/cam";
  ASSERT_TRUE (wait_until ([&] { return mp4_files_under (mine).size () >= 2; },
          15s)) << logs ();
  EXPECT_TRUE (mp4_files_under (theirs).empty ()) << "an edge records nothing";

  const auto killed = steady_clock::now ();
  owning ().kill_hard ();
  ASSERT_TRUE (wait_until ([&] { return mp4_files_under (theirs).size () >= 2; },
          20s)) << logs ();
  std::printf ("the new owner's second recording began %lld ms after the "
      "owner was killed\n", static_cast<long long> (duration_cast<milliseconds> (
              steady_clock::now () - killed).count ()));
  // Its first file is whole and decodes.
  const auto after = mp4_files_under (theirs);
  EXPECT_GT (seconds_in (after[0]), 1.0) << after[0];
  // What the dead owner wrote plays; the file it was writing opens (with
  // the fragments it finished).
  const auto before = mp4_files_under (mine);
  for (size_t i = 0; i + 1 < before.size (); i++)
    EXPECT_GT (seconds_in (before[i]), 1.0) << before[i];
  int status = -1;
  run_command ("ffprobe -v error '" + before.back () + "' 2>&1", &status);
  EXPECT_EQ (status, 0) << before.back ();
}

// With three etcd members, losing the one every node asked first changes
// nothing: the nodes go on with the others, and a node's death is still
// noticed and its stream taken over.
TEST (ClusterOnThreeEtcdMembers, LosingAMemberIsNotLosingTheCluster)
{
  EtcdTrio etcd;
  ASSERT_TRUE (etcd.ready ()) << "three etcd members did not start";
  FakeCamera camera ({ .audio = false });
  ASSERT_TRUE (camera.start ());
  TempDir pipes, dir;
  pipes.write ("cam.yaml", "source:\n  uri: " + camera.uri () + "\n");
  std::map<std::string, std::unique_ptr<GatewayProcess>> nodes;
  for (const char *name : { "a", "b" }) {
    const std::string file = dir.write (std::string (name) + ".yaml",
        "pipelines: " + pipes.path () + "\ncluster:\n  etcd: [" + etcd.urls ()
        + "]\n  node: " + name + "\n  lease: 2s\n");
    nodes[name] = std::make_unique<GatewayProcess> (std::vector<std::string>
        { "--config", file });
    ASSERT_TRUE (nodes[name]->ready ()) << nodes[name]->log ();
  }
  auto logs = [&] {
    return "--- a\n" + nodes["a"]->log () + "--- b\n" + nodes["b"]->log ();
  };
  std::string owner;
  ASSERT_TRUE (wait_until ([&] {
        owner = cluster_of (*nodes["a"]).owners["cam"];
        return !owner.empty () && cluster_of (*nodes["b"]).owners["cam"] == owner
            && state_of (*nodes[owner], "cam") == "running"; }, 15s)) << logs ();
  const std::string survivor = owner == "a" ? "b" : "a";

  etcd.stop (0);
  std::this_thread::sleep_for (3s);
  for (const char *name : { "a", "b" }) {
    const auto view = cluster_of (*nodes[name]);
    EXPECT_TRUE (view.registered) << name << ": " << view.error << logs ();
    EXPECT_EQ (view.nodes.size (), 2u) << name;
    EXPECT_EQ (view.owners.at ("cam"), owner) << name;
  }
  EXPECT_EQ (camera.clients_open (), 1);

  nodes[owner]->kill_hard ();
  EXPECT_TRUE (wait_until ([&] {
        return state_of (*nodes[survivor], "cam") == "running"; }, 10s))
      << logs ();
  EXPECT_EQ (cluster_of (*nodes[survivor]).owners["cam"], survivor);
  Viewer viewer (nodes[survivor]->url ("cam"), "tcp");
  EXPECT_TRUE (viewer.wait_frames (10, 15s)) << viewer.error ();
}

// The cluster keeps the users (`camgate cluster users`): they replace every
// node's config users, a password changed there is refused and the new one
// taken on every door (RTSP, HTTP) of every node within a round, and
// `--remove` brings the config's users back.
TEST (ClusterUsers, APasswordChangeReachesEveryDoorOfEveryNode)
{
  Etcd etcd;
  ASSERT_TRUE (etcd.ready ()) << "etcd did not start";
  TempDir pipes, dir;
  pipes.write ("lobby.yaml", "source: test\n");
  auto user = [](const std::string & name, const std::string & password,
      const std::string & grants) {
    return "  - name: " + name + "\n    password-hash: \""
        + camgate::hash_password (password) + "\"\n    permissions: " + grants
        + "\n";
  };
  const std::string edge = user ("edge", "edge-pw", "{ '*': [read] }");
  std::map<std::string, std::unique_ptr<GatewayProcess>> nodes;
  std::string config_a;
  for (const char *name : { "a", "b" }) {
    const std::string file = dir.write (std::string (name) + ".yaml",
        "pipelines: " + pipes.path () + "\nusers:\n" + edge
        + user ("ops", "ops-pw", "{ '*': [admin] }") + "cluster:\n  etcd: ["
        + etcd.url () + "]\n  node: " + name + "\n  lease: 2s\n"
        "  credential: { user: edge, password: edge-pw }\n");
    if (config_a.empty ())
      config_a = file;
    nodes[name] = std::make_unique<GatewayProcess> (std::vector<std::string>
        { "--config", file });
    ASSERT_TRUE (nodes[name]->ready ()) << nodes[name]->log ();
  }
  auto logs = [&] {
    return "--- a\n" + nodes["a"]->log () + "--- b\n" + nodes["b"]->log ();
  };
  // What each door of each node says to `who` with `password`: RTSP
  // DESCRIBE's status, and a token request's.
  auto answers = [&](const std::string & who, const std::string & password) {
    std::vector<int> said;
    for (const char *name : { "a", "b" }) {
      RtspControl rtsp (nodes[name]->rtsp_port ());
      said.push_back (rtsp.request (GST_RTSP_DESCRIBE, nodes[name]->url (
                  "lobby"), { { "Authorization", basic_auth (who, password) } })
          .status);
      said.push_back (http_request (nodes[name]->http_port (), "POST",
              "/api/v1/auth/token", "", { { "Authorization", basic_auth (who,
                          password) } }).status);
    }
    return said;
  };
  const std::vector<int> welcome { 200, 200, 200, 200 };
  const std::vector<int> refused { 401, 401, 401, 401 };
  ASSERT_TRUE (wait_until ([&] { return answers ("ops", "ops-pw") == welcome; },
          15s)) << logs ();
  EXPECT_EQ (answers ("alice", "one"), refused);

  auto store = [&](const std::string & text) {
    const std::string file = dir.write ("users.yaml", text);
    int status = -1;
    const std::string said = run_command (camgate_binary () + " cluster users "
        "--config " + config_a + " " + file + " 2>&1", &status);
    EXPECT_EQ (status, 0) << said;
  };
  // Each node says when it took the cluster's users (wrong passwords are
  // not tried in a loop: ten a minute block the address).
  auto taken = [&](const std::string & line) {
    return nodes["a"]->wait_for_log (line, 5s)
        && nodes["b"]->wait_for_log (line, 5s);
  };
  store ("users:\n" + edge + user ("ops", "ops-pw", "{ '*': [admin] }")
      + user ("alice", "one", "{ lobby: [read] }"));
  EXPECT_TRUE (taken ("cluster: 3 user(s) from etcd")) << logs ();
  EXPECT_EQ (answers ("alice", "one"), welcome) << logs ();
  EXPECT_EQ (etcd.get ("/camgate/users").find ("one"), std::string::npos)
      << "etcd keeps hashes, not passwords";

  // Alice's password changes, ops is gone.
  store ("users:\n" + edge + user ("alice", "two", "{ lobby: [read] }"));
  const auto changed = steady_clock::now ();
  EXPECT_TRUE (taken ("cluster: 2 user(s) from etcd")) << logs ();
  std::printf ("both nodes took a changed password after %lld ms\n",
      static_cast<long long> (duration_cast<milliseconds> (
              steady_clock::now () - changed).count ()));
  EXPECT_EQ (answers ("alice", "two"), welcome);
  EXPECT_EQ (answers ("alice", "one"), refused);
  EXPECT_EQ (answers ("ops", "ops-pw"), refused);

  // Broken users in etcd change nothing.
  etcd.call ("kv/put", std::string ("{\"key\":\"") + [] {
        g_autofree gchar *k = g_base64_encode (reinterpret_cast<const guchar *>
            ("/camgate/users"), 14);
        return std::string (k); } () + "\",\"value\":\"" + [] {
        g_autofree gchar *v = g_base64_encode (reinterpret_cast<const guchar *>
            ("users: [ { name: x } ]"), 22);
        return std::string (v); } () + "\"}");
  EXPECT_TRUE (taken ("the users kept in etcd are not valid")) << logs ();
  EXPECT_EQ (answers ("alice", "two"), welcome);

  // No users in the cluster: the config's apply again.
  int status = -1;
  run_command (camgate_binary () + " cluster users --config " + config_a
      + " --remove", &status);
  EXPECT_EQ (status, 0);
  EXPECT_TRUE (taken ("those of the config apply")) << logs ();
  EXPECT_EQ (answers ("ops", "ops-pw"), welcome);
  EXPECT_EQ (answers ("alice", "two"), refused);
}
