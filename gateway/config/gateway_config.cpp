#include "config/gateway_config.h"

#include "config/yaml_reader.h"

#include <gio/gio.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace camgate {

namespace {

const std::vector<std::string> kKeys =
    { "pipelines", "bind", "rtsp-port", "http-port", "session-timeout" };

void
read_port (YamlReader & reader, const YAML::Node & node, const std::string & what,
    int & port)
{
  std::string text;
  if (!reader.scalar (node, what, text))
    return;
  char *end = nullptr;
  long value = std::strtol (text.c_str (), &end, 10);
  if (text.empty () || *end || value < 0 || value > 65535) {
    reader.error (node, what + ": expected a port number 0-65535, got '" + text
        + "'");
    return;
  }
  port = static_cast<int> (value);
}

}  // namespace

bool
load_gateway_config (const std::string & path, GatewayConfig & config,
    std::vector<ConfigError> & errors)
{
  std::ifstream in (path);
  if (!in) {
    errors.push_back ({ path, 0, "cannot read config file" });
    return false;
  }
  std::ostringstream text;
  text << in.rdbuf ();

  YAML::Node root;
  try {
    root = YAML::Load (text.str ());
  } catch (const YAML::ParserException & e) {
    errors.push_back ({ path, e.mark.line + 1, "YAML syntax error: " + e.msg });
    return false;
  }
  if (root.IsNull ())
    return true;
  YamlReader reader (path, errors);
  if (!root.IsMap ()) {
    reader.error (root, "expected a mapping of settings");
    return false;
  }
  reader.check_keys (root, "", kKeys);

  if (const YAML::Node node = root["pipelines"]) {
    std::string dir;
    if (reader.scalar (node, "pipelines", dir)) {
      // Relative to the config file, so a config can travel with its folder.
      std::filesystem::path p (dir);
      if (p.is_relative ())
        p = std::filesystem::path (path).parent_path () / p;
      config.pipelines_dir = p.lexically_normal ().string ();
    }
  }
  if (const YAML::Node node = root["bind"]) {
    std::string address;
    if (reader.scalar (node, "bind", address)) {
      if (!g_hostname_is_ip_address (address.c_str ()))
        reader.error (node, "bind: '" + address + "' is not an IP address");
      else
        config.bind_address = address;
    }
  }
  if (const YAML::Node node = root["rtsp-port"])
    read_port (reader, node, "rtsp-port", config.rtsp_port);
  if (const YAML::Node node = root["http-port"])
    read_port (reader, node, "http-port", config.http_port);
  if (const YAML::Node node = root["session-timeout"]) {
    uint32_t ms = 0;
    if (reader.duration (node, "session-timeout", 3600 * 1000, ms)) {
      if (ms < 5000)
        reader.error (node, "session-timeout: must be at least 5s");
      else
        config.session_timeout_s = ms / 1000;
    }
  }
  return !reader.failed ();
}

}  // namespace camgate
