// The ONVIF messages camgate sends and the replies it reads: WS-Discovery
// Probe / ProbeMatches / Hello / Bye, and the SOAP device and media calls
// with a WS-Security UsernameToken. Pure functions over strings, so every
// parser can be tested (and fuzzed) without a network.
#pragma once

#include "onvif_xml.h"

#include <glib.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace camgate::onvif {

// ---- WS-Discovery --------------------------------------------------------

constexpr const char *kDiscoveryGroup = "239.255.255.250";
constexpr guint16 kDiscoveryPort = 3702;

struct DiscoveredDevice
{
  std::string endpoint;            // EndpointReference address (identity)
  std::vector<std::string> types;
  std::vector<std::string> scopes;
  std::vector<std::string> xaddrs; // device service URLs
  // From the scopes: onvif://www.onvif.org/name/<x> and .../hardware/<x>.
  std::string scope_value (const std::string & category) const;
};

enum class DiscoveryKind { ProbeMatches, Hello, Bye, Other };

struct DiscoveryMessage
{
  DiscoveryKind kind = DiscoveryKind::Other;
  std::string relates_to;
  std::vector<DiscoveredDevice> devices;
};

// A Probe for `type`: "dn:NetworkVideoTransmitter" or "tds:Device".
std::string probe_message (const std::string & message_id,
    const std::string & type);
bool parse_discovery (const std::string & xml, DiscoveryMessage & out,
    std::string & error);

// ---- SOAP ----------------------------------------------------------------

struct Credentials
{
  std::string user;
  std::string password;
  bool empty () const { return user.empty (); }
};

// Base64 (SHA-1 (nonce + created + password)), OASIS UsernameToken Profile
// 1.0 §3.1; `nonce` is the raw bytes.
std::string password_digest (const std::string & nonce,
    const std::string & created, const std::string & password);
// "2024-01-15T10:30:00Z" for a UTC time in seconds since the epoch.
std::string xs_datetime (int64_t utc_seconds);

// A SOAP 1.2 envelope around `body`, with a UsernameToken when `credentials`
// are given. `device_now` is the device's clock (UTC seconds), the time the
// token is created at; `nonce` 16 random bytes (tests pass their own).
// `addressing`: WS-Addressing header elements (wsa:Action, wsa:To), for
// calls to a subscription.
std::string soap_envelope (const std::string & body,
    const Credentials & credentials, int64_t device_now,
    const std::string & nonce, const std::string & addressing = {});

namespace ns {
constexpr const char *kDevice = "http://www.onvif.org/ver10/device/wsdl";
constexpr const char *kMedia = "http://www.onvif.org/ver10/media/wsdl";
constexpr const char *kMedia2 = "http://www.onvif.org/ver20/media/wsdl";
constexpr const char *kPtz = "http://www.onvif.org/ver20/ptz/wsdl";
constexpr const char *kEvents = "http://www.onvif.org/ver10/events/wsdl";
constexpr const char *kSchema = "http://www.onvif.org/ver10/schema";
}

// Request bodies (inside <s:Body>).
std::string get_system_date_and_time ();
std::string get_device_information ();
std::string get_services ();
std::string get_capabilities ();
std::string get_profiles (bool media2);
std::string get_stream_uri (bool media2, const std::string & profile_token);

// A SOAP Fault's reason (and subcode), when the document is one.
std::optional<std::string> fault_reason (xmlNode * root);
// The device clock in UTC seconds.
std::optional<int64_t> parse_system_date (xmlNode * root);

struct DeviceInformation
{
  std::string manufacturer, model, firmware, serial, hardware;
};
DeviceInformation parse_device_information (xmlNode * root);

// The services camgate calls.
struct MediaServices
{
  std::string media;               // ver10 XAddr ("" when absent)
  std::string media2;              // ver20 XAddr
  std::string ptz;                 // ver20 PTZ XAddr ("" without PTZ)
  std::string events;              // ver10 event service XAddr
};
// From GetServices or GetCapabilities.
MediaServices parse_media_services (xmlNode * root);

struct Profile
{
  std::string token;
  std::string name;
  std::string encoding;            // "H264", "H265", "JPEG"... ("" unknown)
  int width = 0;
  int height = 0;
  double fps = 0;
  bool ptz = false;                // has a PTZ configuration
};
std::vector<Profile> parse_profiles (xmlNode * root);
// The profile to stream by default: the largest picture in a codec camgate
// relays (H.264/H.265), else the largest; null when there is none.
const Profile *main_profile (const std::vector<Profile> & profiles);

std::string parse_stream_uri (xmlNode * root);

// "host[:port]" of a device service URL (port left out when 80; IPv6 in
// brackets): what an onvif:// URI names the device by. "" when unparsable.
std::string device_authority (const std::string & xaddr);

// `uri` with its host replaced by `host` when they differ (a camera behind
// NAT reports its private address); `uri` itself when it has no host.
std::string rewrite_host (const std::string & uri, const std::string & host);

}  // namespace camgate::onvif
