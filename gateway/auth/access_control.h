// AccessControl: who may do what, the same answer on every door (RTSP, WHEP/
// WHIP, HLS/DASH, API, recordings, panel). Users come from the gateway
// config (in a cluster, from etcd when the cluster keeps them: then
// replaced while the gateway runs); each has permissions per stream-name
// pattern. With no user configured the gateway is open (it listens on
// loopback by default).
#pragma once

#include <glib.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace camgate {

enum Permission : unsigned
{
  kPermRead = 1,      // watch: RTSP PLAY, WHEP, HLS/DASH, snapshots
  kPermPublish = 2,   // push: RTSP ANNOUNCE/RECORD, WHIP
  kPermRecord = 4,    // list and play recordings
  kPermApi = 8,       // manage streams, cameras, metrics
  kPermAdmin = 16,    // everything above, and deleting recordings
  kPermControl = 32,  // steer the camera: PTZ moves and presets
};

// "read" -> kPermRead ...; 0 for an unknown word.
unsigned permission_from_name (const std::string & name);
// "read,publish"
std::string permission_names (unsigned permissions);

struct StreamGrant
{
  std::string pattern;             // glob on stream names: "*", "lobby-*"
  unsigned permissions = 0;
};

struct UserSpec
{
  std::string name;                // "anonymous": requests without credentials
  std::string password_hash;       // pbkdf2-sha256$... (none for anonymous)
  std::string rtsp_digest;         // HA1 for RTSP Digest ("" = Basic only)
  std::vector<StreamGrant> grants;
};

constexpr const char *kAnonymousUser = "anonymous";

// Who a request is: a user (nullptr = anonymous) and, for a token issued for
// one stream, that stream.
struct Identity
{
  const UserSpec *user = nullptr;
  std::string only_stream;
};

class AccessControl
{
public:
  explicit AccessControl (std::vector<UserSpec> users = {});

  bool enabled () const { return !current ()->empty (); }
  // The users now. A list that is replaced stays in memory (so do the
  // UserSpec pointers find() gave out): lists change rarely.
  const std::vector<UserSpec> & users () const { return *current (); }
  // A new list (thread-safe): logins remembered from the old one are
  // forgotten, so a changed password works, and the old one fails, at once.
  void replace_users (std::vector<UserSpec> users);
  // The user if `password` is theirs; checks are cached for a few minutes so
  // players that send Basic on every request do not pay PBKDF2 each time
  // (refusals for a few seconds). Thread-safe.
  const UserSpec *login (const std::string & user, const std::string & password);
  // Whether login() would answer from its cache, without PBKDF2.
  bool login_is_cached (const std::string & user, const std::string & password);
  // The same for the base64 "user:password" of a Basic Authorization
  // header (HTTP and RTSP alike).
  const UserSpec *login_basic (const std::string & encoded);
  // The user and password in the base64 "user:password"; false if malformed.
  static bool split_basic (const std::string & encoded, std::string & user,
      std::string & password);
  const UserSpec *find (const std::string & name) const;
  Identity anonymous () const { return { find (kAnonymousUser), {} }; }

  // Permissions of `who` on `stream` ("" = the gateway itself: only patterns
  // that match every name, such as "*", apply).
  unsigned permissions (const Identity & who, const std::string & stream) const;
  bool allowed (const Identity & who, const std::string & stream,
      unsigned permission) const
  {
    return (permissions (who, stream) & permission) == permission;
  }

  // A signed token (HMAC-SHA256, key made at start) for `user`, valid for
  // `ttl_s`, limited to `stream` when not empty.
  std::string issue_token (const UserSpec & user, uint32_t ttl_s,
      const std::string & stream) const;
  // Fills `who` when `token` is genuine and not expired.
  bool verify_token (const std::string & token, Identity & who) const;

  // Guessing defence: after kMaxFailures wrong credentials from one address
  // within a minute, that address's credentials are refused until the minute
  // is over (seconds left returned; 0 = not blocked). Anonymous access and
  // other addresses are unaffected.
  static constexpr unsigned kMaxFailures = 10;
  unsigned blocked_for_s (const std::string & address);
  void record_failure (const std::string & address);

private:
  struct Failures
  {
    unsigned count = 0;
    gint64 window_start_us = 0;
  };

  using UserList = std::shared_ptr<const std::vector<UserSpec>>;
  UserList current () const;
  std::string decoy_hash () const;

  mutable std::mutex users_lock_;  // guards users_, retired_, decoy_hash_
  UserList users_;
  std::vector<UserList> retired_;
  std::string token_key_;
  std::string decoy_hash_;         // verified for unknown users, in vain
  std::mutex lock_;
  struct CachedLogin
  {
    gint64 until_us = 0;
    bool valid = false;
  };
  std::string login_key (const std::string & user,
      const std::string & password) const;

  std::map<std::string, CachedLogin> recent_logins_;  // by login_key()
  uint64_t generation_ = 0;        // replace_users() calls
  std::map<std::string, Failures> failures_;      // by client address
};

}  // namespace camgate
