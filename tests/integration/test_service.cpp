// camgate under systemd: Type=notify readiness and watchdog pings on
// NOTIFY_SOCKET (a datagram socket of the test's, as systemd's), SIGHUP
// (systemctl reload) reading the config's users and TLS certificate again
// with viewers left alone, the journal's fields, and the service's user.
#include "auth/password_hash.h"
#include "commands.h"
#include "helpers.h"
#include "tls/self_signed.h"

#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <gtest/gtest.h>
#include <json-glib/json-glib.h>

#include <glib/gstdio.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <sstream>
#include <string>
#include <thread>

using namespace camgate::testing;
using namespace std::chrono;
using namespace std::chrono_literals;

namespace {

// What systemd listens on: a datagram socket the gateway's messages reach.
class NotifySocket
{
public:
  explicit NotifySocket (const std::string & path) : path_ (path)
  {
    socket_ = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_DATAGRAM,
        G_SOCKET_PROTOCOL_DEFAULT, nullptr);
    GSocketAddress *address = g_unix_socket_address_new (path.c_str ());
    bound_ = socket_ && g_socket_bind (socket_, address, FALSE, nullptr);
    g_object_unref (address);
  }
  ~NotifySocket ()
  {
    if (socket_)
      g_object_unref (socket_);
  }
  bool bound () const { return bound_; }
  // Reads messages until one holds `line`, or `limit` passes; every
  // message read is kept in text().
  bool wait_for (const std::string & line, milliseconds limit)
  {
    const auto deadline = steady_clock::now () + limit;
    while (steady_clock::now () < deadline) {
      if (g_socket_condition_timed_wait (socket_, G_IO_IN, 100 * 1000, nullptr,
              nullptr)) {
        char buffer[4096];
        const gssize got = g_socket_receive (socket_, buffer, sizeof buffer,
            nullptr, nullptr);
        if (got > 0) {
          const std::string message (buffer, got);
          text_ += message + "\n--\n";
          if (("\n" + message + "\n").find ("\n" + line + "\n")
              != std::string::npos)
            return true;
        }
      }
    }
    return false;
  }
  const std::string & text () const { return text_; }

private:
  std::string path_;
  GSocket *socket_ = nullptr;
  bool bound_ = false;
  std::string text_;
};

}  // namespace

TEST (Service, TellsSystemdWhenReadyReloadingAndStoppingAndPingsItsWatchdog)
{
  TempDir dir;
  NotifySocket systemd (dir.path () + "/notify");
  ASSERT_TRUE (systemd.bound ());
  g_setenv ("NOTIFY_SOCKET", (dir.path () + "/notify").c_str (), TRUE);
  g_setenv ("WATCHDOG_USEC", "600000", TRUE);
  GatewayProcess gateway ({ "--pipelines", dir.path () });
  g_unsetenv ("NOTIFY_SOCKET");
  g_unsetenv ("WATCHDOG_USEC");
  ASSERT_TRUE (gateway.ready ()) << gateway.log ();
  EXPECT_TRUE (systemd.wait_for ("READY=1", 5s)) << systemd.text ();
  EXPECT_NE (systemd.text ().find ("STATUS=serving 1 stream(s)"),
      std::string::npos) << systemd.text ();
  // A 600 ms watchdog: pinged every 300 ms.
  EXPECT_TRUE (systemd.wait_for ("WATCHDOG=1", 2s)) << systemd.text ();
  EXPECT_TRUE (systemd.wait_for ("WATCHDOG=1", 2s)) << systemd.text ();
  kill (gateway.pid (), SIGHUP);
  EXPECT_TRUE (systemd.wait_for ("RELOADING=1", 5s)) << systemd.text ();
  EXPECT_TRUE (systemd.wait_for ("READY=1", 5s)) << systemd.text ();
  EXPECT_TRUE (gateway.running ()) << "SIGHUP reloads, it does not stop";
  ASSERT_GE (gateway.terminate (10s), 0);
  EXPECT_TRUE (systemd.wait_for ("STOPPING=1", 2s)) << systemd.text ();
}

// systemctl reload: a changed password applies at once, the old one is
// refused, and a viewer connected before keeps watching.
TEST (Service, ReloadReadsTheUsersAgainAndKeepsViewers)
{
  TempDir dir, pipes;
  pipes.write ("cam.yaml", "source: test\n");
  auto config = [&](const std::string & password) {
    return dir.write ("camgate.yaml", "pipelines: " + pipes.path ()
        + "\nusers:\n  - name: ops\n    password-hash: \""
        + camgate::hash_password (password)
        + "\"\n    permissions: { '*': [admin] }\n");
  };
  const std::string file = config ("first-pw");
  GatewayProcess gateway ({ "--config", file });
  ASSERT_TRUE (gateway.ready ()) << gateway.log ();
  ASSERT_TRUE (gateway.wait_for_log ("stream cam: running", 15s))
      << gateway.log ();
  const std::string url = "rtsp://ops:first-pw@127.0.0.1:"
      + std::to_string (gateway.rtsp_port ()) + "/cam";
  Viewer viewer (url, "tcp");
  ASSERT_TRUE (viewer.wait_frames (10, 15s)) << viewer.error ();

  config ("second-pw");
  kill (gateway.pid (), SIGHUP);
  ASSERT_TRUE (gateway.wait_for_log ("reload: 1 user(s)", 5s)) << gateway.log ();
  auto describe = [&](const std::string & password) {
    RtspControl rtsp (gateway.rtsp_port ());
    return rtsp.request (GST_RTSP_DESCRIBE, gateway.url ("cam"),
        { { "Authorization", basic_auth ("ops", password) } }).status;
  };
  EXPECT_EQ (describe ("second-pw"), 200);
  EXPECT_EQ (describe ("first-pw"), 401);
  const int before = viewer.frames ();
  EXPECT_TRUE (viewer.wait_frames (before + 20, 10s)) << viewer.error ();

  // A broken file changes nothing.
  dir.write ("camgate.yaml", "users: [ { name: ops } ]\n");
  kill (gateway.pid (), SIGHUP);
  ASSERT_TRUE (gateway.wait_for_log ("keeping the current settings", 5s))
      << gateway.log ();
  EXPECT_EQ (describe ("second-pw"), 200);
}

// As the service runs it: an unprivileged user holding only
// CAP_NET_BIND_SERVICE (the unit's AmbientCapabilities) serves RTSP on 554
// and records into its own folder; without the capability the port is
// refused with a clear error.
TEST (Service, AnUnprivilegedUserServesPort554WithTheCapabilityAlone)
{
  if (geteuid () != 0 || !have_program ("setpriv"))
    GTEST_SKIP () << "needs root (to drop to nobody) and setpriv";
  TempDir dir;
  g_chmod (dir.path ().c_str (), 0777);
  dir.write ("cam.yaml", "source: test\nrecord: { segment: 2s, path: "
      "'%H-%M-%S.mp4' }\n");
  const std::string as_nobody = "setpriv --reuid=nobody --regid=nogroup "
      "--clear-groups ";
  const std::string camgate = camgate_binary () + " --pipelines " + dir.path ()
      + " --recordings " + dir.path () + "/rec --rtsp-port 554 --http-port 0"
      " --rtmp-port 0 --rtmps-port 0 --srt-port 0";
  int status = -1;
  std::string said = run_command ("timeout -s KILL 5 " + as_nobody
      + "--inh-caps=+net_bind_service --ambient-caps=+net_bind_service "
      "--bounding-set=-all,+net_bind_service " + camgate + " 2>&1", &status);
  EXPECT_NE (said.find ("camgate ready: rtsp://127.0.0.1:554/"),
      std::string::npos) << said;
  bool recorded = false;
  std::error_code ignored;
  for (const auto & entry : std::filesystem::recursive_directory_iterator (
          dir.path () + "/rec", ignored))
    recorded |= entry.path ().extension () == ".mp4";
  EXPECT_TRUE (recorded) << "nothing recorded as nobody: " << said;
  said = run_command ("timeout -s KILL 8 " + as_nobody + camgate + " 2>&1",
      &status);
  EXPECT_EQ (status, 1) << said;
  EXPECT_NE (said.find ("cannot listen for RTSP on 127.0.0.1:554"),
      std::string::npos) << said;
}

namespace {

// The SHA-256 fingerprint of a PEM certificate file, or of the certificate
// a TLS server on 127.0.0.1:port presents ("" when none).
std::string
fingerprint_of_file (const std::string & pem)
{
  return run_command ("openssl x509 -noout -fingerprint -sha256 -in " + pem
      + " 2>&1");
}

std::string
fingerprint_served (int port)
{
  return run_command ("timeout 10 openssl s_client -connect 127.0.0.1:"
      + std::to_string (port) + " </dev/null 2>/dev/null "
      "| openssl x509 -noout -fingerprint -sha256 2>&1");
}

}  // namespace

// systemctl reload after the certificate was renewed: RTSPS, HTTPS and
// RTMPS present the new one to new connections, and a viewer watching over
// RTSPS since before keeps watching. A broken key keeps the current one.
TEST (Service, ReloadServesARenewedTlsCertificateAndKeepsViewers)
{
  if (!have_program ("openssl"))
    GTEST_SKIP () << "needs openssl";
  TempDir dir, pipes;
  pipes.write ("cam.yaml", "source: test\n");
  std::string certificate[2], key[2], error;
  for (int i = 0; i < 2; i++)
    ASSERT_TRUE (camgate::ensure_self_signed (dir.path () + "/made-"
            + std::to_string (i), certificate[i], key[i], error)) << error;
  auto install = [&](int i) {
    std::filesystem::copy_file (certificate[i], dir.path () + "/cert.pem",
        std::filesystem::copy_options::overwrite_existing);
    std::filesystem::copy_file (key[i], dir.path () + "/key.pem",
        std::filesystem::copy_options::overwrite_existing);
  };
  install (0);
  const std::string file = dir.write ("camgate.yaml", "pipelines: "
      + pipes.path () + "\ntls:\n  certificate: cert.pem\n  key: key.pem\n"
      "  https-port: 0\n  rtsps-port: 0\n");
  GatewayProcess gateway ({ "--config", file });
  ASSERT_TRUE (gateway.ready ()) << gateway.log ();
  ASSERT_TRUE (gateway.wait_for_log ("stream cam: running", 15s))
      << gateway.log ();
  const int ports[] = { gateway.rtsps_port (), gateway.https_port (),
    gateway.rtmps_port () };
  const std::string first = fingerprint_of_file (certificate[0]);
  const std::string second = fingerprint_of_file (certificate[1]);
  ASSERT_NE (first.find ("Fingerprint="), std::string::npos) << first;
  ASSERT_NE (first, second);
  for (int port : ports) {
    ASSERT_GT (port, 0) << gateway.log ();
    EXPECT_EQ (fingerprint_served (port), first) << port;
  }
  // (Both certificates are self-signed, trusted by nobody: not validated.)
  Viewer viewer ("rtsps://127.0.0.1:" + std::to_string (ports[0]) + "/cam",
      "tcp tls-validation-flags=0");
  ASSERT_TRUE (viewer.wait_frames (10, 15s)) << viewer.error ();

  install (1);
  kill (gateway.pid (), SIGHUP);
  ASSERT_TRUE (gateway.wait_for_log ("reload: TLS certificate", 5s))
      << gateway.log ();
  for (int port : ports)
    EXPECT_EQ (fingerprint_served (port), second) << port;
  const int before = viewer.frames ();
  EXPECT_TRUE (viewer.wait_frames (before + 20, 10s)) << viewer.error ();

  // A key that does not load: the doors keep serving the second one.
  dir.write ("key.pem", "not a key\n");
  kill (gateway.pid (), SIGHUP);
  ASSERT_TRUE (gateway.wait_for_log ("keeping the current certificate", 5s))
      << gateway.log ();
  for (int port : ports)
    EXPECT_EQ (fingerprint_served (port), second) << port;
  EXPECT_TRUE (gateway.running ());
}

// Under systemd stderr is the journal, and every line about a stream
// carries the stream's name as the field CAMGATE_STREAM (`journalctl -u
// camgate CAMGATE_STREAM=cam`). A real systemd-journald takes the lines, in
// a mount namespace of the test's (its own /run, so this machine's journal,
// if any, sees nothing).
TEST (Service, JournalLinesAboutAStreamCarryItsName)
{
  const char *journald = "/lib/systemd/systemd-journald";
  if (geteuid () != 0 || !have_program ("unshare")
      || !have_program ("systemd-cat") || !have_program ("journalctl")
      || !g_file_test (journald, G_FILE_TEST_IS_EXECUTABLE))
    GTEST_SKIP () << "needs root, unshare and systemd's journald";
  int allowed = -1;
  const std::string why = run_command ("unshare -m true 2>&1", &allowed);
  if (allowed != 0)
    GTEST_SKIP () << "this machine allows no mount namespace: " << why;
  TempDir dir;
  dir.write ("cam.yaml", "source: test\n");
  const std::string script = std::string ("set -u\n"
      "mount -t tmpfs tmpfs /run\n"
      "[ -d /var/log/journal ] && mount -t tmpfs tmpfs /var/log/journal\n"
      "mkdir -p /run/systemd/journal /run/log/journal\n")
      + journald + " >/dev/null 2>&1 &\n"
      "journald=$!\n"
      "for i in $(seq 50); do [ -S /run/systemd/journal/stdout ] && break; "
      "sleep 0.1; done\n"
      "systemd-cat -t camgate " + camgate_binary () + " --pipelines "
      + dir.path () + " --rtsp-port 0 --http-port 0 --rtmp-port 0 "
      "--rtmps-port 0 --srt-port 0 &\n"
      "gateway=$!\n"
      "for i in $(seq 100); do journalctl -o cat _COMM=camgate "
      "2>/dev/null | grep -q 'stream cam: running' && break; sleep 0.1; done\n"
      "kill $gateway; wait $gateway\n"
      "journalctl -o json --no-pager _COMM=camgate\n"
      "kill $journald\n";
  dir.write ("journal.sh", script);
  int status = -1;
  const std::string journal = run_command ("timeout -s KILL 40 unshare -m sh "
      + dir.path () + "/journal.sh 2>&1", &status);
  EXPECT_EQ (status, 0) << journal;
  int about_cam = 0, others = 0;
  std::string running_priority;
  std::istringstream lines (journal);
  for (std::string line; std::getline (lines, line);) {
    g_autoptr (JsonParser) parser = json_parser_new ();
    if (line.empty () || line[0] != '{'
        || !json_parser_load_from_data (parser, line.c_str (), -1, nullptr))
      continue;
    JsonObject *entry = json_node_get_object (json_parser_get_root (parser));
    const char *message = json_object_get_string_member_with_default (entry,
        "MESSAGE", "");
    const char *stream = json_object_get_string_member_with_default (entry,
        "CAMGATE_STREAM", "");
    if (g_str_has_prefix (message, "stream cam: ")) {
      EXPECT_STREQ (stream, "cam") << line;
      about_cam++;
      if (g_str_equal (message, "stream cam: running"))
        running_priority = json_object_get_string_member_with_default (entry,
            "PRIORITY", "");
    } else {
      EXPECT_STREQ (stream, "") << line;
      others++;
    }
  }
  EXPECT_GE (about_cam, 1) << journal;
  EXPECT_GE (others, 1) << journal;            // "camgate ready", at least
  EXPECT_EQ (running_priority, "5") << journal;   // LOG_NOTICE: g_message
}
