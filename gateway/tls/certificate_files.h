// The gateway's TLS certificate, read from the PEM files `tls:` names. Every
// TLS door (RTSPS, HTTPS, RTMPS) reads it at start, and again on a reload
// (SIGHUP): a renewed certificate is served to new connections while the
// ones open keep theirs.
#pragma once

#include "config/gateway_config.h"

#include <gio/gio.h>

#include <string>

namespace camgate {

// A new reference, or nullptr with `error` saying which file is wrong.
GTlsCertificate *load_certificate (const TlsConfig & tls, std::string & error);

}  // namespace camgate
