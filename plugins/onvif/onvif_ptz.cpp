#include "onvif_ptz.h"

namespace camgate::onvif {

namespace {

// Decimal with a dot whatever the locale, at most 4 digits after it.
std::string
number (double value)
{
  char text[G_ASCII_DTOSTR_BUF_SIZE];
  return g_ascii_formatd (text, sizeof text, "%.4g", value);
}

std::string
profile_element (const std::string & profile_token)
{
  return "<tptz:ProfileToken>" + escape (profile_token)
      + "</tptz:ProfileToken>";
}

}  // namespace

std::string
xs_duration (guint ms)
{
  return "PT" + number (ms / 1000.0) + "S";
}

std::string
ptz_continuous_move (const std::string & profile_token,
    const PtzVelocity & velocity, guint timeout_ms)
{
  std::string speed;
  if (velocity.pan || velocity.tilt)
    speed += "<tt:PanTilt x=\"" + number (velocity.pan.value_or (0))
        + "\" y=\"" + number (velocity.tilt.value_or (0)) + "\"/>";
  if (velocity.zoom)
    speed += "<tt:Zoom x=\"" + number (*velocity.zoom) + "\"/>";
  return "<tptz:ContinuousMove>" + profile_element (profile_token)
      + "<tptz:Velocity>" + speed + "</tptz:Velocity><tptz:Timeout>"
      + xs_duration (timeout_ms) + "</tptz:Timeout></tptz:ContinuousMove>";
}

std::string
ptz_stop (const std::string & profile_token)
{
  return "<tptz:Stop>" + profile_element (profile_token)
      + "<tptz:PanTilt>true</tptz:PanTilt><tptz:Zoom>true</tptz:Zoom>"
      "</tptz:Stop>";
}

std::string
ptz_goto_preset (const std::string & profile_token,
    const std::string & preset_token)
{
  return "<tptz:GotoPreset>" + profile_element (profile_token)
      + "<tptz:PresetToken>" + escape (preset_token) + "</tptz:PresetToken>"
      "</tptz:GotoPreset>";
}

std::string
ptz_set_preset (const std::string & profile_token,
    const std::string & preset_name)
{
  return "<tptz:SetPreset>" + profile_element (profile_token)
      + "<tptz:PresetName>" + escape (preset_name) + "</tptz:PresetName>"
      "</tptz:SetPreset>";
}

std::string
ptz_get_presets (const std::string & profile_token)
{
  return "<tptz:GetPresets>" + profile_element (profile_token)
      + "</tptz:GetPresets>";
}

std::vector<PtzPreset>
parse_presets (xmlNode * root)
{
  std::vector<PtzPreset> out;
  for (xmlNode *preset : children (find (root, "GetPresetsResponse"),
          "Preset")) {
    PtzPreset p { attribute (preset, "token"), text_of (preset, "Name") };
    if (!p.token.empty ())
      out.push_back (std::move (p));
  }
  return out;
}

std::string
parse_set_preset (xmlNode * root)
{
  return text_of (find (root, "SetPresetResponse"), "PresetToken");
}

}  // namespace camgate::onvif
