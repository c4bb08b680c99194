// Prometheus text exposition (format 0.0.4) of every stream's figures and
// of the process; checked with `promtool check metrics` in the tests.
#pragma once

#include <string>

namespace camgate {

class StreamManager;
class Webhooks;

class ClusterNode;

std::string render_metrics (const StreamManager & streams,
    const Webhooks * webhooks = nullptr, const ClusterNode * cluster = nullptr);

}  // namespace camgate
