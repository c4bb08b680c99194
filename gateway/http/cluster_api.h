// GET /api/v1/cluster: the cluster as this node sees it.
#pragma once

#include <libsoup/soup.h>

namespace camgate {

class ClusterNode;

// {"enabled": false} for a gateway that runs alone; else this node, whether
// it is registered (and why not), the lease, and the registered nodes with
// their advertised addresses.
void send_cluster (SoupServerMessage * message, const ClusterNode * cluster);

}  // namespace camgate
