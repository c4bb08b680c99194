// GET /api/v1/cluster: the cluster as this node sees it.
#pragma once

#include <libsoup/soup.h>

#include <string>

namespace camgate {

class ClusterNode;

// {"enabled": false} for a gateway that runs alone; else this node, whether
// it is registered (and why not), the lease, and the registered nodes with
// their advertised addresses.
void send_cluster (SoupServerMessage * message, const ClusterNode * cluster);

// POST /api/v1/cluster/rebalance, body {"stream": ..., "to": ...} (both
// optional, see ClusterNode::request_move): 202 with the move asked for,
// 200 with "stream": null when the cluster is balanced.
void rebalance_cluster (SoupServerMessage * message, ClusterNode * cluster,
    const std::string & body);

}  // namespace camgate
