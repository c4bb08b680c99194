// StreamDefinitions: the cluster's stream definitions, one etcd key each
// (<prefix>streams/<name> = the pipeline file's YAML), kept in step with this
// node's pipelines folder. A thread of its own reads them all, then follows
// etcd's watch of the prefix; each definition is written to <name>.yaml
// (marked as mirrored, see config/shared_definitions.h) when it differs, and
// a mirrored file whose key is gone is removed. The folder's monitor then
// starts, changes or stops the stream as for any file, so a change made on
// one node is live on every node within a second. Files without the mark
// (the operator's own) are left alone unless etcd defines the same stream:
// then etcd's definition wins. Without etcd the folder keeps the last
// definitions it had.
//
// It is also where this node's stream API writes (SharedDefinitions), from
// the main context, with a short timeout of its own.
#pragma once

#include "cluster/etcd_client.h"
#include "config/gateway_config.h"
#include "config/shared_definitions.h"

#include <gio/gio.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace camgate {

class StreamDefinitions : public SharedDefinitions
{
public:
  StreamDefinitions (const ClusterConfig & cluster, std::string pipelines_dir);
  ~StreamDefinitions () override;
  StreamDefinitions (const StreamDefinitions &) = delete;
  StreamDefinitions & operator= (const StreamDefinitions &) = delete;

  void start ();
  void stop ();

  bool put (const std::string & name, const std::string & yaml, bool create,
      std::string & error) override;
  bool remove (const std::string & name, std::string & error) override;

  static std::string key_of (const std::string & name);
  // Definitions larger than this are refused (as API bodies are).
  static constexpr size_t kMaxDefinitionBytes = 64 * 1024;

private:
  void run ();
  // Reads every definition and makes the folder match: the revision they
  // were read at, or -1 (and why) when etcd could not be read.
  int64_t resync (EtcdClient & etcd, std::string & error);
  void apply (const EtcdClient::Change & change);
  // Writes <name>.yaml when its text differs from `yaml`'s mirror.
  void mirror (const std::string & name, const std::string & yaml);
  void unmirror (const std::string & name);
  std::string file_of (const std::string & name) const;

  const ClusterConfig cluster_;
  const std::string dir_;
  EtcdClient writer_;              // the API's calls, on the main context
  GCancellable *cancel_ = g_cancellable_new ();   // ends a watch
  std::mutex lock_;
  std::condition_variable wake_;   // ends a pause between tries
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace camgate
