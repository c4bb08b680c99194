#include "config/stream_spec.h"

#include <gst/gst.h>

#include <algorithm>

namespace camgate {

bool
is_valid_stream_name (const std::string & name)
{
  if (name.empty () || name.size () > 64 || name[0] == '.' || name[0] == '-')
    return false;
  return std::all_of (name.begin (), name.end (), [](char c) {
        return g_ascii_isalnum (c) || c == '-' || c == '_' || c == '.';
      });
}

const char *
to_string (SourceKind kind)
{
  switch (kind) {
    case SourceKind::Rtsp:
      return "rtsp";
    case SourceKind::Publish:
      return "publish";
    case SourceKind::Pipeline:
      return "pipeline";
    case SourceKind::Test:
      return "test";
  }
  return "unknown";
}

const char *
to_string (RtspTransport transport)
{
  switch (transport) {
    case RtspTransport::Auto:
      return "auto";
    case RtspTransport::Tcp:
      return "tcp";
    case RtspTransport::Udp:
      return "udp";
  }
  return "unknown";
}

std::string
redact_uri (const std::string & uri)
{
  // Works on the text rather than through GstUri so that a URI GstUri cannot
  // parse is still redacted: "scheme://user:password@host..." -> "user:***@".
  auto scheme_end = uri.find ("://");
  if (scheme_end == std::string::npos)
    return uri;
  auto authority_start = scheme_end + 3;
  auto authority_end = uri.find_first_of ("/?#", authority_start);
  if (authority_end == std::string::npos)
    authority_end = uri.size ();
  auto at = uri.rfind ('@', authority_end - 1);
  if (at == std::string::npos || at < authority_start)
    return uri;
  auto colon = uri.find (':', authority_start);
  if (colon == std::string::npos || colon > at)
    return uri;
  return uri.substr (0, colon + 1) + "***" + uri.substr (at);
}

StreamSpec
demo_stream_spec ()
{
  StreamSpec spec;
  spec.name = "demo";
  spec.source.kind = SourceKind::Test;
  // A first-time user should see it in a browser too.
  spec.outputs.hls.enabled = true;
  return spec;
}

}  // namespace camgate
