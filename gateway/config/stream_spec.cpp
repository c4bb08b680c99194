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
    case SourceKind::Srt:
      return "srt";
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
redact_query (const std::string & query, bool every_value)
{
  std::string out;
  for (size_t start = 0; start <= query.size ();) {
    size_t end = query.find ('&', start);
    if (end == std::string::npos)
      end = query.size ();
    std::string pair = query.substr (start, end - start);
    const size_t eq = pair.find ('=');
    g_autofree gchar *key = g_ascii_strdown (pair.substr (0, eq).c_str (), -1);
    if (eq != std::string::npos && (every_value
            || g_str_equal (key, "passphrase") || g_str_equal (key, "streamid")
            || g_str_equal (key, "password")))
      pair = pair.substr (0, eq + 1) + "***";
    out += (start ? "&" : "") + pair;
    start = end + 1;
  }
  return out;
}

std::string
url_origin (GUri * uri)
{
  const int port = g_uri_get_port (uri);
  return std::string (g_uri_get_scheme (uri)) + "://"
      + (g_uri_get_host (uri) ? g_uri_get_host (uri) : "")
      + (port > 0 ? ":" + std::to_string (port) : "");
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
  std::string out = uri;
  const size_t query_start = out.find ('?', authority_start);
  if (query_start != std::string::npos) {
    const size_t query_end = out.find ('#', query_start);
    const size_t length = query_end == std::string::npos ? std::string::npos
        : query_end - query_start - 1;
    out = out.substr (0, query_start + 1) + redact_query (out.substr
        (query_start + 1, length), false) + (query_end == std::string::npos ? ""
        : out.substr (query_end));
  }
  auto at = out.rfind ('@', authority_end - 1);
  if (at == std::string::npos || at < authority_start)
    return out;
  auto colon = out.find (':', authority_start);
  if (colon == std::string::npos || colon > at)
    return out;
  return out.substr (0, colon + 1) + "***" + out.substr (at);
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
