// The `cluster:` settings: what a node is told, and bad values named.
#include "auth/password_hash.h"
#include "config/gateway_config.h"

#include <glib.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

using namespace camgate;

namespace {

struct Loaded
{
  bool ok = false;
  GatewayConfig config;
  std::string errors;              // one per line
};

Loaded
load (const std::string & text)
{
  gchar *dir = g_dir_make_tmp ("camgate-cluster-XXXXXX", nullptr);
  const std::string path = std::string (dir) + "/camgate.yaml";
  std::ofstream (path) << text;
  Loaded out;
  std::vector<ConfigError> errors;
  out.ok = load_gateway_config (path, out.config, errors);
  for (const auto & e : errors)
    out.errors += e.to_string () + "\n";
  std::filesystem::remove_all (dir);
  g_free (dir);
  return out;
}

}  // namespace

TEST (ClusterConfig, AloneUnlessEtcdIsNamed)
{
  EXPECT_FALSE (load ("rtsp-port: 8554\n").config.cluster.enabled ());
  auto full = load ("cluster:\n"
      "  etcd: [http://10.0.0.5:2379, 'https://10.0.0.6:2379/']\n"
      "  node: gw-a\n"
      "  advertise: { rtsp: rtsp://10.0.0.11:8554, http: http://10.0.0.11:8888 }\n"
      "  lease: 3s\n"
      "  mode: redirect\n");
  ASSERT_TRUE (full.ok) << full.errors;
  const ClusterConfig & c = full.config.cluster;
  EXPECT_TRUE (c.enabled ());
  ASSERT_EQ (c.etcd.size (), 2u);
  EXPECT_EQ (c.etcd[1], "https://10.0.0.6:2379");
  EXPECT_EQ (c.node, "gw-a");
  EXPECT_EQ (c.advertise_rtsp, "rtsp://10.0.0.11:8554");
  EXPECT_EQ (c.advertise_http, "http://10.0.0.11:8888");
  EXPECT_EQ (c.lease_ms, 3000u);
  EXPECT_TRUE (c.redirect);
  auto secured = load ("cluster:\n  etcd: [https://10.0.0.5:2379]\n"
      "  etcd-auth: { user: gw, password: 'p w' }\n"
      "  etcd-tls: { ca: ca.pem, certificate: /etc/camgate/gw.pem, key: gw.key }\n");
  ASSERT_TRUE (secured.ok) << secured.errors;
  EXPECT_EQ (secured.config.cluster.etcd_user, "gw");
  EXPECT_EQ (secured.config.cluster.etcd_password, "p w");
  // Files beside the config unless absolute.
  EXPECT_EQ (secured.config.cluster.etcd_certificate, "/etc/camgate/gw.pem");
  EXPECT_EQ (std::filesystem::path (secured.config.cluster.etcd_ca).filename (),
      "ca.pem");
  EXPECT_TRUE (std::filesystem::path (secured.config.cluster.etcd_key)
      .is_absolute ());
  // Defaults: the host name and the listening ports, at run time.
  auto minimal = load ("cluster: { etcd: [http://127.0.0.1:2379] }\n");
  ASSERT_TRUE (minimal.ok) << minimal.errors;
  EXPECT_EQ (minimal.config.cluster.lease_ms, 5000u);
  EXPECT_TRUE (minimal.config.cluster.node.empty ());
  EXPECT_FALSE (minimal.config.cluster.redirect);
}

TEST (ClusterConfig, BadSettingsAreNamed)
{
  struct Case
  {
    const char *yaml;
    const char *error;
  } cases[] = {
    { "cluster: { node: a }\n", "cluster.etcd: expected a list" },
    { "cluster: { etcd: [] }\n", "cluster.etcd: expected a list" },
    { "cluster: { etcd: [ftp://x:1] }\n", "is not an http(s)://host:port" },
    { "cluster: { etcd: ['http://u:p@x:1'] }\n", "is not an http(s)" },
    { "cluster: { etcd: [http://x:1/v3/kv] }\n", "is not an http(s)" },
    { "cluster: { etcd: [http://x:1], node: ../up }\n", "cluster.node:" },
    { "cluster: { etcd: [http://x:1], lease: 500ms }\n", "at least 2s" },
    { "cluster: { etcd: [http://x:1], lease: 2h }\n", "cluster.lease" },
    { "cluster: { etcd: [http://x:1], advertise: { rtsp: http://x:1 } }\n",
      "cluster.advertise.rtsp" },
    { "cluster: { etcd: [http://x:1], mode: relay }\n",
      "cluster.mode: expected proxy or redirect" },
    { "cluster: { etcd: [http://x:1], credential: edge }\n",
      "cluster.credential: expected a mapping" },
    { "cluster: { etcd: [http://x:1], credential: { user: edge } }\n",
      "cluster.credential: needs both user and password" },
    { "cluster: { etcd: [http://x:1], credential: { user: anonymous, "
      "password: x } }\n", "cluster.credential.user: a user of the users" },
    { "cluster: [http://x:1]\n", "cluster: expected a mapping" },
    { "cluster: { etcd: [http://x:1], etcd-auth: { user: gw } }\n",
      "cluster.etcd-auth: expected { user, password }" },
    { "cluster: { etcd: [http://x:1], etcd-tls: { certificate: c.pem } }\n",
      "cluster.etcd-tls: needs both certificate and key" },
    { "cluster: { etcd: [http://x:1], etcd-tls: { crt: c.pem } }\n",
      "cluster.etcd-tls" },
  };
  for (const auto & c : cases) {
    auto loaded = load (c.yaml);
    EXPECT_FALSE (loaded.ok) << c.yaml;
    EXPECT_NE (loaded.errors.find (c.error), std::string::npos)
        << c.yaml << loaded.errors;
  }
}

// With users, an edge needs one of them to pull other nodes' streams as.
TEST (ClusterConfig, AnEdgePullsAsAConfiguredUser)
{
  const std::string users = "users:\n  - name: edge\n    password-hash: \""
      + hash_password ("edge-pw") + "\"\n    permissions: { '*': [read] }\n";
  auto proxy = load (users + "cluster:\n  etcd: [http://x:1]\n  mode: proxy\n"
      "  credential: { user: edge, password: edge-pw }\n");
  ASSERT_TRUE (proxy.ok) << proxy.errors;
  EXPECT_FALSE (proxy.config.cluster.redirect);
  EXPECT_EQ (proxy.config.cluster.credential_user, "edge");
  EXPECT_EQ (proxy.config.cluster.credential_password, "edge-pw");

  auto without = load (users + "cluster: { etcd: [http://x:1] }\n");
  EXPECT_FALSE (without.ok);
  EXPECT_NE (without.errors.find ("cluster.credential: needed in proxy mode"),
      std::string::npos) << without.errors;
  auto stranger = load (users + "cluster: { etcd: [http://x:1], credential: "
      "{ user: bob, password: x } }\n");
  EXPECT_FALSE (stranger.ok);
  EXPECT_NE (stranger.errors.find ("'bob' is not in the users list"),
      std::string::npos) << stranger.errors;
  // Redirected viewers log in on the owner: no credential needed.
  EXPECT_TRUE (load (users + "cluster: { etcd: [http://x:1], mode: redirect "
          "}\n").ok);
}
