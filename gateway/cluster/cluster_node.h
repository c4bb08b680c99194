// ClusterNode: this gateway as a member of a cluster coordinated by etcd
// (`cluster:` in the gateway config). A thread of its own registers the
// node under a lease (key <prefix>nodes/<node>, its advertised addresses
// as JSON), keeps the lease alive at a third of its time, and reads who else
// is registered. A node whose lease expires (it died, or lost etcd for
// longer than the lease) is gone from every member's view; one that stops
// revokes its lease and is gone at once. A node name held by another
// gateway's lease is not taken over until that lease ends.
//
// Each stream has one owner, the node that pulls its camera: a key
// <prefix>owners/<stream> = node, bound to the owner's lease, taken with a
// transaction only while free, so there are never two owners in etcd. A
// node claims a free stream while no live node owns fewer (least loaded;
// sticky: nothing moves when a node joins). When an owner's lease ends, its
// streams are free and the others claim them. A node that cannot reach etcd
// claims nothing and keeps what it owns (it cannot know better) until etcd
// answers again; if its lease ended meanwhile it owns nothing any more.
//
// Where viewers of a stream another node owns are served: from the owner,
// pulled by this node as an edge (upstream(), `mode: proxy`), or sent
// there (redirect_*(), `mode: redirect`). Streams move by hand through
// request_move(). Each round also reads the users the cluster keeps
// (follow_users) and writes this node's load into its record. Stream
// definitions are StreamDefinitions' (stream_definitions.h).
#pragma once

#include "cluster/etcd_client.h"
#include "config/gateway_config.h"
#include "stream/stream_ownership.h"
#include "system/process_cpu.h"

#include <condition_variable>
#include <functional>
#include <optional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace camgate {

class ClusterNode : public StreamOwnership
{
public:
  struct Member
  {
    std::string node;
    std::string rtsp;              // advertised addresses
    std::string http;
    std::string since;             // when it registered (RFC 3339)
    bool self = false;
    size_t streams = 0;            // streams it owns
    int64_t viewers = 0;           // readers of its streams (as it said)
    double cpu = 0;                // its CPU use, % of one core
  };
  struct View
  {
    bool registered = false;       // our lease is alive and our key ours
    std::string error;             // why not, when not
    std::vector<Member> members;   // as last read from etcd
    std::map<std::string, std::string> owners;   // stream -> node
  };

  // `config.advertise_*` already filled in (defaults from the bound ports).
  explicit ClusterNode (ClusterConfig config);
  // The node `gateway.cluster` describes, its defaults filled in: the host
  // name, and the bind address (the host name when bound to every address)
  // with the ports the gateway listens on. Not started; nullptr with
  // `error` when the host name cannot name a node.
  static std::unique_ptr<ClusterNode> join (const GatewayConfig & gateway,
      int rtsp_port, int http_port, std::string & error);
  ~ClusterNode () override;
  ClusterNode (const ClusterNode &) = delete;
  ClusterNode & operator= (const ClusterNode &) = delete;

  void start ();
  // Revokes the lease (the node leaves at once) and waits for the thread.
  void stop ();

  // The cluster's users: the key <prefix>users holds a `users:` document
  // (camgate cluster users), read every round. `on_change` (on the
  // cluster's thread) gets its text when it changed, nothing once it is
  // gone; not called while it was never there. Before start().
  using UsersHandler = std::function<void (const std::optional<std::string> &)>;
  void follow_users (UsersHandler on_change) { on_users_ = std::move (on_change); }
  static std::string users_key () { return std::string (kPrefix) + "users"; }

  const ClusterConfig & config () const { return config_; }
  View view () const;

  // StreamOwnership, from the main context: the streams set are claimed
  // from the next round on. Redirects only with `mode: redirect`, to the
  // owner's advertised addresses.
  bool owns (const std::string & stream) const override;
  void set_candidates (std::vector<std::string> streams, size_t viewers)
      override;
  std::string redirect_rtsp (const std::string & stream) const override;
  std::string redirect_http (const std::string & stream) const override;
  // With `mode: proxy`: the owner's advertised RTSP address, the stream's
  // path, and `credential` as user information.
  std::string upstream (const std::string & stream) const override;

  // Rebalancing by hand (main context): asks the owner of `stream` to hand
  // it to node `to`. Empty `stream`: a stream of the node owning the most,
  // to the node owning the fewest, when they differ by two or more; empty
  // `to`: the node owning the fewest. The request is a key
  // <prefix>moves/<stream> = node under a short lease of its own: the owner
  // lets the stream go, only that node claims it, then removes the key.
  struct Move
  {
    std::string stream, from, to;  // stream "": nothing to move
    std::string error;             // why not (and no move)
    bool bad_request = false;      // the error is the caller's
  };
  Move request_move (const std::string & stream, const std::string & to);

  static constexpr const char *kPrefix = "/camgate/";

private:
  void run ();
  // One round: the lease alive and the key ours, then the members read.
  void round ();
  // Reads the owners and claims free streams; false when etcd could not
  // be read (what this node owns stays as it was).
  bool claim_streams (bool registered, std::map<std::string, std::string> &
      owners, std::string & error);
  // The moves asked for (stream -> node), read this round.
  std::map<std::string, std::string> read_moves ();
  // Reads the users key and tells on_users_ what changed.
  void read_users ();
  // This node's record: addresses and load (the load written again when it
  // changed, at most every kLoadEveryUs).
  std::string record ();
  // Publishes what changed between two views (ownership moves, nodes
  // joining or leaving) on the event bus.
  void publish_changes (const View & before, const View & after) const;
  static constexpr int64_t kLoadEveryUs = 5 * G_USEC_PER_SEC;
  // The owner's member record, when another live node owns `stream`.
  const Member *other_owner_locked (const std::string & stream) const;
  // That owner's advertised `address`, with `mode: redirect` ("" else).
  std::string redirect_to (const std::string & stream,
      std::string Member::*address) const;

  const ClusterConfig config_;
  const std::string since_;
  EtcdClient etcd_;
  EtcdClient api_etcd_;            // request_move's, on the main context
  int64_t lease_ = 0;              // thread only
  bool key_ours_ = false;          // our key written under lease_
  std::string written_;            // the record as last written
  int64_t written_us_ = 0;
  ProcessCpu cpu_;                 // thread only
  bool owners_known_ = false;      // owners read once: changes are events
  UsersHandler on_users_;
  std::optional<std::string> users_; // as last read (thread only)
  mutable std::mutex lock_;
  std::condition_variable wake_;
  bool stopping_ = false;
  View view_;
  std::vector<std::string> streams_;     // set_candidates
  size_t viewers_ = 0;
  std::set<std::string> owned_;
  // Streams this node let go for a move, and to whom: their viewers here
  // are served from that node (as an edge) until another owner is known.
  std::map<std::string, std::string> handed_over_;
  std::thread thread_;
};

}  // namespace camgate
