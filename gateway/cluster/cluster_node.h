// ClusterNode: this gateway as a member of a cluster coordinated by etcd
// (`cluster:` in the gateway config). A thread of its own registers the
// node under a lease (key <prefix>nodes/<node>, its advertised addresses
// as JSON), keeps the lease alive at a third of its time, and reads who else
// is registered. A node whose lease expires (it died, or lost etcd for
// longer than the lease) is gone from every member's view; one that stops
// revokes its lease and is gone at once. A node name held by another
// gateway's lease is not taken over until that lease ends.
//
// Stream ownership, placement and edge fan-out build on this (issue 21);
// this part is membership.
#pragma once

#include "cluster/etcd_client.h"
#include "config/gateway_config.h"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace camgate {

class ClusterNode
{
public:
  struct Member
  {
    std::string node;
    std::string rtsp;              // advertised addresses
    std::string http;
    std::string since;             // when it registered (RFC 3339)
    bool self = false;
  };
  struct View
  {
    bool registered = false;       // our lease is alive and our key ours
    std::string error;             // why not, when not
    std::vector<Member> members;   // as last read from etcd
  };

  // `config.advertise_*` already filled in (defaults from the bound ports).
  explicit ClusterNode (ClusterConfig config);
  ~ClusterNode ();
  ClusterNode (const ClusterNode &) = delete;
  ClusterNode & operator= (const ClusterNode &) = delete;

  void start ();
  // Revokes the lease (the node leaves at once) and waits for the thread.
  void stop ();

  const ClusterConfig & config () const { return config_; }
  View view () const;

  static constexpr const char *kPrefix = "/camgate/";

private:
  void run ();
  // One round: the lease alive and the key ours, then the members read.
  void round ();
  std::string record () const;

  const ClusterConfig config_;
  const std::string since_;
  EtcdClient etcd_;
  int64_t lease_ = 0;              // thread only
  bool key_ours_ = false;          // our key written under lease_
  mutable std::mutex lock_;
  std::condition_variable wake_;
  bool stopping_ = false;
  View view_;
  std::thread thread_;
};

}  // namespace camgate
