// The streams API: JSON views of the running streams (see docs/api.md).
#pragma once

#include <string>

namespace camgate {

class StreamManager;
class RtspServer;

std::string render_stream_list (const StreamManager & streams,
    const RtspServer & rtsp);
// False when there is no stream `name`.
bool render_stream (const StreamManager & streams, const RtspServer & rtsp,
    const std::string & name, std::string & json);

}  // namespace camgate
