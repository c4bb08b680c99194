// CameraWatch: the gateway's view of the ONVIF cameras on the network, for
// GET /api/v1/cameras. It runs the onvifdeviceprovider (WS-Discovery,
// Hello/Bye, periodic re-probe) for as long as the gateway runs.
#pragma once

#include "config/gateway_config.h"

#include <gst/gst.h>

#include <string>

namespace camgate {

class CameraWatch
{
public:
  explicit CameraWatch (OnvifConfig config);
  ~CameraWatch ();
  CameraWatch (const CameraWatch &) = delete;
  CameraWatch & operator= (const CameraWatch &) = delete;

  void start ();
  void stop ();
  // {"cameras": [...]} of the devices currently known; each has an "id".
  std::string render_json () const;
  // The onvif:// URI (no credentials) of camera `id`, "" if unknown.
  std::string location (const std::string & id) const;

private:
  const OnvifConfig config_;
  GstDeviceProvider *provider_ = nullptr;
  bool started_ = false;
};

}  // namespace camgate
