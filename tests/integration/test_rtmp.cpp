// RTMP publishers at the gateway's door (the outputs they feed are in
// test_published_outputs.cpp): the stream key (?user=&pass=) is checked
// against camgate's users and refused without the secret in the log, a
// stream that is not a publish stream and a second publisher are refused
// with the RTMP error status, and the publisher shows in the API and on the
// panel's tile.
#include "auth/password_hash.h"
#include "commands.h"
#include "helpers.h"

#include <glib.h>
#include <gtest/gtest.h>

using namespace camgate;
using namespace camgate::testing;
using namespace std::chrono_literals;

namespace {

std::string
basic (const std::string & user, const std::string & password)
{
  const std::string pair = user + ":" + password;
  gchar *encoded = g_base64_encode (reinterpret_cast<const guchar *>
      (pair.data ()), pair.size ());
  std::string out = std::string ("Basic ") + encoded;
  g_free (encoded);
  return out;
}

// ffmpeg publishing a live test picture and tone to `url` for `seconds`.
std::vector<std::string>
ffmpeg_publish (const std::string & url, int seconds)
{
  return { "ffmpeg", "-nostdin", "-loglevel", "error", "-re", "-f", "lavfi", "-i",
    "testsrc=size=320x240:rate=15", "-f", "lavfi", "-i",
    "sine=frequency=440:sample_rate=48000", "-t", std::to_string (seconds),
    "-c:v", "libx264", "-preset", "veryfast", "-g", "15", "-pix_fmt",
    "yuv420p", "-c:a", "aac", "-f", "flv", url };
}

// The same, run to its end (bounded): its exit status and what it said.
std::string
ffmpeg_publish_once (const std::string & url, int & status)
{
  std::string command = "timeout -s KILL 20";
  for (const auto & word : ffmpeg_publish (url, 5))
    command += " '" + word + "'";
  return run_command (command + " 2>&1", &status);
}

// The API's JSON without the pretty printer's spaces around colons.
std::string
compact (std::string json)
{
  for (size_t at; (at = json.find (" : ")) != std::string::npos;)
    json.replace (at, 3, ":");
  return json;
}

}  // namespace

TEST (Rtmp, PublishersAreCheckedRefusedAndShown)
{
  if (!have_program ("ffmpeg"))
    GTEST_SKIP () << "ffmpeg is not installed";
  TempDir dir, pipes;
  dir.write ("camgate.yaml", "pipelines: " + pipes.path () + "\n"
      "rtmp: { port: 0, app: ingest }\n"
      "users:\n"
      "  - name: ops\n    password-hash: \"" + hash_password ("ops-pw")
      + "\"\n    permissions: { \"*\": [admin] }\n"
      "  - name: enc\n    password-hash: \"" + hash_password ("enc-pw")
      + "\"\n    permissions: { studio: [publish] }\n"
      "  - name: viewer\n    password-hash: \"" + hash_password ("view-pw")
      + "\"\n    permissions: { \"*\": [read] }\n");
  pipes.write ("studio.yaml", "source: rtmp\n");
  pipes.write ("cam.yaml", "source: test\n");
  GatewayProcess gateway ({ "--config", dir.path () + "/camgate.yaml" });
  ASSERT_TRUE (gateway.ready ()) << gateway.log ();
  ASSERT_GT (gateway.rtmp_port (), 0) << gateway.log ();
  const std::string base = "rtmp://127.0.0.1:"
      + std::to_string (gateway.rtmp_port ()) + "/ingest/";

  // Refused, each with its reason in the log (never the password).
  struct Refusal
  {
    std::string path, logged;
  };
  for (const Refusal & r : std::vector<Refusal> {
          { "studio?user=enc&pass=wrong-secret-1",
            "wrong user or password for 'enc'" },
          { "studio?user=viewer&pass=view-pw",
            "'viewer' may not publish to 'studio'" },
          { "studio", "needs a user with the publish permission" },
          { "cam?user=ops&pass=ops-pw", "stream 'cam' takes no publisher" },
          { "nowhere?user=ops&pass=ops-pw", "no stream 'nowhere'" } }) {
    int status = -1;
    const std::string said = ffmpeg_publish_once (base + r.path, status);
    EXPECT_NE (status, 0) << r.path << ": " << said;
    EXPECT_TRUE (gateway.wait_for_log (r.logged, 5s)) << r.path << "\n"
        << gateway.log ();
  }
  EXPECT_EQ (gateway.log ().find ("wrong-secret-1"), std::string::npos);
  EXPECT_EQ (gateway.log ().find ("view-pw"), std::string::npos);
  // Another application name is refused too.
  {
    int status = -1;
    ffmpeg_publish_once ("rtmp://127.0.0.1:" + std::to_string
        (gateway.rtmp_port ()) + "/live/studio?user=enc&pass=enc-pw", status);
    EXPECT_NE (status, 0);
    EXPECT_TRUE (gateway.wait_for_log ("unknown application 'live'", 5s))
        << gateway.log ();
  }

  // The right key publishes; the API shows who.
  ChildProcess first (ffmpeg_publish (base + "studio?user=enc&pass=enc-pw",
          30));
  ASSERT_TRUE (gateway.wait_running ("studio")) << gateway.log ();
  const auto ops = std::vector<std::pair<std::string, std::string>> {
    { "Authorization", basic ("ops", "ops-pw") } };
  HttpReply api;
  EXPECT_TRUE (wait_until ([&] {
        api = http_request (gateway.http_port (), "GET",
            "/api/v1/streams/studio", "", ops);
        api.body = compact (api.body);
        const size_t publisher = api.body.find ("\"publisher\":{");
        return publisher != std::string::npos && api.body.substr (publisher,
            api.body.find ('}', publisher) - publisher).find
            ("\"bitrate\":0") == std::string::npos;
      }, 10s)) << api.body;
  EXPECT_NE (api.body.find ("\"protocol\":\"RTMP\""), std::string::npos)
      << api.body;
  EXPECT_NE (api.body.find ("\"address\":\"127.0.0.1\""), std::string::npos)
      << api.body;
  EXPECT_NE (api.body.find ("\"since\":\""), std::string::npos) << api.body;

  // A second publisher is refused while the first goes on.
  {
    int status = -1;
    const std::string said = ffmpeg_publish_once (base
        + "studio?user=enc&pass=enc-pw", status);
    EXPECT_NE (status, 0) << said;
    EXPECT_TRUE (gateway.wait_for_log ("'studio' already has a publisher",
            5s)) << gateway.log ();
  }
  // The panel's tile names the publisher.
  const std::string panel = browser_command ("panel_publisher.cjs");
  if (!panel.empty ()) {
    int status = -1;
    const std::string said = run_command (panel + " http://127.0.0.1:"
        + std::to_string (gateway.http_port ()) + "/ ops ops-pw studio "
        "'RTMP from 127.0.0.1' " + dir.path (), &status);
    EXPECT_EQ (status, 0) << said << gateway.log ();
  }
  Viewer rtsp ("rtsp://ops:ops-pw@127.0.0.1:"
      + std::to_string (gateway.rtsp_port ()) + "/studio", "tcp");
  EXPECT_TRUE (rtsp.wait_frames (10, 15s)) << rtsp.error () << gateway.log ();

  // The first one leaves: the slot is free for the next.
  first.stop ();
  EXPECT_TRUE (gateway.wait_for_log ("RTMP publisher 127.0.0.1 on stream "
          "studio: gone", 15s)) << gateway.log ();
  EXPECT_TRUE (wait_until ([&] {
        api = http_request (gateway.http_port (), "GET",
            "/api/v1/streams/studio", "", ops);
        return api.body.find ("\"publisher\"") == std::string::npos;
      }, 10s)) << api.body;
  ChildProcess next (ffmpeg_publish (base + "studio?user=enc&pass=enc-pw",
          20));
  EXPECT_TRUE (wait_until ([&] {
        return compact (http_request (gateway.http_port (), "GET",
                "/api/v1/streams/studio", "", ops).body).find ("\"protocol\":"
            "\"RTMP\"") != std::string::npos;
      }, 15s)) << gateway.log ();
}
