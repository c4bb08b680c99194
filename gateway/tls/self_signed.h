// `camgate --self-signed`: a certificate for a first run over HTTPS/RTSPS
// (browsers will warn: it is signed by nobody). Made once with OpenSSL, kept
// in `dir`, reused on later runs.
#pragma once

#include <string>

namespace camgate {

// Ensures dir/camgate-cert.pem and dir/camgate-key.pem exist (EC P-256, 10
// years, CN=camgate, SAN localhost, 127.0.0.1, ::1 and this host's name).
bool ensure_self_signed (const std::string & dir, std::string & certificate,
    std::string & key, std::string & error);

}  // namespace camgate
