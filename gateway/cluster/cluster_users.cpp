#include "cluster/cluster_users.h"

#include <algorithm>

namespace camgate {

namespace {

constexpr size_t kMaxUsersBytes = 256 * 1024;

}  // namespace

void
follow_cluster_users (ClusterNode & cluster, AccessControl & access,
    const GatewayConfig & config, std::atomic<bool> & kept)
{
  cluster.follow_users ([&access, &kept, config_users = config.users,
          edge = config.cluster.redirect ? std::string ()
              : config.cluster.credential_user](
          const std::optional<std::string> & text) {
        kept = text.has_value ();
        if (!text) {
          access.replace_users (config_users);
          g_message ("cluster: the cluster keeps no users: those of the "
              "config apply");
          return;
        }
        std::vector<UserSpec> users;
        std::vector<ConfigError> errors;
        if (text->size () > kMaxUsersBytes || !parse_users (*text,
                ClusterNode::users_key (), users, errors)) {
          g_warning ("cluster: the users kept in etcd are not valid (%s): "
              "the current ones stay", errors.empty () ? "too large"
              : errors.front ().to_string ().c_str ());
          return;
        }
        // An edge pulls other nodes' streams as this user.
        if (!edge.empty () && std::none_of (users.begin (), users.end (),
                [&](const UserSpec & u) { return u.name == edge; }))
          g_warning ("cluster: the users kept in etcd lack '%s' "
              "(cluster.credential): edges cannot pull", edge.c_str ());
        g_message ("cluster: %zu user(s) from etcd", users.size ());
        access.replace_users (std::move (users));
      });
}

}  // namespace camgate
