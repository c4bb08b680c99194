#include "auth/access_control.h"

#include "auth/password_hash.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <cstdlib>

namespace camgate {

namespace {

constexpr gint64 kLoginCacheUs = 5 * 60 * G_USEC_PER_SEC;
// A refused password is remembered briefly: the HTTP server checks it on a
// worker thread, then answers the request from this verdict.
constexpr gint64 kRefusalCacheUs = 10 * G_USEC_PER_SEC;
constexpr size_t kLoginCacheMax = 1024;
constexpr gint64 kFailureWindowUs = 60 * G_USEC_PER_SEC;
constexpr size_t kFailureTableMax = 4096;

const std::pair<const char *, unsigned> kPermissionNames[] = {
  { "read", kPermRead }, { "publish", kPermPublish },
  { "record", kPermRecord }, { "api", kPermApi }, { "admin", kPermAdmin },
  { "control", kPermControl },
};

std::string
base64url (const guchar * data, gsize size)
{
  gchar *text = g_base64_encode (data, size);
  std::string out (text);
  g_free (text);
  for (auto & c : out)
    c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!out.empty () && out.back () == '=')
    out.pop_back ();
  return out;
}

bool
unbase64url (std::string text, std::string & out)
{
  if (text.empty () || text.find_first_not_of ("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
          "abcdefghijklmnopqrstuvwxyz0123456789-_") != std::string::npos)
    return false;
  for (auto & c : text)
    c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (text.size () % 4)
    text += '=';
  gsize size = 0;
  guchar *bytes = g_base64_decode (text.c_str (), &size);
  out.assign (reinterpret_cast<char *> (bytes), size);
  g_free (bytes);
  return true;
}

std::string
sign (const std::string & key, const std::string & payload)
{
  GHmac *hmac = g_hmac_new (G_CHECKSUM_SHA256,
      reinterpret_cast<const guchar *> (key.data ()), key.size ());
  g_hmac_update (hmac, reinterpret_cast<const guchar *> (payload.data ()),
      payload.size ());
  guint8 digest[32];
  gsize size = sizeof digest;
  g_hmac_get_digest (hmac, digest, &size);
  g_hmac_unref (hmac);
  return base64url (digest, size);
}

}  // namespace

unsigned
permission_from_name (const std::string & name)
{
  for (const auto & [word, bit] : kPermissionNames)
    if (name == word)
      return bit;
  return 0;
}

std::string
permission_names (unsigned permissions)
{
  std::string out;
  for (const auto & [word, bit] : kPermissionNames)
    if (permissions & bit)
      out += (out.empty () ? "" : ",") + std::string (word);
  return out;
}

AccessControl::AccessControl (std::vector<UserSpec> users)
    : users_ (std::make_shared<const std::vector<UserSpec>> (std::move (users))),
      token_key_ (32, '\0')
{
  if (RAND_bytes (reinterpret_cast<unsigned char *> (token_key_.data ()),
          static_cast<int> (token_key_.size ())) != 1)
    g_error ("no random bytes for the token key");
  if (enabled ())
    decoy_hash_ = hash_password (token_key_);
}

AccessControl::UserList
AccessControl::current () const
{
  std::lock_guard<std::mutex> lk (users_lock_);
  return users_;
}

std::string
AccessControl::decoy_hash () const
{
  std::lock_guard<std::mutex> lk (users_lock_);
  return decoy_hash_;
}

void
AccessControl::replace_users (std::vector<UserSpec> users)
{
  // PBKDF2 work outside the locks.
  std::string decoy = decoy_hash ();
  if (decoy.empty () && !users.empty ())
    decoy = hash_password (token_key_);
  {
    std::lock_guard<std::mutex> lk (users_lock_);
    retired_.push_back (users_);
    users_ = std::make_shared<const std::vector<UserSpec>> (std::move (users));
    decoy_hash_ = decoy;
  }
  std::lock_guard<std::mutex> lk (lock_);
  recent_logins_.clear ();
  generation_++;
}

const UserSpec *
AccessControl::find (const std::string & name) const
{
  for (const auto & user : *current ())
    if (user.name == name)
      return &user;
  return nullptr;
}

std::string
AccessControl::login_key (const std::string & name,
    const std::string & password) const
{
  // A keyed digest, so the cache holds no password.
  return sign (token_key_, name + '\0' + password);
}

bool
AccessControl::login_is_cached (const std::string & name,
    const std::string & password)
{
  const std::string key = login_key (name, password);
  std::lock_guard<std::mutex> lk (lock_);
  auto it = recent_logins_.find (key);
  return it != recent_logins_.end ()
      && it->second.until_us > g_get_monotonic_time ();
}

const UserSpec *
AccessControl::login (const std::string & name, const std::string & password)
{
  uint64_t generation = 0;
  {
    std::lock_guard<std::mutex> lk (lock_);
    generation = generation_;
  }
  const UserSpec *user = find (name);
  const std::string key = login_key (name, password);
  gint64 now = g_get_monotonic_time ();
  {
    std::lock_guard<std::mutex> lk (lock_);
    auto it = recent_logins_.find (key);
    if (it != recent_logins_.end () && it->second.until_us > now)
      return it->second.valid ? user : nullptr;
  }
  bool valid = false;
  if (!user || user->password_hash.empty ()) {
    // The same PBKDF2 work as for a real user: the answer's timing must not
    // tell which user names exist.
    verify_password (password, decoy_hash ());
  } else {
    valid = verify_password (password, user->password_hash);
  }
  now = g_get_monotonic_time ();
  std::lock_guard<std::mutex> lk (lock_);
  if (generation != generation_)
    return valid ? user : nullptr; // checked against a list now replaced
  if (recent_logins_.size () >= kLoginCacheMax)
    recent_logins_.clear ();
  recent_logins_[key] = { now + (valid ? kLoginCacheUs : kRefusalCacheUs),
    valid };
  return valid ? user : nullptr;
}

bool
AccessControl::split_basic (const std::string & encoded, std::string & user,
    std::string & password)
{
  gsize size = 0;
  guchar *bytes = g_base64_decode (encoded.c_str (), &size);
  std::string text (reinterpret_cast<char *> (bytes), size);
  g_free (bytes);
  auto colon = text.find (':');
  if (colon == std::string::npos)
    return false;
  user = text.substr (0, colon);
  password = text.substr (colon + 1);
  return true;
}

const UserSpec *
AccessControl::login_basic (const std::string & encoded)
{
  std::string user, password;
  return split_basic (encoded, user, password) ? login (user, password)
      : nullptr;
}

unsigned
AccessControl::blocked_for_s (const std::string & address)
{
  std::lock_guard<std::mutex> lk (lock_);
  auto it = failures_.find (address);
  if (it == failures_.end ())
    return 0;
  gint64 left = it->second.window_start_us + kFailureWindowUs
      - g_get_monotonic_time ();
  if (left <= 0) {
    failures_.erase (it);
    return 0;
  }
  return it->second.count >= kMaxFailures
      ? static_cast<unsigned> ((left + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC) : 0;
}

void
AccessControl::record_failure (const std::string & address)
{
  const gint64 now = g_get_monotonic_time ();
  std::lock_guard<std::mutex> lk (lock_);
  if (failures_.size () >= kFailureTableMax && !failures_.count (address)) {
    // A flood of addresses: forget expired and unblocked ones, never an
    // active block. When blocks alone fill the table, newcomers wait.
    for (auto it = failures_.begin (); it != failures_.end ();) {
      const bool expired = now - it->second.window_start_us
          >= kFailureWindowUs;
      it = expired || it->second.count < kMaxFailures
          ? failures_.erase (it) : std::next (it);
    }
    if (failures_.size () >= kFailureTableMax)
      return;
  }
  Failures & f = failures_[address];
  if (now - f.window_start_us >= kFailureWindowUs)
    f = { 0, now };
  f.count++;
  if (f.count == kMaxFailures)
    g_warning ("%u failed sign-ins from %s within a minute: its credentials "
        "are refused for the rest of the minute", kMaxFailures,
        address.c_str ());
}

unsigned
AccessControl::permissions (const Identity & who, const std::string & stream)
    const
{
  if (!enabled ())
    return kPermRead | kPermPublish | kPermRecord | kPermApi | kPermAdmin
        | kPermControl;
  if (!who.user || (!who.only_stream.empty () && who.only_stream != stream))
    return 0;
  unsigned out = 0;
  for (const auto & grant : who.user->grants)
    if (g_pattern_match_simple (grant.pattern.c_str (), stream.c_str ()))
      out |= grant.permissions;
  if (out & kPermAdmin)
    out |= kPermRead | kPermPublish | kPermRecord | kPermApi | kPermControl;
  return out;
}

std::string
AccessControl::issue_token (const UserSpec & user, uint32_t ttl_s,
    const std::string & stream) const
{
  gint64 expires = g_get_real_time () / G_USEC_PER_SEC + ttl_s;
  std::string payload = "1\n" + user.name + "\n" + std::to_string (expires)
      + "\n" + stream;
  return base64url (reinterpret_cast<const guchar *> (payload.data ()),
      payload.size ()) + "." + sign (token_key_, payload);
}

bool
AccessControl::verify_token (const std::string & token, Identity & who) const
{
  auto dot = token.find ('.');
  std::string payload;
  if (dot == std::string::npos || !unbase64url (token.substr (0, dot), payload))
    return false;
  std::string expected = sign (token_key_, payload);
  std::string given = token.substr (dot + 1);
  if (given.size () != expected.size ()
      || CRYPTO_memcmp (given.data (), expected.data (), given.size ()) != 0)
    return false;
  gchar **fields = g_strsplit (payload.c_str (), "\n", -1);
  bool ok = g_strv_length (fields) == 4 && g_str_equal (fields[0], "1");
  if (ok) {
    gint64 expires = g_ascii_strtoll (fields[2], nullptr, 10);
    const UserSpec *user = find (fields[1]);
    ok = user && expires > g_get_real_time () / G_USEC_PER_SEC;
    if (ok)
      who = { user, fields[3] };
  }
  g_strfreev (fields);
  return ok;
}

}  // namespace camgate
