#include "auth/digest_nonce.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

namespace camgate {

DigestNonces::DigestNonces ()
{
  if (RAND_bytes (key_, sizeof key_) != 1)
    g_error ("no random bytes for the RTSP nonce key");
}

std::string
DigestNonces::signature (const std::string & stamp,
    const std::string & client) const
{
  const std::string signed_text = stamp + "|" + client;
  gchar *hex = g_compute_hmac_for_string (G_CHECKSUM_SHA256, key_,
      sizeof key_, signed_text.c_str (), signed_text.size ());
  std::string out (hex, 32);
  g_free (hex);
  return out;
}

// "<16 hex digits of the time><32 hex of its HMAC>".
std::string
DigestNonces::make (const std::string & client, gint64 now_s) const
{
  gchar stamp[17];
  g_snprintf (stamp, sizeof stamp, "%016" G_GINT64_MODIFIER "x", now_s);
  return stamp + signature (stamp, client);
}

bool
DigestNonces::valid (const std::string & nonce, const std::string & client,
    gint64 now_s) const
{
  if (nonce.size () != 48)
    return false;
  const std::string stamp = nonce.substr (0, 16);
  const std::string expected = signature (stamp, client);
  if (CRYPTO_memcmp (expected.data (), nonce.data () + 16, 32) != 0)
    return false;
  const gint64 issued = g_ascii_strtoll (stamp.c_str (), nullptr, 16);
  return issued <= now_s && now_s - issued < kLifetimeS;
}

}  // namespace camgate
