// Gateway-wide settings: from the --config YAML file, then command-line flags.
#pragma once

#include "config/pipeline_file.h"

#include <string>
#include <vector>

namespace camgate {

struct GatewayConfig
{
  std::string pipelines_dir;       // "" = no pipeline folder: demo stream only
  std::string bind_address = "127.0.0.1";
  int rtsp_port = 8554;            // 0 = pick a free port
  int http_port = 8888;
  uint32_t session_timeout_s = 60; // RTSP session timeout announced to clients
};

// Reads `path` over the defaults already in `config`. Returns false and
// appends to `errors` on any problem.
bool load_gateway_config (const std::string & path, GatewayConfig & config,
    std::vector<ConfigError> & errors);

}  // namespace camgate
