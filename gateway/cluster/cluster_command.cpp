#include "cluster/cluster_command.h"

#include "cluster/cluster_node.h"
#include "cluster/etcd_client.h"
#include "cluster/stream_definitions.h"
#include "config/gateway_config.h"
#include "config/pipeline_file.h"

#include <glib.h>

#include <cstring>
#include <set>
#include <string>
#include <vector>

namespace camgate {

namespace {

constexpr const char *kUsage =
    "usage: camgate cluster import --config FILE DIR|FILE...\n"
    "       camgate cluster users --config FILE USERS.yaml|--remove\n";

int
store_users (const GatewayConfig & config, const std::string & file)
{
  EtcdClient etcd (config.cluster, 5);
  std::string error;
  if (file == "--remove") {
    if (!etcd.remove (ClusterNode::users_key (), error)) {
      g_printerr ("camgate: etcd: %s\n", error.c_str ());
      return 1;
    }
    g_print ("the cluster keeps no users: every node uses its config's\n");
    return 0;
  }
  gchar *text = nullptr;
  if (!g_file_get_contents (file.c_str (), &text, nullptr, nullptr)) {
    g_printerr ("camgate: cannot read %s\n", file.c_str ());
    return 1;
  }
  std::vector<UserSpec> users;
  std::vector<ConfigError> errors;
  const bool valid = parse_users (text, file, users, errors);
  g_free (text);
  for (const auto & e : errors)
    g_printerr ("%s\n", e.to_string ().c_str ());
  if (!valid)
    return 1;
  // Only the users, as camgate reads them: nothing else of the file.
  if (!etcd.put (ClusterNode::users_key (), users_text (users), false, error)) {
    g_printerr ("camgate: etcd: %s\n", error.c_str ());
    return 1;
  }
  g_print ("%zu user(s) stored: every node uses them within a round\n",
      users.size ());
  return 0;
}

int
import_definitions (const GatewayConfig & config,
    const std::vector<std::string> & paths)
{
  PipelineSet set = load_pipeline_files (paths);
  std::set<std::string> broken;
  for (const auto & error : set.errors) {
    g_printerr ("%s\n", error.to_string ().c_str ());
    broken.insert (error.file);
  }
  EtcdClient etcd (config.cluster, 5);
  size_t imported = 0, failed = broken.size ();
  for (const auto & spec : set.streams) {
    gchar *text = nullptr;
    gsize size = 0;
    std::string error;
    if (!g_file_get_contents (spec.file.c_str (), &text, &size, nullptr)) {
      error = "cannot read it";
    } else if (size > StreamDefinitions::kMaxDefinitionBytes) {
      error = "larger than 64 KiB";
    } else if (!etcd.put (StreamDefinitions::key_of (spec.name),
            std::string (text, size), false, error)) {
      error = "etcd: " + error;
    }
    g_free (text);
    if (!error.empty ()) {
      g_printerr ("%s: not imported: %s\n", spec.file.c_str (), error.c_str ());
      failed++;
      continue;
    }
    g_print ("%s: stream '%s' imported\n", spec.file.c_str (),
        spec.name.c_str ());
    imported++;
  }
  g_print ("%zu stream(s) imported, %zu refused\n", imported, failed);
  return failed ? 1 : 0;
}

}  // namespace

int
run_cluster_command (int argc, char **argv)
{
  const bool import = argc >= 2 && std::strcmp (argv[1], "import") == 0;
  const bool users = argc >= 2 && std::strcmp (argv[1], "users") == 0;
  if (argc < 4 || !(import || users) || std::strcmp (argv[2], "--config") != 0) {
    g_printerr ("%s", kUsage);
    return 2;
  }
  GatewayConfig config;
  std::vector<ConfigError> errors;
  if (!load_gateway_config (argv[3], config, errors)) {
    for (const auto & e : errors)
      g_printerr ("%s\n", e.to_string ().c_str ());
    return 1;
  }
  if (!config.cluster.enabled ()) {
    g_printerr ("camgate: %s has no cluster: with etcd endpoints\n", argv[3]);
    return 2;
  }
  if (argc < 5 || (users && argc != 5)) {
    g_printerr ("%s", kUsage);
    return 2;
  }
  if (users)
    return store_users (config, argv[4]);
  return import_definitions (config, std::vector<std::string> (argv + 4,
          argv + argc));
}

}  // namespace camgate
