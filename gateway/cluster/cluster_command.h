// `camgate cluster ...`: an operator's commands on the cluster's shared
// state.
//   camgate cluster import --config FILE DIR|FILE...
// stores each valid pipeline file as the cluster's definition of its stream
// (replacing one of that name); every node runs it within a second.
//   camgate cluster users --config FILE USERS.yaml
// makes the `users:` list of USERS.yaml (a gateway config will do) the
// cluster's: every node uses it instead of its config's within a round.
//   camgate cluster users --config FILE --remove
// gives every node its config's users back.
#pragma once

namespace camgate {

// argv[0] is "cluster"; the process's exit code.
int run_cluster_command (int argc, char **argv);

}  // namespace camgate
