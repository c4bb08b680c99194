// OnvifClient: the SOAP calls that turn an ONVIF device address into RTSP
// stream URIs, over libsoup (synchronous: call it off the main thread or
// where blocking is fine, e.g. an element's state change or the discover
// command). Both authentications real cameras use: a WS-Security
// UsernameToken (created on the device's own clock, read first) and, when
// the device answers 401, HTTP Digest.
#pragma once

#include "onvif_protocol.h"

#include <libsoup/soup.h>

#include <memory>
#include <string>
#include <vector>

namespace camgate::onvif {

class OnvifClient
{
public:
  // `device_url`: the device service, e.g. http://cam/onvif/device_service.
  OnvifClient (std::string device_url, Credentials credentials,
      guint timeout_s = 5);
  ~OnvifClient ();
  OnvifClient (const OnvifClient &) = delete;
  OnvifClient & operator= (const OnvifClient &) = delete;

  // Reads the device clock and finds the media services. Every other call
  // needs it first.
  bool connect (std::string & error);
  bool device_information (DeviceInformation & info, std::string & error);
  // Media2 profiles where the device has it (H.265 lives there), else Media.
  bool profiles (std::vector<Profile> & out, std::string & error);
  bool stream_uri (const std::string & profile_token, std::string & uri,
      std::string & error);

  // The PTZ service's address, "" when the device has none (after connect).
  const std::string & ptz_service () const { return services_.ptz; }
  // `action` on the PTZ service, with a body from onvif_ptz.h. This call and
  // event_call() go to the device's own host, whatever host the device
  // gave for the service.
  bool ptz (const char *action, const std::string & body,
      std::unique_ptr<XmlDocument> & reply, std::string & error);

  // The event service's address, "" when the device has none.
  const std::string & event_service () const { return services_.events; }
  // `action` (under `action_base`, from onvif_events.h) sent to `address`,
  // the event service or a subscription, with WS-Addressing headers.
  bool event_call (const std::string & address, const char *action_base,
      const char *action, const std::string & body,
      std::unique_ptr<XmlDocument> & reply, std::string & error);

  // The host the device answered on (for rewriting stream URIs).
  std::string host () const;
  // Cancels calls in flight (from another thread) when triggered.
  void set_cancellable (GCancellable * cancellable);

private:
  // `to`: a WS-Addressing destination ("" for none).
  bool call (const std::string & url, const char *action_ns,
      const char *action, const std::string & body, bool authenticate,
      std::unique_ptr<XmlDocument> & reply, std::string & error,
      const std::string & to = {});

  const std::string device_url_;
  const Credentials credentials_;
  SoupSession *session_ = nullptr;
  GCancellable *cancellable_ = nullptr;
  int64_t clock_offset_s_ = 0;     // device clock − ours
  MediaServices services_;
  bool media2_used_ = false;
};

// The first of a device's advertised service addresses that answers HTTP
// at all (cameras list link-local, IPv6 or other interfaces' addresses too,
// in no useful order); the first address when none does, with `error`
// saying why each failed. Without a choice to make, asks nothing.
std::string first_answering_address (const std::vector<std::string> & xaddrs,
    guint timeout_s, std::string & error);

// "onvif://user:pass@host[:port][/profile]" → device service URL,
// credentials, profile token. False (and `error`) when it is not one.
bool parse_onvif_uri (const std::string & uri, std::string & device_url,
    Credentials & credentials, std::string & profile, std::string & error);

}  // namespace camgate::onvif
