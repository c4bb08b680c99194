// StreamOwnership: what a stream manager asks of the cluster its gateway is
// a node of (the stream layer does not include the cluster).
#pragma once

#include <string>
#include <vector>

namespace camgate {

class StreamOwnership
{
public:
  virtual ~StreamOwnership () = default;
  // Whether this node owns `stream`, and so runs its source.
  virtual bool owns (const std::string & stream) const = 0;
  // The streams this node could own (all but publish streams), and how
  // many readers its streams have (its load, as other nodes see it).
  virtual void set_candidates (std::vector<std::string> streams,
      size_t viewers) = 0;
  // Where viewers of `stream` are sent when another node owns it (the
  // owner's "rtsp://host:port" or "http://host:port" base), "" to serve or
  // refuse them here.
  virtual std::string redirect_rtsp (const std::string & stream) const = 0;
  virtual std::string redirect_http (const std::string & stream) const = 0;
  // Where this node, an edge for `stream`, pulls it from when another node
  // owns it: the owner's RTSP URI of the stream, with the cluster's
  // credential; "" when this node does not serve it as an edge.
  virtual std::string upstream (const std::string & stream) const = 0;
};

}  // namespace camgate
