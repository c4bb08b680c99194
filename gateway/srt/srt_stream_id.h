// The SRT streamid a caller sends to the gateway's listener, in the two
// conventions in use:
//   publish:<stream>[:<user>:<password>]     (MediaMTX's)
//   #!::r=<stream>,m=publish[,u=<user>]       (SRT's access control keys)
// Anything else (or another mode than publish) is not understood.
#pragma once

#include <optional>
#include <string>

namespace camgate {

struct SrtStreamId
{
  std::string stream;
  std::string user;                // "" = anonymous
  std::string password;
};

// The request in `streamid`, or nullopt with `why` set.
std::optional<SrtStreamId> parse_srt_stream_id (const std::string & streamid,
    std::string & why);

}  // namespace camgate
