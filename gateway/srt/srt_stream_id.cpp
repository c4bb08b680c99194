#include "srt/srt_stream_id.h"

#include <vector>

namespace camgate {

namespace {

std::vector<std::string>
split (const std::string & text, char separator)
{
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t at; (at = text.find (separator, start)) != std::string::npos;
      start = at + 1)
    parts.push_back (text.substr (start, at - start));
  parts.push_back (text.substr (start));
  return parts;
}

}  // namespace

std::optional<SrtStreamId>
parse_srt_stream_id (const std::string & streamid, std::string & why)
{
  SrtStreamId id;
  if (streamid.rfind ("#!::", 0) == 0) {
    std::string mode;
    for (const auto & pair : split (streamid.substr (4), ',')) {
      const size_t eq = pair.find ('=');
      if (eq == std::string::npos) {
        why = "streamid: '" + pair.substr (0, 32) + "' is not key=value";
        return std::nullopt;
      }
      const std::string key = pair.substr (0, eq), value = pair.substr (eq + 1);
      if (key == "r")
        id.stream = value;
      else if (key == "m")
        mode = value;
      else if (key == "u")
        id.user = value;
    }
    if (mode != "publish") {
      why = mode.empty () ? "streamid: no m=publish"
          : "streamid: mode '" + mode.substr (0, 32) + "' (only publish)";
      return std::nullopt;
    }
  } else if (streamid.rfind ("publish:", 0) == 0) {
    auto parts = split (streamid.substr (8), ':');
    id.stream = parts[0];
    if (parts.size () == 3) {
      id.user = parts[1];
      id.password = parts[2];
    } else if (parts.size () != 1) {
      why = "streamid: expected publish:<stream> or "
          "publish:<stream>:<user>:<password>";
      return std::nullopt;
    }
  } else {
    why = streamid.empty () ? "no streamid (expected publish:<stream>)"
        : "streamid: expected publish:<stream> or #!::r=<stream>,m=publish";
    return std::nullopt;
  }
  if (id.stream.empty ()) {
    why = "streamid: no stream name";
    return std::nullopt;
  }
  return id;
}

}  // namespace camgate
