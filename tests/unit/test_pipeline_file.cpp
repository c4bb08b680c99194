// Pipeline-file parsing: good files give the expected specs, each kind of bad
// file gives its "file:line: reason".
#include "commands.h"
#include "config/gateway_config.h"
#include "config/pipeline_file.h"
#include "config/text_helpers.h"
#include "outputs/push_output.h"

#include <glib.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

using namespace camgate;

namespace {

struct Parsed
{
  bool ok;
  StreamSpec spec;
  std::vector<ConfigError> errors;

  std::string first_error () const
  {
    return errors.empty () ? "" : errors.front ().to_string ();
  }
};

Parsed
parse (const std::string & text, const std::string & file = "cams/door.yaml")
{
  Parsed p;
  p.ok = parse_pipeline_text (text, file, p.spec, p.errors);
  return p;
}

}  // namespace

TEST (PipelineFile, CameraUriWithAllKeys)
{
  auto p = parse ("source:\n"
      "  uri: rtsp://admin:secret@192.168.1.20:554/Streaming/Channels/101\n"
      "  transport: tcp\n"
      "  latency: 250ms\n"
      "  timeout: 3s\n"
      "outputs:\n"
      "  rtsp: {}\n");
  ASSERT_TRUE (p.ok) << p.first_error ();
  EXPECT_EQ (p.spec.name, "door");
  EXPECT_EQ (p.spec.file, "cams/door.yaml");
  EXPECT_EQ (p.spec.source.kind, SourceKind::Rtsp);
  EXPECT_EQ (p.spec.source.uri,
      "rtsp://admin:secret@192.168.1.20:554/Streaming/Channels/101");
  EXPECT_EQ (p.spec.source.transport, RtspTransport::Tcp);
  EXPECT_EQ (p.spec.source.latency_ms, 250u);
  EXPECT_EQ (p.spec.source.timeout_ms, 3000u);
  EXPECT_TRUE (p.spec.outputs.rtsp);
  EXPECT_TRUE (p.spec.outputs.rtsp_gop_cache);
}

TEST (PipelineFile, RtspGopCacheCanBeTurnedOff)
{
  auto off = parse ("source: test\noutputs:\n  rtsp: { gop-cache: false }\n");
  ASSERT_TRUE (off.ok) << off.first_error ();
  EXPECT_TRUE (off.spec.outputs.rtsp);
  EXPECT_FALSE (off.spec.outputs.rtsp_gop_cache);
  auto bad = parse ("source: test\noutputs:\n  rtsp: { gop-cache: 5 }\n");
  EXPECT_FALSE (bad.ok);
}

TEST (PipelineFile, DefaultsAndExplicitName)
{
  auto p = parse ("name: lobby\nsource:\n  uri: rtsps://cam.local/live\n");
  ASSERT_TRUE (p.ok) << p.first_error ();
  EXPECT_EQ (p.spec.name, "lobby");
  EXPECT_EQ (p.spec.source.transport, RtspTransport::Auto);
  EXPECT_EQ (p.spec.source.latency_ms, 0u);
  EXPECT_TRUE (p.spec.outputs.rtsp);
}

TEST (PipelineFile, TestPublishAndPipelineSources)
{
  auto test = parse ("source: test\n");
  ASSERT_TRUE (test.ok);
  EXPECT_EQ (test.spec.source.kind, SourceKind::Test);

  auto publish = parse ("source: publish\noutputs:\n  rtsp: true\n");
  ASSERT_TRUE (publish.ok);
  EXPECT_EQ (publish.spec.source.kind, SourceKind::Publish);

  auto pipeline = parse ("source:\n  pipeline: videotestsrc is-live=true ! "
      "x264enc ! h264parse\noutputs:\n  rtsp: false\n");
  ASSERT_TRUE (pipeline.ok) << pipeline.first_error ();
  EXPECT_EQ (pipeline.spec.source.kind, SourceKind::Pipeline);
  EXPECT_FALSE (pipeline.spec.outputs.rtsp);
}

TEST (PipelineFile, HealthThresholds)
{
  auto p = parse ("source: test\nhealth:\n  stall-timeout: 2s\n  max-gop: 4s\n"
      "  max-gap: 500ms\n  min-fps: 12.5\n");
  ASSERT_TRUE (p.ok) << p.first_error ();
  EXPECT_EQ (p.spec.health.stall_timeout_ms, 2000u);
  EXPECT_EQ (p.spec.health.max_gop_ms, 4000u);
  EXPECT_EQ (p.spec.health.max_gap_ms, 500u);
  EXPECT_DOUBLE_EQ (p.spec.health.min_fps, 12.5);

  auto bad = parse ("source: test\nhealth:\n  min-fps: fast\n  stal-timeout: 1s\n");
  EXPECT_FALSE (bad.ok);
  ASSERT_EQ (bad.errors.size (), 2u);
  EXPECT_EQ (bad.errors[0].to_string (), "cams/door.yaml:4: unknown key "
      "'health.stal-timeout' (did you mean 'health.stall-timeout'?)");
  EXPECT_EQ (bad.errors[1].to_string (), "cams/door.yaml:3: health.min-fps: "
      "expected a frame rate 0-1000, got 'fast'");
}

TEST (PipelineFile, TlsVerifyOnlyForRtsps)
{
  auto off = parse ("source:\n  uri: rtsps://cam/live\n  tls-verify: false\n");
  ASSERT_TRUE (off.ok) << off.first_error ();
  EXPECT_FALSE (off.spec.source.tls_verify);
  EXPECT_TRUE (parse ("source:\n  uri: rtsps://cam/live\n").spec.source
      .tls_verify);
  auto plain = parse ("source:\n  uri: rtsp://cam/live\n  tls-verify: false\n");
  EXPECT_FALSE (plain.ok);
  EXPECT_EQ (plain.first_error (), "cams/door.yaml:3: source.tls-verify: only "
      "applies to an rtsps:// uri");
}

TEST (PipelineFile, RecordingOnCameraEvents)
{
  auto events = parse ("source: { uri: 'onvif://cam' }\n"
      "record: { mode: events, pre: 3s, post: 20s }\n");
  ASSERT_TRUE (events.ok) << events.first_error ();
  EXPECT_TRUE (events.spec.record.on_events);
  EXPECT_EQ (events.spec.record.pre_ms, 3000u);
  EXPECT_EQ (events.spec.record.post_ms, 20000u);
  EXPECT_TRUE (events.spec.source.events);
  auto defaults = parse ("source: { uri: 'onvif://cam' }\nrecord: { mode: events }\n");
  EXPECT_EQ (defaults.spec.record.pre_ms, 5000u);
  EXPECT_EQ (defaults.spec.record.post_ms, 10000u);
  EXPECT_FALSE (parse ("source: { uri: 'onvif://cam' }\nrecord: {}\n").spec.record
      .on_events);

  EXPECT_EQ (parse ("source: { uri: rtsp://cam/live }\n"
          "record: { mode: events }\n").first_error (), "cams/door.yaml:2: record.mode: events records on the "
      "camera's ONVIF events: it needs an onvif:// source whose events are "
      "followed");
  EXPECT_FALSE (parse ("source: { uri: 'onvif://cam', events: false }\n"
          "record: { mode: events }\n").ok);
  EXPECT_EQ (parse ("source: { uri: 'onvif://cam' }\nrecord: { pre: 3s }\n")
      .first_error (), "cams/door.yaml:2: record.pre: only applies with "
      "mode: events");
  EXPECT_FALSE (parse ("source: { uri: 'onvif://cam' }\nrecord: { mode: sometimes }\n")
      .ok);
  EXPECT_FALSE (parse ("source: { uri: 'onvif://cam' }\n"
          "record: { mode: events, post: 2h }\n").ok);
  EXPECT_EQ (parse ("source:\n  uri: rtsp://cam/live\n  events: false\n")
      .first_error (), "cams/door.yaml:3: source.events: only applies to an "
      "onvif:// uri");
}

TEST (PipelineFile, HlsOutput)
{
  auto off = parse ("source: test\n");
  EXPECT_FALSE (off.spec.outputs.hls.enabled);
  auto on = parse ("source: test\noutputs:\n  hls: {}\n");
  ASSERT_TRUE (on.ok) << on.first_error ();
  EXPECT_TRUE (on.spec.outputs.hls.enabled);
  EXPECT_EQ (on.spec.outputs.hls.part_ms, 200u);
  EXPECT_EQ (on.spec.outputs.hls.segment_ms, 2000u);
  EXPECT_EQ (on.spec.outputs.hls.window, 6u);
  auto tuned = parse ("source: test\noutputs:\n  hls: { part: 500ms, "
      "segment: 4s, window: 10 }\n");
  ASSERT_TRUE (tuned.ok) << tuned.first_error ();
  EXPECT_EQ (tuned.spec.outputs.hls.part_ms, 500u);
  EXPECT_EQ (tuned.spec.outputs.hls.segment_ms, 4000u);
  EXPECT_EQ (tuned.spec.outputs.hls.window, 10u);
  auto bad = parse ("source: test\noutputs:\n  hls: { part: 2s, segment: 2s, "
      "windw: 3 }\n");
  EXPECT_FALSE (bad.ok);
  ASSERT_EQ (bad.errors.size (), 2u);
  EXPECT_EQ (bad.errors[0].to_string (), "cams/door.yaml:3: unknown key "
      "'outputs.hls.windw' (did you mean 'outputs.hls.window'?)");
  EXPECT_EQ (bad.errors[1].to_string (), "cams/door.yaml:3: outputs.hls: the "
      "part must be at most half a segment");
}

TEST (PipelineFile, UnknownKeySuggestsTheRightOne)
{
  auto p = parse ("source:\n  uri: rtsp://cam/live\n  transprot: tcp\n");
  EXPECT_FALSE (p.ok);
  EXPECT_EQ (p.first_error (), "cams/door.yaml:3: unknown key "
      "'source.transprot' (did you mean 'source.transport'?)");

  auto top = parse ("sorce: test\n");
  EXPECT_FALSE (top.ok);
  EXPECT_NE (top.first_error ().find ("cams/door.yaml:1: unknown key 'sorce' "
          "(did you mean 'source'?)"), std::string::npos);
}

TEST (PipelineFile, WrongTypes)
{
  auto latency = parse ("source:\n  uri: rtsp://cam/live\n  latency: soon\n");
  EXPECT_FALSE (latency.ok);
  EXPECT_EQ (latency.first_error (), "cams/door.yaml:3: source.latency: "
      "expected a duration such as 200ms or 2s, got 'soon'");

  auto list = parse ("source:\n  uri: [a, b]\n");
  EXPECT_FALSE (list.ok);
  EXPECT_EQ (list.first_error (), "cams/door.yaml:2: source.uri: expected a "
      "single value, got a list");

  auto rtsp = parse ("source: test\noutputs:\n  rtsp: maybe\n");
  EXPECT_FALSE (rtsp.ok);
  EXPECT_EQ (rtsp.first_error (), "cams/door.yaml:3: outputs.rtsp: expected "
      "true or false, got 'maybe'");

  auto transport = parse ("source:\n  uri: rtsp://cam/\n  transport: sctp\n");
  EXPECT_FALSE (transport.ok);
  EXPECT_EQ (transport.first_error (), "cams/door.yaml:3: source.transport: "
      "expected tcp, udp or auto, got 'sctp'");

  auto word = parse ("source: tset\n");
  EXPECT_FALSE (word.ok);
  EXPECT_NE (word.first_error ().find ("(did you mean 'test'?)"),
      std::string::npos);
}

TEST (PipelineFile, BadUris)
{
  auto scheme = parse ("source:\n  uri: http://cam/live\n");
  EXPECT_FALSE (scheme.ok);
  EXPECT_EQ (scheme.first_error (), "cams/door.yaml:2: source.uri: unsupported "
      "scheme 'http' (expected rtsp://, rtsps://, onvif:// or srt://)");

  auto nohost = parse ("source:\n  uri: rtsp:///live\n");
  EXPECT_FALSE (nohost.ok);
  EXPECT_NE (nohost.first_error ().find ("has no host"), std::string::npos);

  auto garbage = parse ("source:\n  uri: not a uri\n");
  EXPECT_FALSE (garbage.ok);
  EXPECT_NE (garbage.first_error ().find ("cams/door.yaml:2: source.uri:"),
      std::string::npos);
}

TEST (PipelineFile, ErrorsNeverShowPasswords)
{
  auto p = parse ("source:\n  uri: ftp://admin:hunter2@cam/live\n  "
      "transport: x\n");
  EXPECT_FALSE (p.ok);
  for (const auto & e : p.errors)
    EXPECT_EQ (e.to_string ().find ("hunter2"), std::string::npos);
  EXPECT_EQ (redact_uri ("rtsp://admin:hunter2@cam:554/a?b=c"),
      "rtsp://admin:***@cam:554/a?b=c");
  EXPECT_EQ (redact_uri ("rtsp://cam/a@b"), "rtsp://cam/a@b");
  // SRT's secrets travel in the query.
  EXPECT_EQ (redact_uri ("srt://enc:9000?streamid=publish:a:u:pw&latency=200"
          "&Passphrase=0123456789#x"),
      "srt://enc:9000?streamid=***&latency=200&Passphrase=***#x");
}

TEST (PipelineFile, StructuralErrors)
{
  auto empty = parse ("");
  EXPECT_FALSE (empty.ok);
  EXPECT_EQ (empty.first_error (), "cams/door.yaml:1: file is empty: it needs "
      "at least 'source:'");

  auto syntax = parse ("source:\n  uri: rtsp://cam\n   bad: [\n");
  EXPECT_FALSE (syntax.ok);
  EXPECT_NE (syntax.first_error ().find ("YAML syntax error"), std::string::npos);

  auto missing = parse ("outputs:\n  rtsp: true\n");
  EXPECT_FALSE (missing.ok);
  EXPECT_EQ (missing.first_error (), "cams/door.yaml:1: missing 'source:' (a "
      "uri, a pipeline, 'test' or 'publish')");

  auto both = parse ("source:\n  uri: rtsp://cam/\n  pipeline: fakesrc\n");
  EXPECT_FALSE (both.ok);
  EXPECT_EQ (both.first_error (), "cams/door.yaml:3: source: give one of "
      "uri, pipeline or publish");

  auto name = parse ("name: ../etc\nsource: test\n");
  EXPECT_FALSE (name.ok);
  EXPECT_EQ (name.first_error ().rfind ("cams/door.yaml:1: stream name", 0), 0u);
}

TEST (PipelineFile, PipelineThatCannotBeBuilt)
{
  auto p = parse ("source:\n  pipeline: videotestsrc ! no-such-element\n");
  EXPECT_FALSE (p.ok);
  EXPECT_NE (p.first_error ().find ("cams/door.yaml:2: source.pipeline:"),
      std::string::npos);
  EXPECT_NE (p.first_error ().find ("no-such-element"), std::string::npos);
}

class PipelineFolder : public ::testing::Test
{
protected:
  void SetUp () override
  {
    gchar *dir = g_dir_make_tmp ("camgate-config-XXXXXX", nullptr);
    dir_ = dir;
    g_free (dir);
  }
  void TearDown () override { std::filesystem::remove_all (dir_); }
  void write (const std::string & name, const std::string & text)
  {
    std::ofstream (dir_ + "/" + name) << text;
  }
  std::string dir_;
};

TEST_F (PipelineFolder, DuplicateNamesAndIgnoredFiles)
{
  write ("a.yaml", "source: test\n");
  write ("b.yaml", "name: a\nsource: test\n");
  write ("c.yml", "source: publish\n");
  write ("notes.txt", "not a pipeline\n");
  write (".hidden.yaml", "garbage: [\n");
  PipelineSet set = load_pipeline_files ({ dir_ });
  ASSERT_EQ (set.streams.size (), 2u);
  EXPECT_EQ (set.streams[0].name, "a");
  EXPECT_EQ (set.streams[1].name, "c");
  EXPECT_EQ (set.files_seen, 3u);
  ASSERT_EQ (set.errors.size (), 1u);
  EXPECT_EQ (set.errors[0].to_string (), dir_ + "/b.yaml:1: duplicate stream "
      "name 'a' (already defined by " + dir_ + "/a.yaml)");
}

TEST_F (PipelineFolder, CheckCommandExitsNonZeroOnErrors)
{
  write ("good.yaml", "source: test\n");
  write ("bad.yaml", "source:\n  uri: rtsp://cam\n  latncy: 1s\n");
  std::string binary = g_getenv ("CAMGATE_BIN") ? g_getenv ("CAMGATE_BIN")
      : "build/gateway/camgate";
  int status = 0;
  std::string output = camgate::testing::run_command (binary + " check "
      + dir_, &status);
  EXPECT_NE (status, 0) << output;
  EXPECT_NE (output.find (dir_ + "/bad.yaml:3: unknown key 'source.latncy' "
          "(did you mean 'source.latency'?)"), std::string::npos) << output;
  EXPECT_NE (output.find ("good.yaml: ok"), std::string::npos) << output;

  std::filesystem::remove (dir_ + "/bad.yaml");
  camgate::testing::run_command (binary + " check " + dir_, &status);
  EXPECT_EQ (status, 0);
}

TEST (GatewayConfigFile, ReadsSettingsAndRejectsBadOnes)
{
  gchar *dir = g_dir_make_tmp ("camgate-gwconfig-XXXXXX", nullptr);
  std::string path = std::string (dir) + "/camgate.yaml";
  std::ofstream (path) << "pipelines: cams\nbind: 0.0.0.0\nrtsp-port: 9554\n";
  GatewayConfig config;
  std::vector<ConfigError> errors;
  EXPECT_TRUE (load_gateway_config (path, config, errors));
  EXPECT_EQ (config.pipelines_dir, std::string (dir) + "/cams");
  EXPECT_EQ (config.bind_address, "0.0.0.0");
  EXPECT_EQ (config.rtsp_port, 9554);

  std::ofstream (path) << "rtsp-prot: 1\nhttp-port: 70000\n";
  errors.clear ();
  EXPECT_FALSE (load_gateway_config (path, config, errors));
  ASSERT_EQ (errors.size (), 2u);
  EXPECT_EQ (errors[0].to_string (), path + ":1: unknown key 'rtsp-prot' "
      "(did you mean 'rtsp-port'?)");
  EXPECT_EQ (errors[1].to_string (), path + ":2: http-port: expected a port "
      "number 0-65535, got '70000'");
  std::filesystem::remove_all (dir);
  g_free (dir);
}

TEST (PipelineFile, WebRtcOutputIsOnByDefaultAndConfigurable)
{
  auto p = parse ("source: test\n");
  ASSERT_TRUE (p.ok) << p.first_error ();
  EXPECT_TRUE (p.spec.outputs.webrtc.enabled);
  EXPECT_EQ (p.spec.outputs.webrtc.max_viewers, 100u);
  p = parse ("source: test\noutputs:\n  webrtc: false\n");
  ASSERT_TRUE (p.ok);
  EXPECT_FALSE (p.spec.outputs.webrtc.enabled);
  p = parse ("source: whip\noutputs:\n  webrtc: { max-viewers: 5 }\n");
  ASSERT_TRUE (p.ok) << p.first_error ();
  EXPECT_EQ (p.spec.source.kind, SourceKind::Publish);
  EXPECT_EQ (p.spec.outputs.webrtc.max_viewers, 5u);
  p = parse ("source: test\noutputs:\n  webrtc: { max-viewers: 0 }\n");
  EXPECT_FALSE (p.ok);
  EXPECT_EQ (p.first_error (), "cams/door.yaml:3: outputs.webrtc.max-viewers: "
      "expected a number 1-10000, got '0'");
  p = parse ("source: test\noutputs:\n  webrtc: { max-viewer: 5 }\n");
  EXPECT_FALSE (p.ok);
  EXPECT_NE (p.first_error ().find ("did you mean 'outputs.webrtc.max-viewers'"),
      std::string::npos) << p.first_error ();
}

TEST (GatewayConfigFile, WebRtcSettings)
{
  gchar *dir = g_dir_make_tmp ("camgate-gwconfig-XXXXXX", nullptr);
  std::string path = std::string (dir) + "/camgate.yaml";
  std::ofstream (path) << "webrtc:\n  stun-servers: [stun://stun.example:3478]\n"
      "  turn-servers: [turn://u:p@turn.example:3478]\n"
      "  udp-ports: 40000-40100\n  ice-tcp: false\n  max-viewers: 20\n"
      "  max-h264-transcodes: 3\n";
  GatewayConfig config;
  std::vector<ConfigError> errors;
  EXPECT_TRUE (load_gateway_config (path, config, errors))
      << (errors.empty () ? "" : errors[0].to_string ());
  ASSERT_EQ (config.webrtc.stun_servers.size (), 1u);
  EXPECT_EQ (config.webrtc.turn_servers.front (), "turn://u:p@turn.example:3478");
  EXPECT_EQ (config.webrtc.min_port, 40000u);
  EXPECT_EQ (config.webrtc.max_port, 40100u);
  EXPECT_FALSE (config.webrtc.ice_tcp);
  EXPECT_EQ (config.webrtc.max_viewers, 20u);
  EXPECT_EQ (config.webrtc.max_h264_transcodes, 3u);

  std::ofstream (path) << "webrtc:\n  stun-servers: [http://x]\n"
      "  udp-ports: 500-20\n  max-h264-transcodes: 0\n";
  errors.clear ();
  EXPECT_FALSE (load_gateway_config (path, config, errors));
  ASSERT_EQ (errors.size (), 3u);
  EXPECT_EQ (errors[2].to_string (), path + ":4: webrtc.max-h264-transcodes: "
      "expected a number 1-1000, got '0'");
  EXPECT_EQ (errors[0].to_string (), path + ":2: webrtc.stun-servers: "
      "'http://x' is not a stun:// URI");
  EXPECT_EQ (errors[1].to_string (), path + ":3: webrtc.udp-ports: expected a "
      "range such as 40000-40100, got '500-20'");
  std::filesystem::remove_all (dir);
  g_free (dir);
}

TEST (GatewayConfigFile, RtspUdpPorts)
{
  gchar *dir = g_dir_make_tmp ("camgate-gwconfig-XXXXXX", nullptr);
  std::string path = std::string (dir) + "/camgate.yaml";
  GatewayConfig config;
  EXPECT_EQ (config.rtsp_udp_min_port, 20000u);
  EXPECT_EQ (config.rtsp_udp_max_port, 29999u);
  std::ofstream (path) << "rtsp-udp-ports: 31000-31099\n";
  std::vector<ConfigError> errors;
  EXPECT_TRUE (load_gateway_config (path, config, errors));
  EXPECT_EQ (config.rtsp_udp_min_port, 31000u);
  EXPECT_EQ (config.rtsp_udp_max_port, 31099u);
  for (const char *bad : { "31000-31001", "0-100", "31000", "1-70000" }) {
    std::ofstream (path) << "rtsp-udp-ports: " << bad << "\n";
    errors.clear ();
    GatewayConfig fresh;
    EXPECT_FALSE (load_gateway_config (path, fresh, errors)) << bad;
  }
  std::filesystem::remove_all (dir);
  g_free (dir);
}

TEST (TextHelpers, Durations)
{
  EXPECT_EQ (parse_duration_ms ("200ms"), 200u);
  EXPECT_EQ (parse_duration_ms ("2s"), 2000u);
  EXPECT_EQ (parse_duration_ms ("1.5s"), 1500u);
  EXPECT_EQ (parse_duration_ms ("150"), 150u);
  EXPECT_EQ (parse_duration_ms ("1m"), 60000u);
  EXPECT_FALSE (parse_duration_ms ("1.5"));
  EXPECT_FALSE (parse_duration_ms ("-1s"));
  EXPECT_FALSE (parse_duration_ms ("2 hours"));
  EXPECT_FALSE (parse_duration_ms (""));
}

TEST (PipelineFile, EncoderSourcesAndPushTargets)
{
  for (const char *word : { "rtmp", "srt", "whip" }) {
    auto p = parse (std::string ("source: ") + word + "\n");
    ASSERT_TRUE (p.ok) << word << ": " << p.first_error ();
    EXPECT_EQ (p.spec.source.kind, SourceKind::Publish) << word;
  }
  auto push = parse ("source: test\noutputs:\n  push:\n"
      "    - rtmp://a.rtmp.youtube.com/live2/abcd-efgh\n"
      "    - srt://10.0.0.9:9000?streamid=publish:cam&passphrase=xyz\n");
  ASSERT_TRUE (push.ok) << push.first_error ();
  ASSERT_EQ (push.spec.outputs.push.size (), 2u);
  EXPECT_EQ (PushOutput::redacted (push.spec.outputs.push[0].url),
      "rtmp://a.rtmp.youtube.com/live2/***");
  EXPECT_EQ (PushOutput::redacted (push.spec.outputs.push[1].url),
      "srt://10.0.0.9:9000?streamid=***&passphrase=***");
  // Not a push URL: the error names the line, never the URL (a key).
  auto bad = parse ("source: test\noutputs:\n  push:\n"
      "    - http://example.com/live/secret-key\n");
  EXPECT_FALSE (bad.ok);
  EXPECT_NE (bad.first_error ().find ("door.yaml:4"), std::string::npos)
      << bad.first_error ();
  EXPECT_EQ (bad.first_error ().find ("secret-key"), std::string::npos);
  EXPECT_FALSE (parse ("source: test\noutputs:\n  push: rtmp://x/y/z\n").ok);
  // A camera connected only while watched.
  auto demand = parse ("source:\n  uri: rtsp://cam/a\n  on-demand: true\n"
      "  linger: 30s\n");
  ASSERT_TRUE (demand.ok) << demand.first_error ();
  EXPECT_TRUE (demand.spec.source.on_demand);
  EXPECT_EQ (demand.spec.source.linger_ms, 30000u);
  EXPECT_EQ (parse ("source:\n  uri: rtsp://cam/a\n").spec.source.linger_ms,
      10000u);
  EXPECT_FALSE (parse ("source:\n  uri: rtsp://cam/a\n  linger: 30s\n").ok);
  EXPECT_FALSE (parse ("source:\n  publish: srt\n  on-demand: true\n").ok);
  auto recorded = parse ("source:\n  uri: rtsp://cam/a\n  on-demand: true\n"
      "record: {}\n");
  EXPECT_NE (recorded.first_error ().find ("records or pushes"),
      std::string::npos) << recorded.first_error ();
  // A server with a certificate the system does not trust.
  auto own_server = parse ("source: test\noutputs:\n  push:\n"
      "    - { url: \"rtmps://10.0.0.4/live/k\", tls-verify: false }\n");
  ASSERT_TRUE (own_server.ok) << own_server.first_error ();
  EXPECT_FALSE (own_server.spec.outputs.push[0].tls_verify);
  EXPECT_TRUE (push.spec.outputs.push[0].tls_verify);
  EXPECT_FALSE (parse ("source: test\noutputs:\n  push:\n"
          "    - { url: \"srt://10.0.0.4:9000\", tls-verify: false }\n").ok);
  EXPECT_FALSE (parse ("source: test\noutputs:\n  push:\n"
          "    - { tls-verify: false }\n").ok);
  // An SRT encoder pulled in caller mode, its passphrase from the file.
  auto pull = parse ("source:\n  uri: srt://10.0.0.8:9000?streamid=cam1\n"
      "  passphrase: long-enough-secret\n  latency: 300ms\n");
  ASSERT_TRUE (pull.ok) << pull.first_error ();
  EXPECT_EQ (pull.spec.source.kind, SourceKind::Srt);
  EXPECT_EQ (pull.spec.source.passphrase, "long-enough-secret");
  EXPECT_EQ (pull.spec.source.latency_ms, 300u);
  EXPECT_FALSE (parse ("source:\n  uri: srt://10.0.0.8\n").ok);   // no port
  EXPECT_FALSE (parse ("source:\n  uri: srt://10.0.0.8:9000\n"
          "  transport: tcp\n").ok);
  // A publish stream's own passphrase for its SRT callers.
  auto own = parse ("source:\n  publish: srt\n  passphrase: 0123456789\n");
  ASSERT_TRUE (own.ok) << own.first_error ();
  EXPECT_EQ (own.spec.source.kind, SourceKind::Publish);
  EXPECT_EQ (own.spec.source.passphrase, "0123456789");
  auto short_one = parse ("source:\n  publish: srt\n  passphrase: short\n");
  EXPECT_NE (short_one.first_error ().find ("10 to 79"), std::string::npos)
      << short_one.first_error ();
  EXPECT_EQ (short_one.first_error ().find ("short"), std::string::npos);
  EXPECT_FALSE (parse ("source:\n  publish: ftp\n").ok);
  EXPECT_FALSE (parse ("source:\n  uri: rtsp://cam/a\n  passphrase: "
          "0123456789\n").ok);
  EXPECT_FALSE (parse ("source:\n  uri: rtsp://cam/a\n  publish: srt\n").ok);
  auto typo = parse ("source: rtmpp\n");
  EXPECT_NE (typo.first_error ().find ("did you mean 'rtmp'"),
      std::string::npos) << typo.first_error ();
}
