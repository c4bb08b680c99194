// GET /api/v1/cameras: the ONVIF cameras CameraWatch knows, as JSON.
#pragma once

#include "onvif/camera_watch.h"

#include <string>
#include <vector>

namespace camgate {

// {"cameras": [{"id", "name", endpoint … scopes when known, "uri"}]}
std::string cameras_json (const std::vector<DiscoveredCamera> & cameras);

}  // namespace camgate
