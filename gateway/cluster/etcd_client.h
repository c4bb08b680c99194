// EtcdClient: the few etcd v3 calls a camgate cluster needs, over etcd's
// JSON gateway (POST /v3/...; keys and values base64 in the JSON), with
// libsoup. Synchronous: the thread that made it calls it. A call that
// cannot reach an endpoint tries the next one (etcd members are equals).
// Where etcd checks who calls, it logs in with the configured user (again
// when its token expires) and presents the client certificate; its own
// certificate is checked against the configured CA.
#pragma once

#include "config/gateway_config.h"

#include <libsoup/soup.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace camgate {

class EtcdClient
{
public:
  // `cluster.etcd`: http(s)://host:port of the etcd members; and its etcd
  // credentials. A certificate or CA that cannot be read is reported by
  // error() and every call fails.
  EtcdClient (const ClusterConfig & cluster, unsigned timeout_s);
  ~EtcdClient ();
  EtcdClient (const EtcdClient &) = delete;
  EtcdClient & operator= (const EtcdClient &) = delete;

  // A lease of `ttl_s` seconds (etcd may grant more): its id, or nothing.
  std::optional<int64_t> grant (int64_t ttl_s, std::string & error);
  // Renews `lease`: the seconds it has left (0: it is gone), or nothing
  // when etcd could not be asked.
  std::optional<int64_t> keep_alive (int64_t lease, std::string & error);
  bool revoke (int64_t lease, std::string & error);

  // Puts `key` = `value` bound to `lease` only if the key does not exist,
  // or already belongs to that lease (a transaction): true when it is
  // ours, false when someone else holds it (`error` empty) or on failure.
  bool put_if_free_or_ours (const std::string & key, const std::string & value,
      int64_t lease, std::string & error);
  // Deletes `key` if it is bound to `lease` (a transaction).
  bool delete_if_ours (const std::string & key, int64_t lease,
      std::string & error);

  struct KeyValue
  {
    std::string key, value;
    int64_t lease = 0;             // 0: bound to none
  };
  // Every key under `prefix`, in key order; `revision` (when given) the
  // store's revision they were read at.
  std::optional<std::vector<KeyValue>> range_prefix (const std::string & prefix,
      std::string & error, int64_t *revision = nullptr);

  // Puts `key` = `value` (no lease); with `only_if_absent`, only when the
  // key does not exist: false then, with `error` empty.
  bool put (const std::string & key, const std::string & value,
      bool only_if_absent, std::string & error, int64_t lease = 0);
  // Deletes `key`: false on failure (a key that was not there is no failure).
  bool remove (const std::string & key, std::string & error);

  struct Change
  {
    std::string key, value;        // value: "" when deleted
    bool deleted = false;
  };
  using ChangeHandler = std::function<void (const std::vector<Change> &)>;
  // Follows the changes under `prefix` after `revision` (etcd's watch, one
  // streamed answer), calling `on_changes` with each batch, until etcd ends
  // the stream, nothing arrives within the client's timeout, or `cancel`
  // fires. Always returns false, with why it ended in `error`.
  bool watch_prefix (const std::string & prefix, int64_t revision,
      GCancellable * cancel, const ChangeHandler & on_changes,
      std::string & error);

private:
  // POSTs `body` (JSON) to /v3/<path>; the reply as JSON text, or nothing
  // (with `error`). A refused token is renewed and the call made again.
  std::optional<std::string> call (const char *path, const std::string & body,
      std::string & error);
  std::optional<std::string> call_once (const char *path,
      const std::string & body, std::string & error, bool & token_refused);
  // A message to /v3/<path> of the current endpoint, with our token and
  // certificate; nullptr when the URL is not one.
  SoupMessage *message_to (const char *path, const std::string & body) const;
  bool authenticate (std::string & error);

  const std::vector<std::string> endpoints_;
  const std::string user_, password_;
  size_t current_ = 0;             // the endpoint that answered last
  SoupSession *session_ = nullptr;
  GTlsCertificate *certificate_ = nullptr;
  std::string setup_error_;        // the CA or certificate could not be read
  std::string token_;              // etcd's, after authenticate()
};

}  // namespace camgate
