#include "auth/password_hash.h"

#include <glib.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <vector>

namespace camgate {

namespace {

// ~50 ms per check on a small VM: slow for guessing, fine for logins
// (successful checks are cached by AccessControl).
constexpr int kIterations = 100000;
constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;
constexpr const char *kScheme = "pbkdf2-sha256";

std::vector<unsigned char>
pbkdf2 (const std::string & password, const std::vector<unsigned char> & salt,
    int iterations)
{
  std::vector<unsigned char> out (kHashBytes);
  PKCS5_PBKDF2_HMAC (password.data (), static_cast<int> (password.size ()),
      salt.data (), static_cast<int> (salt.size ()), iterations, EVP_sha256 (),
      static_cast<int> (out.size ()), out.data ());
  return out;
}

std::string
base64 (const std::vector<unsigned char> & bytes)
{
  gchar *text = g_base64_encode (bytes.data (), bytes.size ());
  std::string out (text);
  g_free (text);
  return out;
}

bool
unbase64 (const std::string & text, std::vector<unsigned char> & out)
{
  if (text.empty ())
    return false;
  gsize size = 0;
  guchar *bytes = g_base64_decode (text.c_str (), &size);
  out.assign (bytes, bytes + size);
  g_free (bytes);
  return size > 0;
}

struct ParsedHash
{
  int iterations = 0;
  std::vector<unsigned char> salt, hash;
};

bool
parse (const std::string & stored, ParsedHash & out)
{
  gchar **parts = g_strsplit (stored.c_str (), "$", -1);
  bool ok = g_strv_length (parts) == 4 && g_str_equal (parts[0], kScheme);
  if (ok) {
    char *end = nullptr;
    long iterations = std::strtol (parts[1], &end, 10);
    ok = *parts[1] && !*end && iterations >= 1000 && iterations <= 10000000
        && unbase64 (parts[2], out.salt) && unbase64 (parts[3], out.hash)
        && out.hash.size () == kHashBytes;
    out.iterations = static_cast<int> (iterations);
  }
  g_strfreev (parts);
  return ok;
}

}  // namespace

std::string
hash_password (const std::string & password)
{
  std::vector<unsigned char> salt (kSaltBytes);
  if (RAND_bytes (salt.data (), static_cast<int> (salt.size ())) != 1)
    g_error ("no random bytes for a password salt");
  return std::string (kScheme) + "$" + std::to_string (kIterations) + "$"
      + base64 (salt) + "$" + base64 (pbkdf2 (password, salt, kIterations));
}

bool
is_password_hash (const std::string & stored)
{
  ParsedHash parsed;
  return parse (stored, parsed);
}

bool
verify_password (const std::string & password, const std::string & stored)
{
  ParsedHash parsed;
  if (!parse (stored, parsed))
    return false;
  auto hash = pbkdf2 (password, parsed.salt, parsed.iterations);
  return CRYPTO_memcmp (hash.data (), parsed.hash.data (), hash.size ()) == 0;
}

std::string
digest_ha1 (const std::string & user, const std::string & password)
{
  std::string text = user + ":" + kAuthRealm + ":" + password;
  gchar *hex = g_compute_checksum_for_string (G_CHECKSUM_MD5, text.c_str (),
      text.size ());
  std::string out (hex);
  g_free (hex);
  return out;
}

std::string
random_hex (size_t bytes)
{
  std::string raw (bytes, '\0');
  if (RAND_bytes (reinterpret_cast<unsigned char *> (raw.data ()),
          static_cast<int> (bytes)) != 1)
    return {};
  std::string out;
  for (unsigned char b : raw) {
    gchar hex[3];
    g_snprintf (hex, sizeof hex, "%02x", b);
    out += hex;
  }
  return out;
}

}  // namespace camgate
