// POST /api/v1/streams/<name>/ptz and GET /api/v1/streams/<name>/ptz/presets:
// steering the ONVIF camera behind a stream (the `control` permission).
// Requests wait, parked, for the camera's answer (at most 30 s).
#pragma once

#include "onvif/ptz_control.h"

#include <libsoup/soup.h>

#include <string>

namespace camgate {

class StreamManager;

class PtzRoutes
{
public:
  explicit PtzRoutes (StreamManager & streams) : streams_ (streams) {}
  PtzRoutes (const PtzRoutes &) = delete;
  PtzRoutes & operator= (const PtzRoutes &) = delete;

  // {"move": {"pan": -1..1, "tilt": …, "zoom": …}, "timeout": "500ms"},
  // {"stop": true}, {"goto-preset": "<token>"} or {"set-preset": "<name>"}.
  void command (SoupServerMessage * message, const std::string & stream);
  void presets (SoupServerMessage * message, const std::string & stream);

private:
  // Sends `request` to the stream's camera and answers with the result.
  void send (SoupServerMessage * message, const std::string & stream,
      PtzRequest request);

  StreamManager & streams_;
  PtzControl control_;
};

// Reads a PTZ command body; false with `error` when it is not one.
bool parse_ptz_command (const std::string & body, PtzRequest & request,
    std::string & error);

}  // namespace camgate
