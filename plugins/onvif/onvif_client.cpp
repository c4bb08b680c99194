#include "onvif_client.h"

namespace camgate::onvif {

namespace {

std::string
random_nonce ()
{
  std::string nonce (16, '\0');
  for (auto & c : nonce)
    c = static_cast<char> (g_random_int_range (0, 256));
  return nonce;
}

// Reads at most kMaxDocumentBytes + 1 from `stream`.
bool
read_bounded (GInputStream * stream, GCancellable * cancellable,
    std::string & out, std::string & error)
{
  char buffer[16384];
  GError *gerror = nullptr;
  gssize n;
  while ((n = g_input_stream_read (stream, buffer, sizeof buffer, cancellable,
              &gerror)) > 0) {
    out.append (buffer, n);
    if (out.size () > kMaxDocumentBytes) {
      error = "reply larger than " + std::to_string (kMaxDocumentBytes / 1024)
          + " KiB";
      return false;
    }
  }
  if (n < 0) {
    error = gerror ? gerror->message : "read error";
    g_clear_error (&gerror);
    return false;
  }
  return true;
}

}  // namespace

bool
parse_onvif_uri (const std::string & uri, std::string & device_url,
    Credentials & credentials, std::string & profile, std::string & error)
{
  GError *gerror = nullptr;
  GUri *parsed = g_uri_parse (uri.c_str (), G_URI_FLAGS_HAS_PASSWORD,
      &gerror);
  if (!parsed) {
    error = std::string ("not a URI: ") + (gerror ? gerror->message : uri);
    g_clear_error (&gerror);
    return false;
  }
  bool ok = g_strcmp0 (g_uri_get_scheme (parsed), "onvif") == 0
      && g_uri_get_host (parsed) && *g_uri_get_host (parsed);
  if (!ok) {
    error = "expected onvif://[user:password@]host[:port][/profile], got '"
        + uri + "'";
  } else {
    const char *host = g_uri_get_host (parsed);
    const int port = g_uri_get_port (parsed);
    std::string host_part = strchr (host, ':') ? "[" + std::string (host)
        + "]" : host;
    device_url = "http://" + host_part + (port > 0 ? ":"
        + std::to_string (port) : "") + "/onvif/device_service";
    credentials.user = g_uri_get_user (parsed) ? g_uri_get_user (parsed) : "";
    credentials.password = g_uri_get_password (parsed)
        ? g_uri_get_password (parsed) : "";
    const char *path = g_uri_get_path (parsed);
    profile = path && path[0] == '/' ? path + 1 : "";
  }
  g_uri_unref (parsed);
  return ok;
}

OnvifClient::OnvifClient (std::string device_url, Credentials credentials,
    guint timeout_s)
    : device_url_ (std::move (device_url)),
      credentials_ (std::move (credentials))
{
  session_ = soup_session_new_with_options ("timeout", timeout_s,
      "idle-timeout", timeout_s, "user-agent", "camgate-onvif", nullptr);
}

OnvifClient::~OnvifClient ()
{
  g_clear_object (&session_);
  g_clear_object (&cancellable_);
}

void
OnvifClient::set_cancellable (GCancellable * cancellable)
{
  g_set_object (&cancellable_, cancellable);
}

std::string
OnvifClient::host () const
{
  GUri *parsed = g_uri_parse (device_url_.c_str (), G_URI_FLAGS_NONE, nullptr);
  std::string out = parsed && g_uri_get_host (parsed) ? g_uri_get_host (parsed)
      : "";
  if (parsed)
    g_uri_unref (parsed);
  return out;
}

bool
OnvifClient::call (const std::string & url, const char *action_ns,
    const char *action, const std::string & body, bool authenticate,
    std::unique_ptr<XmlDocument> & reply, std::string & error,
    const std::string & to)
{
  const Credentials none;
  const int64_t device_now = g_get_real_time () / G_USEC_PER_SEC
      + clock_offset_s_;
  const std::string addressing = to.empty () ? "" : "<wsa:Action>"
      + escape (std::string (action_ns) + "/" + action) + "</wsa:Action>"
      "<wsa:To>" + escape (to) + "</wsa:To>";
  std::string envelope = soap_envelope (body, authenticate ? credentials_
      : none, device_now, random_nonce (), addressing);
  std::string type = std::string ("application/soap+xml; charset=utf-8; "
      "action=\"") + action_ns + "/" + action + "\"";
  // HTTP Digest for the devices that want it. libsoup would resend the
  // request after the 401 without its body, so the challenge is answered
  // here and the request sent again with the authorization in place.
  SoupAuth *challenge = nullptr;
  SoupMessage *message = nullptr;
  GInputStream *stream = nullptr;
  for (int attempt = 0; attempt < 2 && !stream; attempt++) {
    message = soup_message_new ("POST", url.c_str ());
    if (!message) {
      error = "bad service address '" + url + "'";
      return false;
    }
    GBytes *bytes = g_bytes_new (envelope.data (), envelope.size ());
    soup_message_set_request_body_from_bytes (message, type.c_str (), bytes);
    g_bytes_unref (bytes);
    if (authenticate && !credentials_.empty () && attempt == 0)
      g_signal_connect (message, "authenticate", G_CALLBACK (+[](SoupMessage *,
                  SoupAuth * auth, gboolean, gpointer out) -> gboolean {
                auto **saved = static_cast<SoupAuth **> (out);
                if (!*saved)
                  *saved = SOUP_AUTH (g_object_ref (auth));
                return FALSE;      // answered by a fresh request below
              }), &challenge);
    GError *gerror = nullptr;
    stream = soup_session_send (session_, message, cancellable_, &gerror);
    if (!stream) {
      error = "cannot reach " + url + ": " + (gerror ? gerror->message
          : "unknown error");
      g_clear_error (&gerror);
      g_object_unref (message);
      g_clear_object (&challenge);
      return false;
    }
    if (attempt == 0 && challenge
        && soup_message_get_status (message) == SOUP_STATUS_UNAUTHORIZED) {
      soup_auth_authenticate (challenge, credentials_.user.c_str (),
          credentials_.password.c_str ());
      soup_auth_manager_use_auth (SOUP_AUTH_MANAGER (soup_session_get_feature (
                  session_, SOUP_TYPE_AUTH_MANAGER)),
          soup_message_get_uri (message), challenge);
      g_clear_object (&challenge);
      g_object_unref (stream);
      stream = nullptr;
      g_object_unref (message);
      message = nullptr;
    }
  }
  g_clear_object (&challenge);
  std::string text;
  bool read_ok = read_bounded (stream, cancellable_, text, error);
  g_object_unref (stream);
  const guint status = soup_message_get_status (message);
  g_object_unref (message);
  if (!read_ok)
    return false;

  std::string parse_error;
  auto doc = XmlDocument::parse (text, parse_error);
  std::optional<std::string> fault = doc ? fault_reason (doc->root ())
      : std::nullopt;
  if (status == SOUP_STATUS_UNAUTHORIZED || (fault
          && fault->find ("NotAuthorized") != std::string::npos)) {
    error = std::string (action) + ": the device refused the credentials"
        + (credentials_.empty () ? " (none were given)" : " for user '"
        + credentials_.user + "'") + (fault ? ": " + *fault : "");
    return false;
  }
  if (fault) {
    error = std::string (action) + ": " + *fault;
    return false;
  }
  if (status < 200 || status >= 300) {
    error = std::string (action) + ": HTTP " + std::to_string (status);
    return false;
  }
  if (!doc) {
    error = std::string (action) + ": " + parse_error;
    return false;
  }
  reply = std::move (doc);
  return true;
}

std::string
first_answering_address (const std::vector<std::string> & xaddrs,
    guint timeout_s, std::string & error)
{
  if (xaddrs.size () < 2)
    return xaddrs.empty () ? "" : xaddrs.front ();
  for (const auto & xaddr : xaddrs) {
    OnvifClient client (xaddr, Credentials {}, timeout_s);
    std::string problem;
    if (client.connect (problem) || (problem.rfind ("cannot reach ", 0) != 0
            && problem.rfind ("bad service address", 0) != 0))
      return xaddr;                // answered, even if only with a refusal
    error += (error.empty () ? "" : "; ") + problem;
  }
  return xaddrs.front ();
}

bool
OnvifClient::connect (std::string & error)
{
  std::unique_ptr<XmlDocument> reply;
  // The device's clock first: UsernameTokens are checked against it. It is
  // meant to be readable without credentials; devices behind HTTP Digest
  // for everything get them.
  if (!call (device_url_, ns::kDevice, "GetSystemDateAndTime",
          get_system_date_and_time (), false, reply, error)
      && (error.find ("credentials") == std::string::npos
          || !call (device_url_, ns::kDevice, "GetSystemDateAndTime",
              get_system_date_and_time (), true, reply, error)))
    return false;
  if (auto device_now = parse_system_date (reply->root ()))
    clock_offset_s_ = *device_now - g_get_real_time () / G_USEC_PER_SEC;

  std::string services_error;
  if (call (device_url_, ns::kDevice, "GetServices", get_services (), true,
          reply, services_error))
    services_ = parse_media_services (reply->root ());
  if (services_.media.empty () && services_.media2.empty ()) {
    std::string caps_error;
    if (call (device_url_, ns::kDevice, "GetCapabilities", get_capabilities (),
            true, reply, caps_error))
      services_ = parse_media_services (reply->root ());
    else if (services_error.find ("credentials") != std::string::npos) {
      error = services_error;
      return false;
    }
  }
  if (services_.media.empty () && services_.media2.empty ()) {
    error = "the device has no media service (not an ONVIF camera?)";
    return false;
  }
  return true;
}

bool
OnvifClient::device_information (DeviceInformation & info, std::string & error)
{
  std::unique_ptr<XmlDocument> reply;
  if (!call (device_url_, ns::kDevice, "GetDeviceInformation",
          get_device_information (), true, reply, error))
    return false;
  info = parse_device_information (reply->root ());
  return true;
}

bool
OnvifClient::profiles (std::vector<Profile> & out, std::string & error)
{
  std::unique_ptr<XmlDocument> reply;
  std::string media2_error;
  if (!services_.media2.empty () && call (services_.media2, ns::kMedia2,
          "GetProfiles", get_profiles (true), true, reply, media2_error)) {
    out = parse_profiles (reply->root ());
    if (!out.empty ()) {
      media2_used_ = true;
      return true;
    }
  }
  if (services_.media.empty ()) {
    error = media2_error.empty () ? "the device has no media profiles"
        : media2_error;
    return false;
  }
  if (!call (services_.media, ns::kMedia, "GetProfiles", get_profiles (false),
          true, reply, error))
    return false;
  out = parse_profiles (reply->root ());
  media2_used_ = false;
  if (out.empty ()) {
    error = "the device has no media profiles";
    return false;
  }
  return true;
}

bool
OnvifClient::stream_uri (const std::string & token, std::string & uri,
    std::string & error)
{
  std::unique_ptr<XmlDocument> reply;
  const bool media2 = media2_used_ && !services_.media2.empty ();
  if (!call (media2 ? services_.media2 : services_.media, media2 ? ns::kMedia2
          : ns::kMedia, "GetStreamUri", get_stream_uri (media2, token), true,
          reply, error))
    return false;
  uri = parse_stream_uri (reply->root ());
  if (uri.rfind ("rtsp://", 0) != 0 && uri.rfind ("rtsps://", 0) != 0) {
    error = "GetStreamUri for profile '" + token + "' gave no RTSP URI ('"
        + uri + "')";
    return false;
  }
  return true;
}

bool
OnvifClient::ptz (const char *action, const std::string & body,
    std::unique_ptr<XmlDocument> & reply, std::string & error)
{
  if (services_.ptz.empty ()) {
    error = "the device has no PTZ service";
    return false;
  }
  return call (rewrite_host (services_.ptz, host ()), ns::kPtz, action, body,
      true, reply, error);
}

bool
OnvifClient::event_call (const std::string & address, const char *action_base,
    const char *action, const std::string & body,
    std::unique_ptr<XmlDocument> & reply, std::string & error)
{
  // Sent to the device's own host whatever the address names (a camera
  // behind NAT names its private one; a hostile one, anything), and
  // addressed to the subscription as the camera named it.
  return call (rewrite_host (address, host ()), action_base, action, body,
      true, reply, error, address);
}

}  // namespace camgate::onvif
