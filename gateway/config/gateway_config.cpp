#include "config/gateway_config.h"

#include "auth/password_hash.h"
#include "config/text_helpers.h"
#include "config/yaml_reader.h"

#include <gio/gio.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace camgate {

namespace {

const std::vector<std::string> kKeys =
    { "pipelines", "recordings", "api-pipelines", "bind", "rtsp-port",
      "http-port", "session-timeout", "read-timeout", "rtsp-udp-ports", "webrtc",
      "onvif", "users", "tls", "rtmp", "srt", "webhooks", "cluster" };
const std::vector<std::string> kClusterKeys =
    { "etcd", "node", "advertise", "lease", "mode", "credential", "etcd-auth",
      "etcd-tls" };
const std::vector<std::string> kEtcdTlsKeys = { "ca", "certificate", "key" };
const std::vector<std::string> kAdvertiseKeys = { "rtsp", "http" };
const std::vector<std::string> kCredentialKeys = { "user", "password" };
const std::vector<std::string> kWebhookKeys =
    { "url", "secret", "events", "queue" };
const std::vector<std::string> kRtmpKeys = { "port", "tls-port", "app" };
const std::vector<std::string> kSrtKeys = { "port", "latency", "passphrase" };
const std::vector<std::string> kUserKeys =
    { "name", "password-hash", "rtsp-digest", "permissions" };
const std::vector<std::string> kTlsKeys =
    { "certificate", "key", "https-port", "rtsps-port", "redirect-http" };
const std::vector<std::string> kOnvifKeys =
    { "discovery", "targets", "user", "password", "interval" };
const std::vector<std::string> kWebRtcKeys =
    { "stun-servers", "turn-servers", "udp-ports", "ice-tcp", "max-viewers",
      "max-h264-transcodes" };

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

// A list of server URIs of one scheme family (stun: or turn:/turns:).
void
read_servers (YamlReader & reader, const YAML::Node & node,
    const std::string & what, const std::vector<std::string> & schemes,
    std::vector<std::string> & out)
{
  if (!node.IsSequence ()) {
    reader.error (node, what + ": expected a list of URIs, got "
        + YamlReader::kind (node));
    return;
  }
  for (const auto & item : node) {
    std::string uri;
    if (!reader.scalar (item, what, uri))
      continue;
    auto colon = uri.find ("://");
    std::string scheme = colon == std::string::npos ? "" : uri.substr (0, colon);
    if (control_character (uri))
      reader.error (item, what + ": contains a control character");
    else if (std::find (schemes.begin (), schemes.end (), scheme)
        == schemes.end () || uri.size () == colon + 3)
      reader.error (item, what + ": '" + uri + "' is not a " + schemes.front ()
          + ":// URI");
    else
      out.push_back (uri);
  }
}

// "40000-40100": both ends included.
void
read_port_range (YamlReader & reader, const YAML::Node & node,
    const std::string & where, uint32_t & min_port, uint32_t & max_port)
{
  std::string text;
  if (!reader.scalar (node, where, text))
    return;
  unsigned lo = 0, hi = 0;
  char tail = 0;
  if (std::sscanf (text.c_str (), "%u-%u%c", &lo, &hi, &tail) != 2 || lo == 0
      || hi > 65535 || lo > hi)
    reader.error (node, where + ": expected a range such as 40000-40100, "
        "got '" + text + "'");
  else {
    min_port = lo;
    max_port = hi;
  }
}

void
read_webrtc (YamlReader & reader, const YAML::Node & node, WebRtcConfig & out)
{
  if (!node.IsMap ()) {
    reader.error (node, "webrtc: expected a mapping, got "
        + YamlReader::kind (node));
    return;
  }
  reader.check_keys (node, "webrtc", kWebRtcKeys);
  if (const YAML::Node n = node["stun-servers"])
    read_servers (reader, n, "webrtc.stun-servers", { "stun" },
        out.stun_servers);
  if (const YAML::Node n = node["turn-servers"])
    read_servers (reader, n, "webrtc.turn-servers", { "turn", "turns" },
        out.turn_servers);
  if (const YAML::Node n = node["udp-ports"])
    read_port_range (reader, n, "webrtc.udp-ports", out.min_port,
        out.max_port);
  if (const YAML::Node n = node["ice-tcp"])
    reader.boolean (n, "webrtc.ice-tcp", out.ice_tcp);
  if (const YAML::Node n = node["max-viewers"])
    reader.number (n, "webrtc.max-viewers", 1, 100000, out.max_viewers);
  if (const YAML::Node n = node["max-h264-transcodes"])
    reader.number (n, "webrtc.max-h264-transcodes", 1, 1000,
        out.max_h264_transcodes);
}

void
read_webhook (YamlReader & reader, const YAML::Node & node, size_t index,
    std::vector<WebhookConfig> & out)
{
  const std::string what = "webhooks[" + std::to_string (index) + "]";
  if (!node.IsMap ()) {
    reader.error (node, what + ": expected a mapping with url, got "
        + YamlReader::kind (node));
    return;
  }
  reader.check_keys (node, what, kWebhookKeys);
  WebhookConfig hook;
  const YAML::Node url = node["url"];
  if (!url || !reader.scalar (url, what + ".url", hook.url))
    return reader.error (node, what + ": needs a url");
  if (!g_str_has_prefix (hook.url.c_str (), "http://")
      && !g_str_has_prefix (hook.url.c_str (), "https://"))
    return reader.error (url, what + ".url: expected http:// or https://");
  if (const YAML::Node n = node["secret"])
    reader.scalar (n, what + ".secret", hook.secret);
  if (const YAML::Node n = node["events"]) {
    if (!n.IsSequence ())
      return reader.error (n, what + ".events: expected a list of event "
          "types, got " + YamlReader::kind (n));
    for (const auto & item : n) {
      std::string type;
      if (reader.scalar (item, what + ".events", type))
        hook.events.push_back (type);
    }
  }
  if (const YAML::Node n = node["queue"])
    reader.number (n, what + ".queue", 1, 100000, hook.queue);
  out.push_back (std::move (hook));
}

void
read_onvif (YamlReader & reader, const YAML::Node & node, OnvifConfig & out)
{
  if (!node.IsMap ()) {
    reader.error (node, "onvif: expected a mapping, got "
        + YamlReader::kind (node));
    return;
  }
  reader.check_keys (node, "onvif", kOnvifKeys);
  if (const YAML::Node n = node["discovery"])
    reader.boolean (n, "onvif.discovery", out.discovery);
  if (const YAML::Node n = node["targets"]) {
    if (!n.IsSequence ())
      reader.error (n, "onvif.targets: expected a list of host[:port], got "
          + YamlReader::kind (n));
    else
      for (const auto & item : n) {
        std::string target;
        if (reader.scalar (item, "onvif.targets", target))
          out.targets.push_back (target);
      }
  }
  if (const YAML::Node n = node["user"])
    reader.scalar (n, "onvif.user", out.user);
  if (const YAML::Node n = node["password"])
    reader.scalar (n, "onvif.password", out.password);
  if (const YAML::Node n = node["interval"]) {
    uint32_t ms = 0;
    if (reader.duration (n, "onvif.interval", 3600 * 1000, ms)) {
      if (ms < 5000)
        reader.error (n, "onvif.interval: must be at least 5s");
      else
        out.interval_s = ms / 1000;
    }
  }
}

void
read_user (YamlReader & reader, const YAML::Node & node, size_t index,
    std::vector<UserSpec> & users)
{
  std::string where = "users[" + std::to_string (index) + "]";
  if (!node.IsMap ()) {
    reader.error (node, where + ": expected a mapping, got "
        + YamlReader::kind (node));
    return;
  }
  reader.check_keys (node, where, kUserKeys);
  UserSpec user;
  if (const YAML::Node n = node["name"]; !n)
    reader.error (node, where + ".name: missing");
  else if (reader.scalar (n, where + ".name", user.name)
      && (user.name.empty () || user.name.find (':') != std::string::npos))
    reader.error (n, where + ".name: '" + user.name + "' is empty or has ':'");
  for (const auto & other : users)
    if (other.name == user.name)
      reader.error (node, where + ".name: '" + user.name + "' appears twice");
  const bool anonymous = user.name == kAnonymousUser;
  if (const YAML::Node n = node["password-hash"]) {
    if (reader.scalar (n, where + ".password-hash", user.password_hash)
        && !is_password_hash (user.password_hash))
      reader.error (n, where + ".password-hash: not a pbkdf2-sha256 hash "
          "(make one with 'camgate hash-password " + user.name + "')");
  } else if (!anonymous) {
    reader.error (node, where + ".password-hash: missing (make one with "
        "'camgate hash-password " + user.name + "')");
  }
  if (anonymous && !user.password_hash.empty ())
    reader.error (node, where + ": the anonymous user has no password");
  if (const YAML::Node n = node["rtsp-digest"]) {
    if (reader.scalar (n, where + ".rtsp-digest", user.rtsp_digest)
        && (user.rtsp_digest.size () != 32 || user.rtsp_digest.find_first_not_of
            ("0123456789abcdef") != std::string::npos))
      reader.error (n, where + ".rtsp-digest: expected 32 hex digits");
  }
  const YAML::Node grants = node["permissions"];
  if (!grants || !grants.IsMap ()) {
    reader.error (grants ? grants : node, where + ".permissions: expected a "
        "mapping of stream pattern to a list such as [read, publish]");
  } else {
    for (const auto & entry : grants) {
      StreamGrant grant;
      if (!reader.scalar (entry.first, where + ".permissions", grant.pattern))
        continue;
      const std::string what = where + ".permissions." + grant.pattern;
      const YAML::Node list = entry.second;
      if (!list.IsSequence ()) {
        reader.error (list, what + ": expected a list such as [read]");
        continue;
      }
      for (const auto & item : list) {
        std::string word;
        if (!reader.scalar (item, what, word))
          continue;
        unsigned bit = permission_from_name (word);
        if (!bit)
          reader.error (item, what + ": unknown permission '" + word
              + "' (read, publish, record, api, control, admin)");
        grant.permissions |= bit;
      }
      user.grants.push_back (grant);
    }
  }
  users.push_back (user);
}

// `file` as given, or relative to the config file at `config_path`.
std::string
beside_config (const std::string & config_path, const std::string & file)
{
  std::filesystem::path p (file);
  if (p.is_relative ())
    p = std::filesystem::path (config_path).parent_path () / p;
  return p.lexically_normal ().string ();
}

void
read_tls (YamlReader & reader, const YAML::Node & node, const std::string & path,
    TlsConfig & out)
{
  if (!node.IsMap ()) {
    reader.error (node, "tls: expected a mapping, got "
        + YamlReader::kind (node));
    return;
  }
  reader.check_keys (node, "tls", kTlsKeys);
  for (auto [key, target] : { std::pair { "certificate", &out.certificate },
          std::pair { "key", &out.key } }) {
    if (const YAML::Node n = node[key]) {
      std::string file;
      if (reader.scalar (n, std::string ("tls.") + key, file))
        *target = beside_config (path, file);
    }
  }
  if (out.certificate.empty () != out.key.empty ())
    reader.error (node, "tls: needs both certificate and key");
  if (const YAML::Node n = node["https-port"])
    read_port (reader, n, "tls.https-port", out.https_port);
  if (const YAML::Node n = node["rtsps-port"])
    read_port (reader, n, "tls.rtsps-port", out.rtsps_port);
  if (const YAML::Node n = node["redirect-http"])
    reader.boolean (n, "tls.redirect-http", out.redirect_http);
}

// Folders, addresses, ports and timeouts: where and how the gateway
// listens.
void
read_listening (YamlReader & reader, const YAML::Node & root,
    const std::string & path, GatewayConfig & config)
{
  // Folders are relative to the config file, so a config can travel with
  // its folders.
  for (auto [key, target] : { std::pair { "pipelines", &config.pipelines_dir },
          std::pair { "recordings", &config.recordings_dir } }) {
    std::string dir;
    if (const YAML::Node node = root[key]; node && reader.scalar (node, key,
            dir))
      *target = beside_config (path, dir);
  }
  if (const YAML::Node node = root["api-pipelines"])
    reader.boolean (node, "api-pipelines", config.api_pipelines);
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
  if (const YAML::Node node = root["read-timeout"]) {
    uint32_t ms = 0;
    if (reader.duration (node, "read-timeout", 3600 * 1000, ms)) {
      if (ms < 1000)
        reader.error (node, "read-timeout: must be at least 1s");
      else
        config.read_timeout_ms = ms;
    }
  }
  if (const YAML::Node node = root["rtsp-udp-ports"]) {
    read_port_range (reader, node, "rtsp-udp-ports", config.rtsp_udp_min_port,
        config.rtsp_udp_max_port);
    if (config.rtsp_udp_max_port - config.rtsp_udp_min_port < 3)
      reader.error (node, "rtsp-udp-ports: at least 4 ports (two clients)");
  }
}

void
read_rtmp (YamlReader & reader, const YAML::Node & node, RtmpConfig & out)
{
  if (!node.IsMap ()) {
    reader.error (node, "rtmp: expected a mapping, got "
        + YamlReader::kind (node));
    return;
  }
  reader.check_keys (node, "rtmp", kRtmpKeys);
  if (const YAML::Node n = node["port"])
    read_port (reader, n, "rtmp.port", out.port);
  if (const YAML::Node n = node["tls-port"])
    read_port (reader, n, "rtmp.tls-port", out.tls_port);
  if (const YAML::Node n = node["app"]) {
    std::string app;
    if (reader.scalar (n, "rtmp.app", app)) {
      if (app.empty () || app.find_first_of ("/?# ") != std::string::npos)
        reader.error (n, "rtmp.app: expected one path segment such as "
            "'live', got '" + app + "'");
      else
        out.app = app;
    }
  }
}

void
read_srt (YamlReader & reader, const YAML::Node & node, SrtConfig & out)
{
  if (!node.IsMap ()) {
    reader.error (node, "srt: expected a mapping, got "
        + YamlReader::kind (node));
    return;
  }
  reader.check_keys (node, "srt", kSrtKeys);
  if (const YAML::Node n = node["port"])
    read_port (reader, n, "srt.port", out.port);
  if (const YAML::Node n = node["latency"]) {
    uint32_t ms = 0;
    if (reader.duration (n, "srt.latency", 10000, ms))
      out.latency_ms = ms;
  }
  if (const YAML::Node n = node["passphrase"]) {
    std::string passphrase;
    // SRT's own limits for an AES passphrase.
    if (reader.scalar (n, "srt.passphrase", passphrase)) {
      if (passphrase.size () < 10 || passphrase.size () > 79)
        reader.error (n, "srt.passphrase: expected 10 to 79 characters");
      else
        out.passphrase = passphrase;
    }
  }
}

// An absolute URL with one of `schemes`, a host and nothing after the port.
bool
is_origin_url (const std::string & text, std::initializer_list<const char *>
    schemes)
{
  GUri *uri = g_uri_parse (text.c_str (), G_URI_FLAGS_NONE, nullptr);
  if (!uri)
    return false;
  const char *scheme = g_uri_get_scheme (uri);
  const char *path = g_uri_get_path (uri);
  const bool ok = std::any_of (schemes.begin (), schemes.end (),
      [&](const char *s) { return g_str_equal (scheme, s); })
      && g_uri_get_host (uri) && *g_uri_get_host (uri)
      && (!path || !*path || g_str_equal (path, "/"))
      && !g_uri_get_query (uri) && !g_uri_get_userinfo (uri);
  g_uri_unref (uri);
  return ok;
}

// cluster.etcd-auth and cluster.etcd-tls: how the node proves itself to etcd.
void
read_etcd_access (YamlReader & reader, const YAML::Node & node,
    const std::string & path, ClusterConfig & out)
{
  if (const YAML::Node auth = node["etcd-auth"]) {
    if (!auth.IsMap () || !auth["user"] || !auth["password"])
      return reader.error (auth, "cluster.etcd-auth: expected { user, "
          "password }");
    reader.check_keys (auth, "cluster.etcd-auth", kCredentialKeys);
    reader.scalar (auth["user"], "cluster.etcd-auth.user", out.etcd_user);
    reader.scalar (auth["password"], "cluster.etcd-auth.password",
        out.etcd_password);
  }
  if (const YAML::Node tls = node["etcd-tls"]) {
    if (!tls.IsMap ())
      return reader.error (tls, "cluster.etcd-tls: expected { ca, "
          "certificate, key }");
    reader.check_keys (tls, "cluster.etcd-tls", kEtcdTlsKeys);
    for (auto [key, target] : { std::pair { "ca", &out.etcd_ca },
            std::pair { "certificate", &out.etcd_certificate },
            std::pair { "key", &out.etcd_key } }) {
      std::string file;
      if (const YAML::Node n = tls[key]; n && reader.scalar (n,
              std::string ("cluster.etcd-tls.") + key, file))
        *target = beside_config (path, file);
    }
    if (out.etcd_certificate.empty () != out.etcd_key.empty ())
      reader.error (tls, "cluster.etcd-tls: needs both certificate and key");
  }
}

void
read_cluster (YamlReader & reader, const YAML::Node & node,
    const std::string & path, ClusterConfig & out)
{
  if (!node.IsMap ())
    return reader.error (node, "cluster: expected a mapping, got "
        + YamlReader::kind (node));
  reader.check_keys (node, "cluster", kClusterKeys);
  const YAML::Node etcd = node["etcd"];
  if (!etcd || !etcd.IsSequence () || etcd.size () == 0
      || etcd.size () > ClusterConfig::kMaxEndpoints)
    return reader.error (etcd ? etcd : node, "cluster.etcd: expected a list "
        "of 1 to 16 etcd endpoints (http://host:2379)");
  for (const auto & item : etcd) {
    std::string url;
    if (!reader.scalar (item, "cluster.etcd", url))
      continue;
    while (!url.empty () && url.back () == '/')
      url.pop_back ();
    if (!is_origin_url (url, { "http", "https" }))
      reader.error (item, "cluster.etcd: '" + url + "' is not an "
          "http(s)://host:port endpoint");
    else
      out.etcd.push_back (url);
  }
  if (const YAML::Node n = node["node"]) {
    if (reader.scalar (n, "cluster.node", out.node)
        && !is_valid_stream_name (out.node))
      reader.error (n, "cluster.node: 1-64 letters, digits, '-', '_' and "
          "'.', not starting with '.' or '-'");
  }
  if (const YAML::Node advertise = node["advertise"]) {
    if (!advertise.IsMap ())
      return reader.error (advertise, "cluster.advertise: expected a mapping "
          "with rtsp and http");
    reader.check_keys (advertise, "cluster.advertise", kAdvertiseKeys);
    if (const YAML::Node n = advertise["rtsp"]) {
      if (reader.scalar (n, "cluster.advertise.rtsp", out.advertise_rtsp)
          && !is_origin_url (out.advertise_rtsp, { "rtsp", "rtsps" }))
        reader.error (n, "cluster.advertise.rtsp: expected rtsp://host:port");
    }
    if (const YAML::Node n = advertise["http"]) {
      if (reader.scalar (n, "cluster.advertise.http", out.advertise_http)
          && !is_origin_url (out.advertise_http, { "http", "https" }))
        reader.error (n, "cluster.advertise.http: expected http(s)://host:port");
    }
  }
  if (const YAML::Node n = node["mode"]) {
    std::string mode;
    if (reader.scalar (n, "cluster.mode", mode)) {
      if (mode == "redirect" || mode == "proxy")
        out.redirect = mode == "redirect";
      else
        reader.error (n, "cluster.mode: expected proxy or redirect");
    }
  }
  if (const YAML::Node credential = node["credential"]) {
    if (!credential.IsMap ())
      return reader.error (credential, "cluster.credential: expected a "
          "mapping with user and password");
    reader.check_keys (credential, "cluster.credential", kCredentialKeys);
    const YAML::Node user = credential["user"];
    const YAML::Node password = credential["password"];
    if (!user || !password)
      return reader.error (credential, "cluster.credential: needs both user "
          "and password");
    reader.scalar (user, "cluster.credential.user", out.credential_user);
    reader.scalar (password, "cluster.credential.password",
        out.credential_password);
    if (out.credential_user.empty () || out.credential_user == kAnonymousUser)
      reader.error (user, "cluster.credential.user: a user of the users list");
  }
  read_etcd_access (reader, node, path, out);
  if (const YAML::Node n = node["lease"]) {
    uint32_t ms = 0;
    // etcd grants no lease shorter than ~2 s.
    if (reader.duration (n, "cluster.lease", 60000, ms)) {
      if (ms < 2000)
        reader.error (n, "cluster.lease: at least 2s");
      else
        out.lease_ms = ms;
    }
  }
}

// An edge pulls other nodes' streams through their doors: with users
// configured, as one of them (the same list is expected on every node).
void
check_cluster_credential (YamlReader & reader, const YAML::Node & node,
    const GatewayConfig & config)
{
  const ClusterConfig & cluster = config.cluster;
  if (config.users.empty () || cluster.redirect)
    return;
  if (cluster.credential_user.empty ()) {
    reader.error (node, "cluster.credential: needed in proxy mode when users "
        "are configured (edges pull other nodes' streams as this user)");
    return;
  }
  const bool known = std::any_of (config.users.begin (), config.users.end (),
      [&](const UserSpec & user) { return user.name == cluster.credential_user; });
  if (!known)
    reader.error (node["credential"], "cluster.credential.user: '"
        + cluster.credential_user + "' is not in the users list");
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

  read_listening (reader, root, path, config);
  if (const YAML::Node node = root["webrtc"])
    read_webrtc (reader, node, config.webrtc);
  if (const YAML::Node node = root["onvif"])
    read_onvif (reader, node, config.onvif);
  if (const YAML::Node node = root["users"]) {
    if (!node.IsSequence ())
      reader.error (node, "users: expected a list of users, got "
          + YamlReader::kind (node));
    else
      for (size_t i = 0; i < node.size (); i++)
        read_user (reader, node[i], i, config.users);
  }
  if (const YAML::Node node = root["rtmp"])
    read_rtmp (reader, node, config.rtmp);
  if (const YAML::Node node = root["srt"])
    read_srt (reader, node, config.srt);
  if (const YAML::Node node = root["tls"])
    read_tls (reader, node, path, config.tls);
  if (const YAML::Node node = root["webhooks"]) {
    if (!node.IsSequence ())
      reader.error (node, "webhooks: expected a list, got "
          + YamlReader::kind (node));
    else
      for (size_t i = 0; i < node.size (); i++)
        read_webhook (reader, node[i], i, config.webhooks);
  }
  if (const YAML::Node node = root["cluster"]) {
    read_cluster (reader, node, path, config.cluster);
    check_cluster_credential (reader, node, config);
  }
  return !reader.failed ();
}

bool
parse_users (const std::string & text, const std::string & where,
    std::vector<UserSpec> & users, std::vector<ConfigError> & errors)
{
  YAML::Node root;
  try {
    root = YAML::Load (text);
  } catch (const YAML::Exception & e) {
    errors.push_back ({ where, e.mark.line + 1, e.msg });
    return false;
  }
  YamlReader reader (where, errors);
  const YAML::Node list = root.IsMap () ? root["users"] : YAML::Node ();
  if (!list || !list.IsSequence ()) {
    reader.error (root, "users: expected a list of users");
    return false;
  }
  for (size_t i = 0; i < list.size (); i++)
    read_user (reader, list[i], i, users);
  return !reader.failed ();
}

std::string
users_text (const std::vector<UserSpec> & users)
{
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << "users" << YAML::Value
      << YAML::BeginSeq;
  for (const auto & user : users) {
    out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << user.name;
    if (!user.password_hash.empty ())
      out << YAML::Key << "password-hash" << YAML::Value << user.password_hash;
    if (!user.rtsp_digest.empty ())
      out << YAML::Key << "rtsp-digest" << YAML::Value << user.rtsp_digest;
    out << YAML::Key << "permissions" << YAML::Value << YAML::BeginMap;
    for (const auto & grant : user.grants) {
      out << YAML::Key << grant.pattern << YAML::Value << YAML::Flow
          << YAML::BeginSeq;
      for (unsigned bit = 1; bit <= kPermControl; bit <<= 1)
        if (grant.permissions & bit)
          out << permission_names (bit);
      out << YAML::EndSeq;
    }
    out << YAML::EndMap << YAML::EndMap;
  }
  out << YAML::EndSeq << YAML::EndMap;
  return std::string (out.c_str ()) + "\n";
}

}  // namespace camgate
