#include "onvif_protocol.h"

#include <gio/gio.h>

#include <algorithm>
#include <cstring>
#include <sstream>

namespace camgate::onvif {

namespace {

std::vector<std::string>
split_words (const std::string & text)
{
  std::vector<std::string> out;
  std::istringstream in (text);
  std::string word;
  while (in >> word)
    out.push_back (word);
  return out;
}

// What ProbeMatch, Hello and Bye share.
DiscoveredDevice
read_device (xmlNode * node)
{
  DiscoveredDevice d;
  d.endpoint = text_of (find (node, "EndpointReference"), "Address");
  d.types = split_words (text_of (node, "Types"));
  d.scopes = split_words (text_of (node, "Scopes"));
  for (const auto & x : split_words (text_of (node, "XAddrs")))
    if (x.rfind ("http://", 0) == 0 || x.rfind ("https://", 0) == 0)
      d.xaddrs.push_back (x);
  return d;
}

int
to_int (const std::string & text)
{
  char *end = nullptr;
  long v = std::strtol (text.c_str (), &end, 10);
  return (end && *end == '\0' && v >= 0 && v < 100000) ? (int) v : 0;
}

std::string
upper (std::string s)
{
  std::transform (s.begin (), s.end (), s.begin (), ::toupper);
  return s;
}

const char *kEnvelopeOpen =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" "
    "xmlns:tds=\"http://www.onvif.org/ver10/device/wsdl\" "
    "xmlns:trt=\"http://www.onvif.org/ver10/media/wsdl\" "
    "xmlns:tr2=\"http://www.onvif.org/ver20/media/wsdl\" "
    "xmlns:tptz=\"http://www.onvif.org/ver20/ptz/wsdl\" "
    "xmlns:tev=\"http://www.onvif.org/ver10/events/wsdl\" "
    "xmlns:wsnt=\"http://docs.oasis-open.org/wsn/b-2\" "
    "xmlns:wsa=\"http://www.w3.org/2005/08/addressing\" "
    "xmlns:tt=\"http://www.onvif.org/ver10/schema\">";

}  // namespace

std::string
DiscoveredDevice::scope_value (const std::string & category) const
{
  const std::string prefix = "onvif://www.onvif.org/" + category + "/";
  for (const auto & s : scopes) {
    if (s.rfind (prefix, 0) == 0) {
      gchar *value = g_uri_unescape_string (s.c_str () + prefix.size (),
          nullptr);
      std::string out = value ? value : s.substr (prefix.size ());
      g_free (value);
      return out;
    }
  }
  return "";
}

std::string
probe_message (const std::string & message_id, const std::string & type)
{
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<e:Envelope xmlns:e=\"http://www.w3.org/2003/05/soap-envelope\" "
      "xmlns:w=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" "
      "xmlns:d=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\" "
      "xmlns:dn=\"http://www.onvif.org/ver10/network/wsdl\" "
      "xmlns:tds=\"http://www.onvif.org/ver10/device/wsdl\">"
      "<e:Header><w:MessageID>" + escape (message_id) + "</w:MessageID>"
      "<w:To e:mustUnderstand=\"true\">urn:schemas-xmlsoap-org:ws:2005:04:"
      "discovery</w:To><w:Action e:mustUnderstand=\"true\">http://schemas."
      "xmlsoap.org/ws/2005/04/discovery/Probe</w:Action></e:Header>"
      "<e:Body><d:Probe><d:Types>" + escape (type) + "</d:Types></d:Probe>"
      "</e:Body></e:Envelope>";
}

bool
parse_discovery (const std::string & xml, DiscoveryMessage & out,
    std::string & error)
{
  auto doc = XmlDocument::parse (xml, error);
  if (!doc)
    return false;
  xmlNode *body = find (doc->root (), "Body");
  if (!body) {
    error = "not a SOAP envelope";
    return false;
  }
  out = {};
  out.relates_to = text_of (find (doc->root (), "Header"), "RelatesTo");
  if (xmlNode *matches = find (body, "ProbeMatches")) {
    out.kind = DiscoveryKind::ProbeMatches;
    for (xmlNode *m : children (matches, "ProbeMatch")) {
      auto d = read_device (m);
      if (!d.endpoint.empty ())
        out.devices.push_back (d);
    }
  } else if (xmlNode *hello = find (body, "Hello")) {
    out.kind = DiscoveryKind::Hello;
    auto d = read_device (hello);
    if (!d.endpoint.empty ())
      out.devices.push_back (d);
  } else if (xmlNode *bye = find (body, "Bye")) {
    out.kind = DiscoveryKind::Bye;
    auto d = read_device (bye);
    if (!d.endpoint.empty ())
      out.devices.push_back (d);
  }
  return true;
}

std::string
password_digest (const std::string & nonce, const std::string & created,
    const std::string & password)
{
  GChecksum *sha1 = g_checksum_new (G_CHECKSUM_SHA1);
  g_checksum_update (sha1, reinterpret_cast<const guchar *> (nonce.data ()),
      nonce.size ());
  g_checksum_update (sha1, reinterpret_cast<const guchar *> (created.data ()),
      created.size ());
  g_checksum_update (sha1, reinterpret_cast<const guchar *> (password.data ()),
      password.size ());
  guint8 digest[20];
  gsize length = sizeof digest;
  g_checksum_get_digest (sha1, digest, &length);
  g_checksum_free (sha1);
  gchar *b64 = g_base64_encode (digest, length);
  std::string out = b64;
  g_free (b64);
  return out;
}

std::string
xs_datetime (int64_t utc_seconds)
{
  GDateTime *t = g_date_time_new_from_unix_utc (utc_seconds);
  gchar *text = g_date_time_format (t, "%Y-%m-%dT%H:%M:%SZ");
  std::string out = text;
  g_free (text);
  g_date_time_unref (t);
  return out;
}

std::string
soap_envelope (const std::string & body, const Credentials & credentials,
    int64_t device_now, const std::string & nonce,
    const std::string & addressing)
{
  std::string out = kEnvelopeOpen;
  if (!credentials.empty () || !addressing.empty ())
    out += "<s:Header>" + addressing;
  if (!credentials.empty ()) {
    const std::string created = xs_datetime (device_now);
    gchar *nonce_b64 = g_base64_encode (
        reinterpret_cast<const guchar *> (nonce.data ()), nonce.size ());
    out += "<wsse:Security s:mustUnderstand=\"1\" "
        "xmlns:wsse=\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-"
        "wss-wssecurity-secext-1.0.xsd\" xmlns:wsu=\"http://docs.oasis-open."
        "org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd\">"
        "<wsse:UsernameToken><wsse:Username>" + escape (credentials.user)
        + "</wsse:Username><wsse:Password Type=\"http://docs.oasis-open.org/"
        "wss/2004/01/oasis-200401-wss-username-token-profile-1.0#"
        "PasswordDigest\">" + password_digest (nonce, created,
            credentials.password) + "</wsse:Password><wsse:Nonce "
        "EncodingType=\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-"
        "wss-soap-message-security-1.0#Base64Binary\">" + nonce_b64
        + "</wsse:Nonce><wsu:Created>" + created + "</wsu:Created>"
        "</wsse:UsernameToken></wsse:Security>";
    g_free (nonce_b64);
  }
  if (!credentials.empty () || !addressing.empty ())
    out += "</s:Header>";
  out += "<s:Body>" + body + "</s:Body></s:Envelope>";
  return out;
}

std::string
get_system_date_and_time ()
{
  return "<tds:GetSystemDateAndTime/>";
}

std::string
get_device_information ()
{
  return "<tds:GetDeviceInformation/>";
}

std::string
get_services ()
{
  return "<tds:GetServices><tds:IncludeCapability>false</tds:IncludeCapability>"
      "</tds:GetServices>";
}

std::string
get_capabilities ()
{
  return "<tds:GetCapabilities><tds:Category>All</tds:Category>"
      "</tds:GetCapabilities>";
}

std::string
get_profiles (bool media2)
{
  return media2 ? "<tr2:GetProfiles><tr2:Type>All</tr2:Type></tr2:GetProfiles>"
      : "<trt:GetProfiles/>";
}

std::string
get_stream_uri (bool media2, const std::string & token)
{
  if (media2)
    return "<tr2:GetStreamUri><tr2:Protocol>RTSP</tr2:Protocol>"
        "<tr2:ProfileToken>" + escape (token) + "</tr2:ProfileToken>"
        "</tr2:GetStreamUri>";
  return "<trt:GetStreamUri><trt:StreamSetup><tt:Stream>RTP-Unicast</tt:Stream>"
      "<tt:Transport><tt:Protocol>RTSP</tt:Protocol></tt:Transport>"
      "</trt:StreamSetup><trt:ProfileToken>" + escape (token)
      + "</trt:ProfileToken></trt:GetStreamUri>";
}

std::optional<std::string>
fault_reason (xmlNode * root)
{
  xmlNode *fault = find (root, "Fault");
  if (!fault)
    return std::nullopt;
  // SOAP 1.2: Reason/Text and Code/Subcode/Value; SOAP 1.1: faultstring.
  std::string reason = text_of (fault, "Text");
  if (reason.empty ())
    reason = text_of (fault, "faultstring");
  std::string code = text (find (find (fault, "Subcode"), "Value"));
  if (code.empty ())
    code = text_of (fault, "faultcode");
  if (reason.empty ())
    reason = "SOAP fault";
  return code.empty () ? reason : reason + " (" + code + ")";
}

std::optional<int64_t>
parse_system_date (xmlNode * root)
{
  xmlNode *utc = find (root, "UTCDateTime");
  if (!utc)
    return std::nullopt;
  xmlNode *date = find (utc, "Date"), *time = find (utc, "Time");
  int y = to_int (text_of (date, "Year")), mo = to_int (text_of (date, "Month"));
  int d = to_int (text_of (date, "Day"));
  int h = to_int (text_of (time, "Hour")), mi = to_int (text_of (time, "Minute"));
  int s = to_int (text_of (time, "Second"));
  if (!date || !time || y < 1970 || y > 9999)
    return std::nullopt;
  GDateTime *t = g_date_time_new_utc (y, mo, d, h, mi, s);
  if (!t)
    return std::nullopt;
  int64_t out = g_date_time_to_unix (t);
  g_date_time_unref (t);
  return out;
}

DeviceInformation
parse_device_information (xmlNode * root)
{
  xmlNode *r = find (root, "GetDeviceInformationResponse");
  DeviceInformation info;
  info.manufacturer = text_of (r, "Manufacturer");
  info.model = text_of (r, "Model");
  info.firmware = text_of (r, "FirmwareVersion");
  info.serial = text_of (r, "SerialNumber");
  info.hardware = text_of (r, "HardwareId");
  return info;
}

MediaServices
parse_media_services (xmlNode * root)
{
  MediaServices out;
  // GetServices: Service{Namespace, XAddr}.
  for (xmlNode *service : find_all (root, "Service")) {
    const std::string ns = text_of (service, "Namespace");
    const std::string xaddr = text (children (service, "XAddr").empty ()
        ? nullptr : children (service, "XAddr").front ());
    if (ns == ns::kMedia)
      out.media = xaddr;
    else if (ns == ns::kMedia2)
      out.media2 = xaddr;
    else if (ns == ns::kPtz)
      out.ptz = xaddr;
    else if (ns == ns::kEvents)
      out.events = xaddr;
  }
  // GetCapabilities: Capabilities/Media/XAddr, Capabilities/PTZ/XAddr.
  xmlNode *caps = find (root, "Capabilities");
  auto capability = [caps](const char *category) {
    xmlNode *node = caps ? find (caps, category) : nullptr;
    return text (children (node, "XAddr").empty () ? nullptr
        : children (node, "XAddr").front ());
  };
  if (out.media.empty ())
    out.media = capability ("Media");
  if (out.ptz.empty ())
    out.ptz = capability ("PTZ");
  if (out.events.empty ())
    out.events = capability ("Events");
  return out;
}

std::vector<Profile>
parse_profiles (xmlNode * root)
{
  std::vector<Profile> out;
  xmlNode *response = find (root, "GetProfilesResponse");
  for (xmlNode *p : children (response, "Profiles")) {
    Profile profile;
    profile.token = attribute (p, "token");
    if (profile.token.empty ())
      continue;
    profile.name = text (children (p, "Name").empty () ? nullptr
        : children (p, "Name").front ());
    // Media1: VideoEncoderConfiguration; Media2: Configurations/VideoEncoder.
    xmlNode *encoder = find (p, "VideoEncoderConfiguration");
    if (!encoder)
      encoder = find (p, "VideoEncoder");
    if (encoder) {
      profile.encoding = upper (text_of (encoder, "Encoding"));
      if (profile.encoding == "H.264")
        profile.encoding = "H264";
      if (profile.encoding == "H.265" || profile.encoding == "HEVC")
        profile.encoding = "H265";
      xmlNode *resolution = find (encoder, "Resolution");
      profile.width = to_int (text_of (resolution, "Width"));
      profile.height = to_int (text_of (resolution, "Height"));
      xmlNode *rate = find (encoder, "RateControl");
      profile.fps = g_ascii_strtod (text_of (rate, "FrameRateLimit").c_str (),
          nullptr);
      if (profile.fps <= 0 && rate)
        profile.fps = g_ascii_strtod (attribute (rate, "FrameRateLimit")
            .c_str (), nullptr);
    }
    // Media1: PTZConfiguration; Media2: Configurations/PTZ.
    profile.ptz = find (p, "PTZConfiguration")
        || !children (find (p, "Configurations"), "PTZ").empty ();
    out.push_back (profile);
  }
  return out;
}

const Profile *
main_profile (const std::vector<Profile> & profiles)
{
  const Profile *best = nullptr;
  auto relayable = [](const Profile & p) {
    return p.encoding == "H264" || p.encoding == "H265";
  };
  for (const auto & p : profiles) {
    if (!best || (relayable (p) && !relayable (*best))
        || (relayable (p) == relayable (*best)
            && p.width * p.height > best->width * best->height))
      best = &p;
  }
  return best;
}

std::string
parse_stream_uri (xmlNode * root)
{
  xmlNode *response = find (root, "GetStreamUriResponse");
  // Media1: MediaUri/Uri; Media2: Uri. Entities are already unescaped.
  return text_of (response, "Uri");
}

std::string
device_authority (const std::string & xaddr)
{
  GUri *uri = g_uri_parse (xaddr.c_str (), G_URI_FLAGS_NONE, nullptr);
  if (!uri)
    return "";
  std::string host = g_uri_get_host (uri) ? g_uri_get_host (uri) : "";
  if (host.find (':') != std::string::npos)
    host = "[" + host + "]";
  if (g_uri_get_port (uri) > 0 && g_uri_get_port (uri) != 80)
    host += ":" + std::to_string (g_uri_get_port (uri));
  g_uri_unref (uri);
  return host;
}

std::string
rewrite_host (const std::string & uri, const std::string & host)
{
  GUri *parsed = g_uri_parse (uri.c_str (), G_URI_FLAGS_ENCODED, nullptr);
  if (!parsed)
    return uri;
  std::string out = uri;
  const char *current = g_uri_get_host (parsed);
  if (current && !host.empty () && g_ascii_strcasecmp (current, host.c_str ()))
  {
    GUri *changed = g_uri_build (G_URI_FLAGS_ENCODED,
        g_uri_get_scheme (parsed), g_uri_get_userinfo (parsed), host.c_str (),
        g_uri_get_port (parsed), g_uri_get_path (parsed),
        g_uri_get_query (parsed), g_uri_get_fragment (parsed));
    gchar *text = g_uri_to_string (changed);
    out = text;
    g_free (text);
    g_uri_unref (changed);
  }
  g_uri_unref (parsed);
  return out;
}

}  // namespace camgate::onvif
