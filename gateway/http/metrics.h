// Prometheus text exposition (format 0.0.4) of every stream's figures and
// of the process; checked with `promtool check metrics` in the tests.
#pragma once

#include <string>

namespace camgate {

class StreamManager;
class Webhooks;

class ClusterNode;

// `recordings_dir`: the filesystem whose size and free space are reported
// ("" for none).
std::string render_metrics (const StreamManager & streams,
    const Webhooks * webhooks = nullptr, const ClusterNode * cluster = nullptr,
    const std::string & recordings_dir = {});

}  // namespace camgate
