// The users a cluster keeps in etcd (`camgate cluster users`), applied to
// this node's access control as ClusterNode reads them: they replace the
// config's users, and the config's come back when the cluster has none.
// A list that does not parse changes nothing.
#pragma once

#include "auth/access_control.h"
#include "cluster/cluster_node.h"
#include "config/gateway_config.h"

#include <atomic>

namespace camgate {

// `kept` tells others (SIGHUP's reload) whether the cluster's users apply.
void follow_cluster_users (ClusterNode & cluster, AccessControl & access,
    const GatewayConfig & config, std::atomic<bool> & kept);

}  // namespace camgate
