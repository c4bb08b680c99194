// camgate: camera media gateway.
//
//   camgate [--pipelines DIR] [--config FILE] [--rtsp-port N] [--http-port N]
//           [--rtmp-port N] [--rtmps-port N] [--srt-port N]
//           [--bind ADDRESS] [--self-signed]
//   camgate check DIR|FILE...
//   camgate hash-password USER       (reads the password from stdin)
//   camgate cluster import --config FILE DIR|FILE...
//   camgate cluster users --config FILE USERS.yaml|--remove
//   camgate discover [--timeout 3s] [--user U --password P] [--target H]
//                    [--write DIR]
#include "gstcmafchunkmux.h"
#include "gstcmafsink.h"
#include "gstrecordsink.h"
#include "gstrtmpserversrc.h"
#include "gstonvifdeviceprovider.h"
#include "gstonvifsrc.h"
#include "gststreamhealth.h"

#include "auth/access_control.h"
#include "auth/password_hash.h"
#include "cluster/cluster_command.h"
#include "cluster/cluster_node.h"
#include "cluster/cluster_users.h"
#include "cluster/stream_definitions.h"
#include "config/gateway_config.h"
#include "config/pipeline_file.h"
#include "http/http_server.h"
#include "onvif/discover.h"
#include "outputs/stream_outputs.h"
#include "rtmp/rtmp_ingest.h"
#include "srt/srt_ingest.h"
#include "rtsp/rtsp_server.h"
#include "service/service_manager.h"
#include "system/log_tail.h"
#include "stream/stream_manager.h"
#include "tls/certificate_files.h"
#include "tls/self_signed.h"
#include "transcode/rendition_ladder.h"

#include <gio/gio.h>
#include <glib-unix.h>
#include <gst/gst.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <memory>

using namespace camgate;

namespace {

int
run_check (int argc, char **argv)
{
  if (argc < 1) {
    g_printerr ("usage: camgate check DIR|FILE...\n");
    return 2;
  }
  std::vector<std::string> paths (argv, argv + argc);
  PipelineSet set = load_pipeline_files (paths);
  for (const auto & error : set.errors)
    g_printerr ("%s\n", error.to_string ().c_str ());
  for (const auto & spec : set.streams)
    g_print ("%s: ok (stream '%s', source %s)\n", spec.file.c_str (),
        spec.name.c_str (), to_string (spec.source.kind));
  if (!set.errors.empty ()) {
    g_printerr ("%zu error(s)\n", set.errors.size ());
    return 1;
  }
  return 0;
}

// Prints a `users:` entry for the gateway config; the password comes from
// stdin so that it stays out of the shell history and the process list.
int
run_hash_password (int argc, char **argv)
{
  if (argc != 1 || !*argv[0] || std::strchr (argv[0], ':')) {
    g_printerr ("usage: camgate hash-password USER < password\n");
    return 2;
  }
  char line[1024];
  if (!fgets (line, sizeof line, stdin)) {
    g_printerr ("camgate: no password on stdin\n");
    return 2;
  }
  std::string password (line);
  while (!password.empty () && (password.back () == '\n'
          || password.back () == '\r'))
    password.pop_back ();
  if (password.empty ()) {
    g_printerr ("camgate: empty password\n");
    return 2;
  }
  g_print ("  - name: %s\n    password-hash: \"%s\"\n    rtsp-digest: \"%s\"\n"
      "    permissions:\n      \"*\": [read]\n", argv[0],
      hash_password (password).c_str (), digest_ha1 (argv[0], password).c_str ());
  return 0;
}

gboolean
on_quit_signal (gpointer loop)
{
  g_message ("shutting down");
  g_main_loop_quit (static_cast<GMainLoop *> (loop));
  return G_SOURCE_REMOVE;
}

bool
is_loopback (const std::string & address)
{
  GInetAddress *inet = g_inet_address_new_from_string (address.c_str ());
  const bool loopback = inet && g_inet_address_get_is_loopback (inet);
  if (inet)
    g_object_unref (inet);
  return loopback;
}

// SIGHUP (systemctl reload): the config file's users and the TLS
// certificate read again, viewers and streams untouched. Other settings
// need a restart.
struct Reload
{
  std::string config_file;
  std::string bind_address;
  AccessControl *access;
  ServiceManager *service;
  // The cluster keeps the users (then they are its, not the file's).
  std::atomic<bool> *cluster_users;
  // The certificate files served now, and the doors serving them.
  TlsConfig tls;
  RtspServer *rtsp;
  HttpServer *http;
  RtmpIngest *rtmp;
};

void
reload_users (Reload & reload, GatewayConfig & fresh)
{
  if (reload.cluster_users->load ()) {
    g_message ("reload: the cluster keeps the users; the file's are not used");
  } else if (fresh.users.empty () && reload.access->enabled ()
      && !is_loopback (reload.bind_address)) {
    g_warning ("reload: the config has no users any more, but camgate "
        "listens on %s: keeping the current users",
        reload.bind_address.c_str ());
  } else {
    const size_t count = fresh.users.size ();
    reload.access->replace_users (std::move (fresh.users));
    g_message ("reload: %zu user(s) from %s", count,
        reload.config_file.c_str ());
  }
}

// A renewed certificate (same files, or others the config names now) for
// the connections made from now on; TLS itself starts or stops only with a
// restart.
void
reload_certificate (Reload & reload, const TlsConfig & wanted)
{
  if (!reload.tls.enabled ()) {
    if (wanted.enabled ())
      g_message ("reload: TLS starts at the next restart");
    return;
  }
  const TlsConfig files = wanted.enabled () ? wanted : reload.tls;
  std::string error;
  GTlsCertificate *certificate = load_certificate (files, error);
  if (!certificate) {
    g_warning ("reload: %s: keeping the current certificate", error.c_str ());
    return;
  }
  reload.rtsp->replace_certificate (certificate);
  reload.http->replace_certificate (certificate);
  reload.rtmp->replace_certificate (certificate);
  g_object_unref (certificate);
  reload.tls.certificate = files.certificate;
  reload.tls.key = files.key;
  g_message ("reload: TLS certificate %s", files.certificate.c_str ());
}

gboolean
on_reload_signal (gpointer data)
{
  auto & reload = *static_cast<Reload *> (data);
  reload.service->reloading ();
  GatewayConfig fresh;
  std::vector<ConfigError> errors;
  if (reload.config_file.empty ()) {
    g_message ("reload: no config file: no users to read again");
    reload_certificate (reload, reload.tls);
  } else if (!load_gateway_config (reload.config_file, fresh, errors)) {
    g_warning ("reload: %s: keeping the current settings",
        errors.front ().to_string ().c_str ());
  } else {
    reload_users (reload, fresh);
    reload_certificate (reload, fresh.tls);
  }
  reload.service->ready ("reloaded");
  return G_SOURCE_CONTINUE;
}

int
run_gateway (GatewayConfig config, const std::string & config_file)
{
  // The panel's System page shows the last log lines.
  LogTail::install ();
  // First made, last gone: the RTSP server's threads and the streams ask it
  // until they are stopped.
  std::unique_ptr<ClusterNode> cluster;
  std::unique_ptr<StreamDefinitions> definitions;
  std::atomic<bool> cluster_users { false };
  AccessControl access (config.users);
  if (!access.enabled () && !is_loopback (config.bind_address)) {
    g_printerr ("camgate: refusing to listen on %s with no users: anyone on "
        "the network could watch, publish and manage every stream. Add a user "
        "to the config ('camgate hash-password NAME' prints a users: entry), "
        "or bind 127.0.0.1.\n", config.bind_address.c_str ());
    return 1;
  }
  if (!access.enabled ())
    g_message ("no users: in the config: anyone who can reach %s may watch, "
        "publish and manage streams", config.bind_address.c_str ());
  RtspServer rtsp;
  std::string error;
  if (!rtsp.start (config, access, error)) {
    g_printerr ("camgate: %s\n", error.c_str ());
    return 1;
  }
  transcode::RenditionLadder::limit_automatic
      (config.webrtc.max_h264_transcodes);
  StreamManager manager (rtsp, config, make_stream_outputs);
  HttpServer http (manager, access, { rtsp.port (), rtsp.tls_port () });
  if (!http.start (config, error)) {
    g_printerr ("camgate: %s\n", error.c_str ());
    return 1;
  }
  // A node of a cluster: its streams wait in standby until it owns them.
  if (config.cluster.enabled ()) {
    cluster = ClusterNode::join (config, rtsp.port (), http.port (), error);
    if (!cluster) {
      g_printerr ("camgate: %s\n", error.c_str ());
      return 1;
    }
    http.set_cluster (cluster.get ());
    manager.follow_ownership (cluster.get ());
    follow_cluster_users (*cluster, access, config, cluster_users);
    // The streams are the cluster's, mirrored into the pipelines folder.
    if (config.pipelines_dir.empty ()) {
      g_message ("cluster: no pipelines folder, so the cluster's stream "
          "definitions are not used here");
    } else {
      definitions = std::make_unique<StreamDefinitions> (config.cluster,
          config.pipelines_dir);
      http.share_definitions (definitions.get ());
      definitions->start ();
    }
  }
  if (!manager.start (error)) {
    g_printerr ("camgate: %s\n", error.c_str ());
    return 1;
  }
  // RTMP is a door for encoders beside the others: a port taken by another
  // server is reported, and the gateway serves on without it.
  RtmpIngest rtmp (manager, access, config.rtmp, config.tls);
  const bool rtmp_on = rtmp.start (config.bind_address, error);
  if (!rtmp_on)
    g_warning ("%s: no RTMP publishers", error.c_str ());
  SrtIngest srt (manager, access, config.srt);
  const bool srt_on = srt.start (config.bind_address, error);
  if (!srt_on)
    g_warning ("%s: no SRT publishers", error.c_str ());

  // One parseable line for scripts and tests (ports may have been 0).
  std::string host = config.bind_address.find (':') != std::string::npos
      ? "[" + config.bind_address + "]" : config.bind_address;
  g_print ("camgate ready: rtsp://%s:%d/ http://%s:%d/", host.c_str (),
      rtsp.port (), host.c_str (), http.port ());
  if (config.tls.enabled ())
    g_print (" rtsps://%s:%d/ https://%s:%d/", host.c_str (), rtsp.tls_port (),
        host.c_str (), http.tls_port ());
  if (rtmp_on)
    g_print (" rtmp://%s:%d/%s/", host.c_str (), rtmp.port (),
        config.rtmp.app.c_str ());
  if (rtmp.tls_port ())
    g_print (" rtmps://%s:%d/%s/", host.c_str (), rtmp.tls_port (),
        config.rtmp.app.c_str ());
  if (srt_on)
    g_print (" srt://%s:%d/", host.c_str (), srt.port ());
  g_print ("\n");
  fflush (stdout);
  // Its thread once the doors are set up (fewer first uses of GLib types
  // on two threads at once).
  if (cluster)
    cluster->start ();

  ServiceManager service;
  service.ready ("serving " + std::to_string (manager.streams ().size ())
      + " stream(s)");
  Reload reload { config_file, config.bind_address, &access, &service,
    &cluster_users, config.tls, &rtsp, &http, &rtmp };
  GMainLoop *loop = g_main_loop_new (nullptr, FALSE);
  g_unix_signal_add (SIGINT, on_quit_signal, loop);
  g_unix_signal_add (SIGTERM, on_quit_signal, loop);
  g_unix_signal_add (SIGHUP, on_reload_signal, &reload);
  g_main_loop_run (loop);
  service.stopping ();

  // Leaves the cluster first: other nodes see it go at once.
  if (cluster) {
    cluster->stop ();
    http.set_cluster (nullptr);
  }
  if (definitions) {
    definitions->stop ();
    http.share_definitions (nullptr);
  }
  http.stop ();
  rtmp.stop ();
  srt.stop ();
  manager.stop_all ();
  rtsp.stop ();
  g_main_loop_unref (loop);
  return 0;
}

}  // namespace

// The gateway's command line; -1 from parse() means "go on".
struct Options
{
  gchar *pipelines = nullptr, *config_file = nullptr, *bind = nullptr;
  gchar *recordings = nullptr;
  gint rtsp_port = -1, http_port = -1, rtmp_port = -1, rtmps_port = -1;
  gint srt_port = -1;
  gboolean version = FALSE, self_signed = FALSE;

  ~Options ()
  {
    g_free (pipelines);
    g_free (recordings);
    g_free (config_file);
    g_free (bind);
  }

  int parse (int & argc, char **& argv);
  // The settings file, then the flags over it; -1, or the exit code.
  int apply (GatewayConfig & config) const;
};

int
Options::parse (int & argc, char **& argv)
{
  GOptionEntry entries[] = {
    { "pipelines", 'p', 0, G_OPTION_ARG_FILENAME, &pipelines,
        "Folder of pipeline files, one stream each (default: none, serve the "
        "built-in demo stream)", "DIR" },
    { "recordings", 0, 0, G_OPTION_ARG_FILENAME, &recordings,
        "Folder every stream records into, one sub-folder each (default "
        "./recordings)", "DIR" },
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_file,
        "Gateway settings file (YAML); flags override it", "FILE" },
    { "rtsp-port", 0, 0, G_OPTION_ARG_INT, &rtsp_port,
        "RTSP port (default 8554, 0 = any free port)", "PORT" },
    { "http-port", 0, 0, G_OPTION_ARG_INT, &http_port,
        "HTTP port for the API, metrics and web outputs (default 8888)",
        "PORT" },
    { "rtmp-port", 0, 0, G_OPTION_ARG_INT, &rtmp_port,
        "RTMP port for encoders (default 1935, 0 = any free port)", "PORT" },
    { "rtmps-port", 0, 0, G_OPTION_ARG_INT, &rtmps_port,
        "RTMPS port for encoders, with tls: configured (default 1936, 0 = any "
        "free port)", "PORT" },
    { "srt-port", 0, 0, G_OPTION_ARG_INT, &srt_port,
        "SRT (UDP) port for encoders (default 8890, 0 = any free port)",
        "PORT" },
    { "bind", 0, 0, G_OPTION_ARG_STRING, &bind,
        "Address to listen on (default 127.0.0.1; 0.0.0.0 for all)",
        "ADDRESS" },
    { "self-signed", 0, 0, G_OPTION_ARG_NONE, &self_signed,
        "Serve HTTPS (8443) and RTSPS (8322) with a self-signed certificate "
        "kept in ./tls (made on first use), unless the config names one",
        nullptr },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version",
        nullptr },
    { nullptr }
  };
  GOptionContext *context = g_option_context_new ("- camera media gateway");
  g_option_context_set_description (context,
      "Subcommands:\n  check DIR|FILE...   validate pipeline files and exit\n"
      "  discover [--help]   find ONVIF cameras, optionally write pipeline "
      "files\n"
      "  hash-password USER  print a users: entry (password read from "
      "stdin)\n"
      "  cluster import --config FILE DIR|FILE...\n"
      "                      store pipeline files as the cluster's streams\n"
      "  cluster users --config FILE USERS.yaml|--remove\n"
      "                      make a users: list the cluster's\n");
  g_option_context_add_main_entries (context, entries, nullptr);
  GError *error = nullptr;
  const bool parsed = g_option_context_parse (context, &argc, &argv, &error);
  g_option_context_free (context);
  if (!parsed) {
    g_printerr ("camgate: %s\n", error->message);
    g_clear_error (&error);
    return 2;
  }
  if (version) {
    g_print ("camgate %s (%s)\n", VERSION, gst_version_string ());
    return 0;
  }
  if (argc > 1) {
    g_printerr ("camgate: unexpected argument '%s'\n", argv[1]);
    return 2;
  }
  return -1;
}

int
Options::apply (GatewayConfig & config) const
{
  if (config_file) {
    std::vector<ConfigError> errors;
    if (!load_gateway_config (config_file, config, errors)) {
      for (const auto & e : errors)
        g_printerr ("%s\n", e.to_string ().c_str ());
      return 1;
    }
  }
  if (pipelines)
    config.pipelines_dir = pipelines;
  if (recordings)
    config.recordings_dir = recordings;
  if (bind) {
    if (!g_hostname_is_ip_address (bind)) {
      g_printerr ("camgate: --bind: '%s' is not an IP address\n", bind);
      return 2;
    }
    config.bind_address = bind;
  }
  for (auto [value, name, target] : { std::tuple { rtsp_port, "rtsp-port",
              &config.rtsp_port }, std::tuple { http_port, "http-port",
              &config.http_port }, std::tuple { rtmp_port, "rtmp-port",
              &config.rtmp.port }, std::tuple { rtmps_port, "rtmps-port",
              &config.rtmp.tls_port }, std::tuple { srt_port, "srt-port",
              &config.srt.port } }) {
    if (value == -1)
      continue;
    if (value < 0 || value > 65535) {
      g_printerr ("camgate: --%s: %d is not a port number\n", name, value);
      return 2;
    }
    *target = value;
  }
  if (self_signed && !config.tls.enabled ()) {
    std::string problem;
    if (!ensure_self_signed ("tls", config.tls.certificate, config.tls.key,
            problem)) {
      g_printerr ("camgate: %s\n", problem.c_str ());
      return 1;
    }
    g_message ("TLS with the self-signed certificate %s",
        config.tls.certificate.c_str ());
  }
  return -1;
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  // GTask before any thread of ours: GLib deadlocked a libsoup call on a
  // worker thread and a socket listener on the main thread, each
  // registering it (or a class that needs it) at once.
  g_type_ensure (G_TYPE_TASK);
  // Our own elements are part of the binary: no plugin path needed.
  GST_ELEMENT_REGISTER (streamhealth, nullptr);
  GST_ELEMENT_REGISTER (cmafchunkmux, nullptr);
  GST_ELEMENT_REGISTER (cmafsink, nullptr);
  GST_ELEMENT_REGISTER (recordsink, nullptr);
  GST_ELEMENT_REGISTER (onvifsrc, nullptr);
  GST_ELEMENT_REGISTER (rtmpserversrc, nullptr);
  GST_DEVICE_PROVIDER_REGISTER (onvifdeviceprovider, nullptr);

  if (argc >= 2 && std::strcmp (argv[1], "check") == 0)
    return run_check (argc - 2, argv + 2);
  if (argc >= 2 && std::strcmp (argv[1], "discover") == 0)
    return run_discover (argc - 1, argv + 1);
  if (argc >= 2 && std::strcmp (argv[1], "hash-password") == 0)
    return run_hash_password (argc - 2, argv + 2);
  if (argc >= 2 && std::strcmp (argv[1], "cluster") == 0)
    return run_cluster_command (argc - 1, argv + 1);

  Options options;
  GatewayConfig config;
  int exit_code = options.parse (argc, argv);
  if (exit_code == -1)
    exit_code = options.apply (config);
  return exit_code == -1 ? run_gateway (config, options.config_file
      ? options.config_file : "") : exit_code;
}
