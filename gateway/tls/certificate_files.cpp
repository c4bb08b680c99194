#include "tls/certificate_files.h"

namespace camgate {

GTlsCertificate *
load_certificate (const TlsConfig & tls, std::string & error)
{
  GError *gerror = nullptr;
  GTlsCertificate *certificate = g_tls_certificate_new_from_files (
      tls.certificate.c_str (), tls.key.c_str (), &gerror);
  if (!certificate) {
    error = "TLS certificate " + tls.certificate + ": " + gerror->message;
    g_clear_error (&gerror);
  }
  return certificate;
}

}  // namespace camgate
