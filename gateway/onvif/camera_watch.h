// CameraWatch: the gateway's view of the ONVIF cameras on the network, for
// GET /api/v1/cameras (http/ renders them). It runs the onvifdeviceprovider (WS-Discovery,
// Hello/Bye, periodic re-probe) for as long as the gateway runs.
#pragma once

#include "config/gateway_config.h"

#include <gst/gst.h>

#include <string>
#include <utility>
#include <vector>

namespace camgate {

// One device the provider knows, as the API lists it.
struct DiscoveredCamera
{
  std::string id;
  std::string name;
  // endpoint, xaddr, manufacturer, model, hardware, scopes: those the
  // device announced, in that order.
  std::vector<std::pair<std::string, std::string>> details;
  std::string uri;                 // onvif://, no credentials; may be ""
};

class CameraWatch
{
public:
  explicit CameraWatch (OnvifConfig config);
  ~CameraWatch ();
  CameraWatch (const CameraWatch &) = delete;
  CameraWatch & operator= (const CameraWatch &) = delete;

  void start ();
  void stop ();
  // The devices currently known.
  std::vector<DiscoveredCamera> cameras () const;
  // The onvif:// URI (no credentials) of camera `id`, "" if unknown.
  std::string location (const std::string & id) const;

private:
  const OnvifConfig config_;
  GstDeviceProvider *provider_ = nullptr;
  bool started_ = false;
};

}  // namespace camgate
