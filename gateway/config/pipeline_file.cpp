#include "config/pipeline_file.h"

#include "config/text_helpers.h"
#include "config/transcode_reader.h"
#include "config/yaml_reader.h"

#include <gst/gst.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

namespace camgate {

namespace fs = std::filesystem;

std::string
ConfigError::to_string () const
{
  std::ostringstream out;
  out << file;
  if (line > 0)
    out << ":" << line;
  out << ": " << reason;
  return out.str ();
}

namespace {

const std::vector<std::string> kTopKeys =
    { "name", "source", "outputs", "health", "record", "transcode" };
const std::vector<std::string> kRecordKeys =
    { "segment", "keep", "max-size", "path", "mode", "pre", "post" };
const std::vector<std::string> kHealthKeys =
    { "stall-timeout", "max-gop", "max-gap", "min-fps" };
const std::vector<std::string> kSourceKeys =
    { "uri", "transport", "latency", "pipeline", "timeout", "tls-verify",
      "publish", "passphrase", "on-demand", "linger", "events" };
const std::vector<std::string> kSourceWords = { "test", "publish", "whip",
  "rtmp", "srt" };
const std::vector<std::string> kOutputKeys = { "rtsp", "hls", "webrtc",
  "push" };
const std::vector<std::string> kRtspKeys = { "gop-cache" };
const std::vector<std::string> kWebRtcKeys = { "max-viewers", "warm" };
const std::vector<std::string> kHlsKeys = { "part", "segment", "window" };
const std::vector<std::string> kPushKeys = { "url", "tls-verify" };
const std::vector<std::string> kRtspSchemes =
    { "rtsp", "rtsps", "rtspt", "rtspu", "rtsph", "rtspst", "rtspsu", "onvif" };
const std::vector<std::string> kPublishWords =
    { "publish", "whip", "rtmp", "srt" };

std::string
hex_byte (char c)
{
  char text[3];
  g_snprintf (text, sizeof text, "%02x", static_cast<unsigned char> (c));
  return text;
}

// Recordings stay in the stream's own folder: a relative template of plain
// folder names ending in a .mp4 file.
std::optional<std::string>
record_path_problem (const std::string & text)
{
  if (control_character (text))
    return std::string ("contains a control character");
  if (text.empty () || text[0] == '/' || text.find ('\\') != std::string::npos)
    return "expected a file name template relative to the stream's "
        "recordings folder, such as %Y-%m-%d/%H-%M-%S.mp4, got '" + text + "'";
  gchar **parts = g_strsplit (text.c_str (), "/", -1);
  bool plain = true;
  for (gchar **p = parts; *p; p++)
    plain &= **p && !g_str_equal (*p, ".") && !g_str_equal (*p, "..");
  g_strfreev (parts);
  if (!plain)
    return "'" + text + "' may not hold '.', '..' or empty folder names "
        "(it stays inside the stream's recordings folder)";
  if (!g_str_has_suffix (text.c_str (), ".mp4"))
    return "'" + text + "' must name a .mp4 file";
  return std::nullopt;
}

std::string
stream_name_from_file (const std::string & file)
{
  fs::path path (file);
  return path.stem ().string ();
}

void
read_source_uri (YamlReader & reader, const YAML::Node & node,
    SourceSpec & source)
{
  if (!reader.scalar (node, "source.uri", source.uri))
    return;
  // CR/LF would be sent to the camera as request lines of their own.
  if (auto c = control_character (source.uri)) {
    reader.error (node, "source.uri: contains a control character (0x"
        + hex_byte (*c) + "); percent-encode it");
    source.uri.clear ();
    return;
  }
  GstUri *uri = gst_uri_from_string (source.uri.c_str ());
  if (!uri) {
    reader.error (node, "source.uri: '" + redact_uri (source.uri)
        + "' is not a valid URI");
    return;
  }
  const gchar *scheme = gst_uri_get_scheme (uri);
  const gchar *host = gst_uri_get_host (uri);
  g_autofree gchar *lower = scheme ? g_ascii_strdown (scheme, -1) : nullptr;
  const std::string scheme_text = lower ? lower : "";
  if (scheme_text == "srt") {
    source.kind = SourceKind::Srt;
    if (gst_uri_get_port (uri) == GST_URI_NO_PORT)
      reader.error (node, "source.uri: '" + redact_uri (source.uri)
          + "' has no port");
  } else if (std::find (kRtspSchemes.begin (), kRtspSchemes.end (),
          scheme_text) == kRtspSchemes.end ()) {
    reader.error (node, "source.uri: unsupported scheme '" + scheme_text
        + "' (expected rtsp://, rtsps://, onvif:// or srt://)");
  }
  if (!host || !*host) {
    reader.error (node, "source.uri: '" + redact_uri (source.uri)
        + "' has no host");
  }
  gst_uri_unref (uri);
}

void
read_pipeline (YamlReader & reader, const YAML::Node & node,
    SourceSpec & source)
{
  if (!reader.scalar (node, "source.pipeline", source.pipeline))
    return;
  GError *error = nullptr;
  GstElement *bin = gst_parse_bin_from_description_full (
      source.pipeline.c_str (), TRUE, nullptr, GST_PARSE_FLAG_FATAL_ERRORS,
      &error);
  if (!bin) {
    reader.error (node, std::string ("source.pipeline: ")
        + (error ? error->message : "cannot be parsed"));
  }
  g_clear_error (&error);
  if (bin)
    gst_object_unref (bin);
}

void
read_source (YamlReader & reader, const YAML::Node & node, SourceSpec & source)
{
  if (node.IsScalar ()) {
    const std::string word = node.Scalar ();
    if (word == "test") {
      source.kind = SourceKind::Test;
    } else if (word == "publish" || word == "whip" || word == "rtmp"
        || word == "srt") {
      // One door for publishers: RTSP ANNOUNCE/RECORD, WHIP, RTMP and SRT.
      source.kind = SourceKind::Publish;
    } else {
      std::string reason = "source: expected 'test', 'publish' or a mapping "
          "with uri/pipeline, got '" + word + "'";
      if (auto guess = closest_match (word, kSourceWords))
        reason += " (did you mean '" + *guess + "'?)";
      reader.error (node, reason);
    }
    return;
  }
  if (!node.IsMap ()) {
    reader.error (node, "source: expected 'test', 'publish' or a mapping, got "
        + YamlReader::kind (node));
    return;
  }
  reader.check_keys (node, "source", kSourceKeys);

  const YAML::Node uri = node["uri"];
  const YAML::Node pipeline = node["pipeline"];
  const YAML::Node publish = node["publish"];
  if ((uri ? 1 : 0) + (pipeline ? 1 : 0) + (publish ? 1 : 0) > 1) {
    reader.error (publish ? publish : pipeline, "source: give one of uri, "
        "pipeline or publish");
    return;
  }
  if (uri) {
    source.kind = SourceKind::Rtsp;
    read_source_uri (reader, uri, source);
  } else if (pipeline) {
    source.kind = SourceKind::Pipeline;
    read_pipeline (reader, pipeline, source);
  } else if (publish) {
    source.kind = SourceKind::Publish;
    std::string word;
    if (reader.scalar (publish, "source.publish", word)
        && std::find (kPublishWords.begin (), kPublishWords.end (), word)
        == kPublishWords.end ())
      reader.error (publish, "source.publish: expected publish, whip, rtmp "
          "or srt (all take any publisher), got '" + word + "'");
  } else {
    reader.error (node, "source: needs a uri, a pipeline or publish");
    return;
  }

  if (const YAML::Node passphrase = node["passphrase"]) {
    // SRT's key derivation takes 10 to 79 characters.
    if (source.kind != SourceKind::Srt && source.kind != SourceKind::Publish)
      reader.error (passphrase, "source.passphrase: only applies to an srt:// "
          "uri or a publish source (its SRT publishers)");
    else if (reader.scalar (passphrase, "source.passphrase", source.passphrase)
        && (source.passphrase.size () < 10 || source.passphrase.size () > 79
            || control_character (source.passphrase)))
      reader.error (passphrase, "source.passphrase: SRT takes 10 to 79 "
          "printable characters");
  }
  if (const YAML::Node transport = node["transport"]) {
    std::string text;
    if (source.kind != SourceKind::Rtsp) {
      reader.error (transport, "source.transport: only applies to an RTSP "
          "uri");
    } else if (reader.scalar (transport, "source.transport", text)) {
      if (text == "tcp")
        source.transport = RtspTransport::Tcp;
      else if (text == "udp")
        source.transport = RtspTransport::Udp;
      else if (text == "auto")
        source.transport = RtspTransport::Auto;
      else
        reader.error (transport, "source.transport: expected tcp, udp or auto, "
            "got '" + text + "'");
    }
  }
  if (const YAML::Node verify = node["tls-verify"]) {
    const std::string uri = source.uri;
    if (source.kind != SourceKind::Rtsp
        || !(g_str_has_prefix (uri.c_str (), "rtsps") || g_str_has_prefix
            (uri.c_str (), "RTSPS")))
      reader.error (verify, "source.tls-verify: only applies to an rtsps:// "
          "uri");
    else
      reader.boolean (verify, "source.tls-verify", source.tls_verify);
  }
  if (const YAML::Node latency = node["latency"])
    reader.duration (latency, "source.latency", 10000, source.latency_ms);
  if (const YAML::Node timeout = node["timeout"]) {
    if (reader.duration (timeout, "source.timeout", 600000, source.timeout_ms)
        && source.timeout_ms < 500)
      reader.error (timeout, "source.timeout: must be at least 500ms");
  }
  if (const YAML::Node on_demand = node["on-demand"]) {
    if (source.kind == SourceKind::Publish)
      reader.error (on_demand, "source.on-demand: a publish stream's source "
          "is its publisher, which comes when it wants");
    else
      reader.boolean (on_demand, "source.on-demand", source.on_demand);
  }
  if (const YAML::Node events = node["events"]) {
    if (source.uri.rfind ("onvif://", 0) != 0)
      reader.error (events, "source.events: only applies to an onvif:// uri");
    else
      reader.boolean (events, "source.events", source.events);
  }
  if (const YAML::Node linger = node["linger"]) {
    if (!source.on_demand)
      reader.error (linger, "source.linger: only applies with on-demand: "
          "true");
    else
      reader.duration (linger, "source.linger", 3600000, source.linger_ms);
  }
}

void
read_webrtc (YamlReader & reader, const YAML::Node & node, WebRtcSpec & spec)
{
  if (node.IsMap ()) {
    spec.enabled = true;
    reader.check_keys (node, "outputs.webrtc", kWebRtcKeys);
    if (const YAML::Node max = node["max-viewers"])
      reader.number (max, "outputs.webrtc.max-viewers", 1, 10000,
          spec.max_viewers);
    if (const YAML::Node warm = node["warm"])
      reader.boolean (warm, "outputs.webrtc.warm", spec.warm);
  } else if (node.IsNull ()) {
    spec.enabled = true;
  } else {
    reader.boolean (node, "outputs.webrtc", spec.enabled);
  }
}

void
read_outputs (YamlReader & reader, const YAML::Node & node, OutputsSpec & outputs)
{
  if (node.IsNull ())
    return;
  if (!node.IsMap ()) {
    reader.error (node, "outputs: expected a mapping, got "
        + YamlReader::kind (node));
    return;
  }
  reader.check_keys (node, "outputs", kOutputKeys);
  if (const YAML::Node rtsp = node["rtsp"]) {
    // `rtsp: {}` (or an empty value) turns it on; `rtsp: false` turns it off.
    if (rtsp.IsMap ()) {
      reader.check_keys (rtsp, "outputs.rtsp", kRtspKeys);
      outputs.rtsp = true;
      if (const YAML::Node gop_cache = rtsp["gop-cache"])
        reader.boolean (gop_cache, "outputs.rtsp.gop-cache",
            outputs.rtsp_gop_cache);
    } else if (rtsp.IsNull ()) {
      outputs.rtsp = true;
    } else {
      reader.boolean (rtsp, "outputs.rtsp", outputs.rtsp);
    }
  }
  if (const YAML::Node hls = node["hls"]) {
    HlsSpec & spec = outputs.hls;
    if (hls.IsMap ()) {
      spec.enabled = true;
      reader.check_keys (hls, "outputs.hls", kHlsKeys);
      if (const YAML::Node part = hls["part"]) {
        if (reader.duration (part, "outputs.hls.part", 5000, spec.part_ms)
            && spec.part_ms < 50)
          reader.error (part, "outputs.hls.part: must be at least 50ms");
      }
      if (const YAML::Node segment = hls["segment"]) {
        if (reader.duration (segment, "outputs.hls.segment", 60000,
                spec.segment_ms) && spec.segment_ms < 500)
          reader.error (segment, "outputs.hls.segment: must be at least 500ms");
      }
      if (const YAML::Node window = hls["window"])
        reader.number (window, "outputs.hls.window", 3, 1000, spec.window);
      if (spec.part_ms * 2 > spec.segment_ms)
        reader.error (hls, "outputs.hls: the part must be at most half a "
            "segment");
    } else if (hls.IsNull ()) {
      spec.enabled = true;
    } else {
      reader.boolean (hls, "outputs.hls", spec.enabled);
    }
  }
  if (const YAML::Node webrtc = node["webrtc"])
    read_webrtc (reader, webrtc, outputs.webrtc);
  if (const YAML::Node push = node["push"]) {
    if (!push.IsSequence ()) {
      reader.error (push, "outputs.push: expected a list of rtmp://, "
          "rtmps:// or srt:// URLs, got " + YamlReader::kind (push));
      return;
    }
    if (push.size () > OutputsSpec::kMaxPushTargets)
      reader.error (push, "outputs.push: at most "
          + std::to_string (OutputsSpec::kMaxPushTargets) + " targets");
    for (size_t i = 0; i < push.size (); i++) {
      // A URL, or { url, tls-verify } for a server whose certificate is not
      // one the system trusts.
      PushTarget target;
      const YAML::Node entry = push[i];
      // (A yaml-cpp Node assigned to is overwritten, not rebound.)
      const YAML::Node url_node = entry.IsMap () ? entry["url"] : entry;
      if (entry.IsMap ()) {
        reader.check_keys (entry, "outputs.push[]", kPushKeys);
        if (!url_node) {
          reader.error (entry, "outputs.push[]: needs a url");
          continue;
        }
        if (const YAML::Node verify = entry["tls-verify"])
          reader.boolean (verify, "outputs.push[].tls-verify",
              target.tls_verify);
      }
      if (!reader.scalar (url_node, "outputs.push", target.url))
        continue;
      const std::string & url = target.url;
      GUri *uri = g_uri_parse (url.c_str (), G_URI_FLAGS_NONE, nullptr);
      const char *scheme = uri ? g_uri_get_scheme (uri) : nullptr;
      const bool known = scheme && (g_str_equal (scheme, "rtmp")
          || g_str_equal (scheme, "rtmps") || g_str_equal (scheme, "srt"));
      const bool tls = scheme && g_str_equal (scheme, "rtmps");
      const bool has_host = uri && g_uri_get_host (uri)
          && *g_uri_get_host (uri);
      if (uri)
        g_uri_unref (uri);
      if (!known || !has_host)
        reader.error (url_node, "outputs.push: expected an rtmp://, "
            "rtmps:// or srt:// URL with a host");
      else if (!target.tls_verify && !tls)
        reader.error (entry, "outputs.push[].tls-verify: only applies to an "
            "rtmps:// URL");
      else
        outputs.push.push_back (target);
    }
  }
}

void
read_record (YamlReader & reader, const YAML::Node & node, RecordSpec & spec)
{
  if (node.IsNull ()) {
    spec.enabled = true;
    return;
  }
  if (!node.IsMap ()) {
    reader.boolean (node, "record", spec.enabled);
    return;
  }
  spec.enabled = true;
  reader.check_keys (node, "record", kRecordKeys);
  if (const YAML::Node n = node["segment"]) {
    if (reader.duration (n, "record.segment", 3600 * 1000, spec.segment_ms)
        && spec.segment_ms < 1000)
      reader.error (n, "record.segment: must be at least 1s");
  }
  if (const YAML::Node n = node["keep"]) {
    std::string text;
    if (reader.scalar (n, "record.keep", text)) {
      auto ms = parse_duration_ms (text);
      if (!ms || *ms < 1000)
        reader.error (n, "record.keep: expected an age such as 7d, 12h or "
            "30m, got '" + text + "'");
      else
        spec.keep_ms = *ms;
    }
  }
  if (const YAML::Node n = node["max-size"]) {
    std::string text;
    if (reader.scalar (n, "record.max-size", text)) {
      auto bytes = parse_size_bytes (text);
      if (!bytes || *bytes < 1024 * 1024)
        reader.error (n, "record.max-size: expected a size such as 500M or "
            "20G (at least 1M), got '" + text + "'");
      else
        spec.max_size = *bytes;
    }
  }
  if (const YAML::Node n = node["path"]) {
    std::string text;
    if (reader.scalar (n, "record.path", text)) {
      if (auto problem = record_path_problem (text))
        reader.error (n, "record.path: " + *problem);
      else
        spec.path = text;
    }
  }
  if (const YAML::Node n = node["mode"]) {
    std::string text;
    if (reader.scalar (n, "record.mode", text)) {
      if (text == "always" || text == "events")
        spec.on_events = text == "events";
      else
        reader.error (n, "record.mode: expected always or events, got '"
            + text + "'");
    }
  }
  for (const char *key : { "pre", "post" }) {
    const YAML::Node n = node[key];
    if (!n)
      continue;
    const std::string what = std::string ("record.") + key;
    if (!spec.on_events)
      reader.error (n, what + ": only applies with mode: events");
    else
      reader.duration (n, what, 60000, key[1] == 'r' ? spec.pre_ms
          : spec.post_ms);
  }
}

void
read_health (YamlReader & reader, const YAML::Node & node, HealthSpec & health)
{
  if (node.IsNull ())
    return;
  if (!node.IsMap ()) {
    reader.error (node, "health: expected a mapping, got "
        + YamlReader::kind (node));
    return;
  }
  reader.check_keys (node, "health", kHealthKeys);
  if (const YAML::Node n = node["stall-timeout"]) {
    if (reader.duration (n, "health.stall-timeout", 600000,
            health.stall_timeout_ms) && health.stall_timeout_ms < 200)
      reader.error (n, "health.stall-timeout: must be at least 200ms");
  }
  if (const YAML::Node n = node["max-gop"])
    reader.duration (n, "health.max-gop", 600000, health.max_gop_ms);
  if (const YAML::Node n = node["max-gap"])
    reader.duration (n, "health.max-gap", 3600000, health.max_gap_ms);
  if (const YAML::Node n = node["min-fps"]) {
    std::string text;
    if (reader.scalar (n, "health.min-fps", text)) {
      char *end = nullptr;
      double fps = g_ascii_strtod (text.c_str (), &end);
      if (text.empty () || *end || fps < 0 || fps > 1000)
        reader.error (n, "health.min-fps: expected a frame rate 0-1000, got '"
            + text + "'");
      else
        health.min_fps = fps;
    }
  }
}

}  // namespace

bool
parse_pipeline_text (const std::string & text, const std::string & file,
    StreamSpec & spec, std::vector<ConfigError> & errors)
{
  YamlReader reader (file, errors);
  YAML::Node root;
  try {
    root = YAML::Load (text);
  } catch (const YAML::ParserException & e) {
    errors.push_back ({ file, e.mark.line + 1, "YAML syntax error: " + e.msg });
    return false;
  }

  spec = StreamSpec ();
  spec.file = file;
  spec.name = stream_name_from_file (file);

  if (root.IsNull ()) {
    errors.push_back ({ file, 1, "file is empty: it needs at least 'source:'" });
    return false;
  }
  if (!root.IsMap ()) {
    reader.error (root, "expected a mapping with source: and outputs:, got "
        + YamlReader::kind (root));
    return false;
  }
  reader.check_keys (root, "", kTopKeys);

  if (const YAML::Node name = root["name"])
    reader.scalar (name, "name", spec.name);
  if (!is_valid_stream_name (spec.name)) {
    YAML::Node where = root["name"] ? root["name"] : root;
    reader.error (where, "stream name '" + spec.name + "' may only use "
        "letters, digits, '-', '_' and '.' (at most 64, not starting with "
        "'.' or '-')");
  }

  const YAML::Node source = root["source"];
  if (!source)
    reader.error (root, "missing 'source:' (a uri, a pipeline, 'test' or "
        "'publish')");
  else
    read_source (reader, source, spec.source);

  if (const YAML::Node outputs = root["outputs"])
    read_outputs (reader, outputs, spec.outputs);
  if (const YAML::Node health = root["health"])
    read_health (reader, health, spec.health);
  if (const YAML::Node record = root["record"])
    read_record (reader, record, spec.record);
  if (const YAML::Node transcode = root["transcode"])
    read_transcode (reader, transcode, spec.transcode);
  if (spec.source.on_demand && (spec.record.enabled
          || !spec.outputs.push.empty ()))
    reader.error (source["on-demand"], "source.on-demand: a stream that "
        "records or pushes needs its source all the time");
  if (spec.record.enabled && spec.record.on_events
      && (spec.source.uri.rfind ("onvif://", 0) != 0 || !spec.source.events))
    reader.error (root["record"]["mode"], "record.mode: events records on "
        "the camera's ONVIF events: it needs an onvif:// source whose "
        "events are followed");

  return !reader.failed ();
}

bool
parse_pipeline_file (const std::string & path, StreamSpec & spec,
    std::vector<ConfigError> & errors)
{
  std::ifstream in (path, std::ios::binary);
  if (!in) {
    errors.push_back ({ path, 0, "cannot read file" });
    return false;
  }
  std::ostringstream text;
  text << in.rdbuf ();
  if (text.str ().size () > 1024 * 1024) {
    errors.push_back ({ path, 0, "file is larger than 1 MiB" });
    return false;
  }
  return parse_pipeline_text (text.str (), path, spec, errors);
}

bool
is_pipeline_file_name (const std::string & path)
{
  fs::path p (path);
  std::string name = p.filename ().string ();
  if (name.empty () || name[0] == '.' || name[0] == '#' || name.back () == '~')
    return false;
  std::string ext = p.extension ().string ();
  return ext == ".yaml" || ext == ".yml";
}

PipelineSet
load_pipeline_files (const std::vector<std::string> & paths)
{
  PipelineSet set;
  std::vector<std::string> files;
  for (const auto & path : paths) {
    std::error_code ec;
    if (fs::is_directory (path, ec)) {
      std::vector<std::string> found;
      for (const auto & entry : fs::directory_iterator (path, ec)) {
        if (entry.is_regular_file (ec)
            && is_pipeline_file_name (entry.path ().string ()))
          found.push_back (entry.path ().string ());
      }
      if (ec)
        set.errors.push_back ({ path, 0, "cannot list directory: "
                + ec.message () });
      std::sort (found.begin (), found.end ());
      files.insert (files.end (), found.begin (), found.end ());
    } else if (fs::exists (path, ec)) {
      files.push_back (path);
    } else {
      set.errors.push_back ({ path, 0, "no such file or directory" });
    }
  }

  std::map<std::string, std::string> owner_of_name;
  for (const auto & file : files) {
    set.files_seen++;
    StreamSpec spec;
    if (!parse_pipeline_file (file, spec, set.errors))
      continue;
    auto [it, inserted] = owner_of_name.emplace (spec.name, file);
    if (!inserted) {
      set.errors.push_back ({ file, 1, "duplicate stream name '" + spec.name
              + "' (already defined by " + it->second + ")" });
      continue;
    }
    set.streams.push_back (std::move (spec));
  }
  return set;
}

}  // namespace camgate
