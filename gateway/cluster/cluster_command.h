// `camgate cluster ...`: an operator's commands on the cluster's shared
// state.
//   camgate cluster import --config FILE DIR|FILE...
// stores each valid pipeline file as the cluster's definition of its stream
// (replacing one of that name); every node runs it within a second.
#pragma once

namespace camgate {

// argv[0] is "cluster"; the process's exit code.
int run_cluster_command (int argc, char **argv);

}  // namespace camgate
