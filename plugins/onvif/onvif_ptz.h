// The ONVIF PTZ service's messages (ver20/ptz/wsdl): continuous moves, stop
// and presets. Pure functions over strings, as in onvif_protocol.h.
#pragma once

#include "onvif_xml.h"

#include <glib.h>

#include <optional>
#include <string>
#include <vector>

namespace camgate::onvif {

// Speeds in the device's generic velocity space, -1..1 each; an absent axis
// is not sent (a zoom-only camera refuses a PanTilt velocity).
struct PtzVelocity
{
  std::optional<double> pan, tilt, zoom;
};

struct PtzPreset
{
  std::string token;
  std::string name;
};

// "PT0.5S" (xs:duration) for a number of milliseconds.
std::string xs_duration (guint ms);

// Request bodies (inside <s:Body>). `timeout_ms` is the device's own stop
// (ContinuousMove's Timeout).
std::string ptz_continuous_move (const std::string & profile_token,
    const PtzVelocity & velocity, guint timeout_ms);
std::string ptz_stop (const std::string & profile_token);
std::string ptz_goto_preset (const std::string & profile_token,
    const std::string & preset_token);
std::string ptz_set_preset (const std::string & profile_token,
    const std::string & preset_name);
std::string ptz_get_presets (const std::string & profile_token);

// GetPresetsResponse: the presets with a token, in the device's order.
std::vector<PtzPreset> parse_presets (xmlNode * root);
// SetPresetResponse: the token of the preset made ("" when missing).
std::string parse_set_preset (xmlNode * root);

}  // namespace camgate::onvif
