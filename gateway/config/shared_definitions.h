// SharedDefinitions: where the stream API's changes go before the pipelines
// folder when the gateway is a node of a cluster: the definitions every
// node shares (cluster/stream_definitions.h keeps them in etcd and mirrors
// them into each node's folder). The folder then holds them as mirrored
// files: their first line marks them, and the cluster may replace or
// remove them.
#pragma once

#include <string>

namespace camgate {

class SharedDefinitions
{
public:
  virtual ~SharedDefinitions () = default;
  // Stores `yaml` as the definition of stream `name`; with `create`, only
  // when the cluster has none by that name (false, `error` empty). False,
  // with why, when it could not be stored.
  virtual bool put (const std::string & name, const std::string & yaml,
      bool create, std::string & error) = 0;
  virtual bool remove (const std::string & name, std::string & error) = 0;
};

// The first line of a pipeline file that mirrors a shared definition.
constexpr const char *kMirroredMarker =
    "# camgate cluster: this stream's definition lives in etcd; changes made "
    "here are overwritten\n";

inline std::string
mirrored_text (const std::string & yaml)
{
  return kMirroredMarker + yaml;
}

inline bool
is_mirrored_text (const std::string & text)
{
  return text.rfind (kMirroredMarker, 0) == 0;
}

}  // namespace camgate
