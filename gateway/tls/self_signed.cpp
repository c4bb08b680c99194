#include "tls/self_signed.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstdio>

namespace camgate {

namespace {

bool
add_extension (X509 * cert, int nid, const std::string & value)
{
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb (&ctx);
  X509V3_set_ctx (&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION *ext = X509V3_EXT_conf_nid (nullptr, &ctx, nid,
      value.c_str ());
  if (!ext)
    return false;
  bool ok = X509_add_ext (cert, ext, -1) == 1;
  X509_EXTENSION_free (ext);
  return ok;
}

bool
write_pem (const std::string & path, bool private_key, EVP_PKEY * key,
    X509 * cert)
{
  // The key is readable by its owner only.
  FILE *file = g_fopen (path.c_str (), "w");
  if (!file)
    return false;
  if (private_key)
    g_chmod (path.c_str (), 0600);
  bool ok = private_key
      ? PEM_write_PrivateKey (file, key, nullptr, nullptr, 0, nullptr, nullptr)
      : PEM_write_X509 (file, cert);
  return fclose (file) == 0 && ok;
}

}  // namespace

bool
ensure_self_signed (const std::string & dir, std::string & certificate,
    std::string & key_path, std::string & error)
{
  certificate = dir + "/camgate-cert.pem";
  key_path = dir + "/camgate-key.pem";
  if (g_file_test (certificate.c_str (), G_FILE_TEST_EXISTS)
      && g_file_test (key_path.c_str (), G_FILE_TEST_EXISTS))
    return true;
  if (g_mkdir_with_parents (dir.c_str (), 0700) != 0) {
    error = "cannot create " + dir + ": " + g_strerror (errno);
    return false;
  }
  EVP_PKEY *key = EVP_EC_gen ("P-256");
  X509 *cert = X509_new ();
  bool ok = key && cert;
  if (ok) {
    X509_set_version (cert, 2);
    ASN1_INTEGER_set (X509_get_serialNumber (cert),
        static_cast<long> (g_get_real_time () / G_USEC_PER_SEC));
    X509_gmtime_adj (X509_getm_notBefore (cert), -3600);
    X509_gmtime_adj (X509_getm_notAfter (cert), 10L * 365 * 24 * 3600);
    X509_set_pubkey (cert, key);
    X509_NAME *name = X509_get_subject_name (cert);
    X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_ASC,
        reinterpret_cast<const unsigned char *> ("camgate"), -1, -1, 0);
    X509_set_issuer_name (cert, name);
    std::string san = "DNS:localhost,IP:127.0.0.1,IP:::1";
    const char *host = g_get_host_name ();
    std::string name_text = host ? host : "";
    if (!name_text.empty () && !g_hostname_is_ip_address (host)
        && name_text != "localhost" && name_text.find_first_not_of (
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")
        == std::string::npos)
      san += ",DNS:" + name_text;
    ok = add_extension (cert, NID_subject_alt_name, san)
        && add_extension (cert, NID_basic_constraints, "critical,CA:TRUE")
        && X509_sign (cert, key, EVP_sha256 ()) > 0
        && write_pem (key_path, true, key, cert)
        && write_pem (certificate, false, key, cert);
  }
  if (!ok)
    error = "cannot make a self-signed certificate in " + dir;
  X509_free (cert);
  EVP_PKEY_free (key);
  return ok;
}

}  // namespace camgate
