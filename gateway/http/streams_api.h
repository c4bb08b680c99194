// The streams API: JSON views of the running streams (see docs/api.md).
#pragma once

#include <functional>
#include <string>

namespace camgate {

class StreamManager;

// `permissions` says what the caller may do with each stream (AccessControl
// bits): streams with none are left out, the others list them.
std::string render_stream_list (const StreamManager & streams,
    const std::function<unsigned (const std::string &)> & permissions);
// False when there is no stream `name`.
bool render_stream (const StreamManager & streams, const std::string & name,
    std::string & json);

}  // namespace camgate
