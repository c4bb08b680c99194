// Every door refuses a missing or wrong credential and takes the right one:
// the API (Basic, Bearer, the panel's cookie), RTSP (Basic and Digest, read
// vs publish), WHEP, WHIP and HLS (token in the query or cookie); RTSPS and
// HTTPS serve with the test certificate; no password reaches the log or API.
#include "auth/password_hash.h"
#include "commands.h"
#include "config/gateway_config.h"
#include "helpers.h"
#include "tls/self_signed.h"
#include "webrtc_client.h"

#include <gio/gio.h>
#include <filesystem>
#include <regex>
#include <thread>
#include <gst/rtsp/gstrtspdefs.h>
#include <gtest/gtest.h>

#include <regex>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

using namespace camgate;
using namespace camgate::testing;
using namespace std::chrono_literals;

namespace {

std::string
json_string (const std::string & body, const char *member)
{
  JsonParser *parser = json_parser_new ();
  std::string out;
  if (json_parser_load_from_data (parser, body.c_str (), -1, nullptr)
      && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    out = json_object_get_string_member_with_default (json_node_get_object
        (json_parser_get_root (parser)), member, "");
  g_object_unref (parser);
  return out;
}

std::string
rtsp_request (int port, const std::string & method, const std::string & path,
    const std::string & extra_headers = {}, const std::string & from = {})
{
  return raw_exchange (port, method + " rtsp://127.0.0.1:" + std::to_string
      (port) + path + " RTSP/1.0\r\nCSeq: 1\r\n" + extra_headers + "\r\n",
      from);
}

class Auth : public ::testing::Test
{
protected:
  void SetUp () override
  {
    std::string error;
    ASSERT_TRUE (ensure_self_signed (dir_.path () + "/tls", certificate_, key_,
            error)) << error;
    // "ops" may do anything; "guard" watches cam and publishes into live;
    // anonymous watches open only.
    dir_.write ("gateway.yaml", "pipelines: " + pipes_.path () + "\n"
        "users:\n"
        "  - name: ops\n    password-hash: \"" + hash_password ("ops-pw-1")
        + "\"\n    rtsp-digest: \"" + digest_ha1 ("ops", "ops-pw-1") + "\"\n"
        "    permissions: { \"*\": [admin] }\n"
        "  - name: guard\n    password-hash: \"" + hash_password ("guard-pw-2")
        + "\"\n    permissions: { cam: [read], live: [publish] }\n"
        "  - name: lobbyist\n    password-hash: \"" + hash_password ("lob-pw-3")
        + "\"\n    permissions: { \"lobby-*\": [api] }\n"
        "  - name: anonymous\n    permissions: { open: [read] }\n"
        "tls:\n  certificate: tls/camgate-cert.pem\n  key: tls/camgate-key.pem\n"
        "  https-port: 0\n  rtsps-port: 0\n");
    pipes_.write ("cam.yaml", "source: test\noutputs: { hls: {} }\n");
    pipes_.write ("open.yaml", "source: test\n");
    pipes_.write ("live.yaml", "source: publish\n");
    gateway_ = std::make_unique<GatewayProcess> (std::vector<std::string> {
          "--config", dir_.path () + "/gateway.yaml" });
    ASSERT_TRUE (gateway_->ready ()) << gateway_->log ();
    ASSERT_TRUE (gateway_->wait_running ("cam")) << gateway_->log ();
    ASSERT_TRUE (gateway_->wait_running ("open")) << gateway_->log ();
  }

  HttpReply get (const std::string & target, const std::string & auth = {})
  {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!auth.empty ())
      headers.push_back ({ "Authorization", auth });
    return http_request (gateway_->http_port (), "GET", target, {}, headers);
  }

  std::string token_for (const std::string & body)
  {
    auto reply = http_request (gateway_->http_port (), "POST",
        "/api/v1/auth/token", body, { { "Content-Type", "application/json" } });
    EXPECT_EQ (reply.status, 200) << reply.body;
    return json_string (reply.body, "token");
  }

  TempDir dir_, pipes_;
  std::string certificate_, key_;
  std::unique_ptr<GatewayProcess> gateway_;
};

}  // namespace

TEST_F (Auth, AStreamManagerCannotReachFilesThroughAStream)
{
  auto post = [&](const std::string & user, const std::string & password,
      const std::string & body) {
    return http_request (gateway_->http_port (), "POST", "/api/v1/streams",
        body, { { "Content-Type", "application/json" },
          { "Authorization", basic_auth (user, password) } });
  };
  // A gst-launch description reads any file camgate can: not through the
  // API unless the gateway allows it, and then for admins only.
  const std::string shadow = R"({"name": "lobby-z", "source": {"pipeline":
      "filesrc location=/etc/shadow ! fakesink"}})";
  auto refused = post ("lobbyist", "lob-pw-3", shadow);
  EXPECT_EQ (refused.status, 403) << refused.body;
  EXPECT_NE (refused.body.find ("source.pipeline"), std::string::npos);
  EXPECT_EQ (post ("ops", "ops-pw-1", shadow).status, 403);
  // Recordings stay in the recordings folder.
  for (const char *path : { "/tmp/elsewhere/%H.mp4", "../../x/%H.mp4" }) {
    auto away = post ("lobbyist", "lob-pw-3", std::string (R"({"name":
        "lobby-y", "source": "test", "record": {"path": ")") + path + "\"}}");
    EXPECT_EQ (away.status, 400) << path << ": " << away.body;
  }
  // Request splitting towards the camera.
  EXPECT_EQ (post ("lobbyist", "lob-pw-3", R"({"name": "lobby-x", "source":
      {"uri": "rtsp://127.0.0.1:1/a\r\nSET_PARAMETER * RTSP/1.0"}})").status,
      400);
  // 16 000 levels of nesting: refused before anything walks it.
  auto start = std::chrono::steady_clock::now ();
  auto deep = post ("lobbyist", "lob-pw-3", "{\"name\": \"lobby-w\", \"x\": "
      + std::string (16000, '[') + std::string (16000, ']') + "}");
  EXPECT_EQ (deep.status, 400) << deep.body;
  EXPECT_LT (std::chrono::steady_clock::now () - start, 2s);
  EXPECT_TRUE (pipes_.path ().size () && !g_file_test ((pipes_.path ()
              + "/lobby-z.yaml").c_str (), G_FILE_TEST_EXISTS));
  // What a stream manager may do still works.
  EXPECT_EQ (post ("lobbyist", "lob-pw-3", R"({"name": "lobby-v", "source":
      "test"})").status, 201);
  EXPECT_TRUE (gateway_->running ());
}

TEST_F (Auth, RtspSessionsBelongToTheUserWhoMadeThem)
{
  const int port = gateway_->rtsp_port ();
  const std::string url = "rtsp://127.0.0.1:" + std::to_string (port) + "/cam";
  const std::pair<std::string, std::string> ops { "Authorization",
    basic_auth ("ops", "ops-pw-1") }, guard { "Authorization",
    basic_auth ("guard", "guard-pw-2") };
  RtspControl owner (port);
  ASSERT_EQ (owner.request (GST_RTSP_DESCRIBE, url, { ops }).status, 200);
  auto setup = owner.request (GST_RTSP_SETUP, url + "/stream=0", { ops,
        { "Transport", "RTP/AVP/TCP;unicast;interleaved=0-1" } });
  ASSERT_EQ (setup.status, 200);
  ASSERT_EQ (owner.request (GST_RTSP_PLAY, url, { ops,
            { "Session", setup.session } }).status, 200);
  // Another user who may watch the same stream, on another connection.
  RtspControl other (port);
  for (auto method : { GST_RTSP_GET_PARAMETER, GST_RTSP_PAUSE,
          GST_RTSP_TEARDOWN })
    EXPECT_EQ (other.request (method, url, { guard,
              { "Session", setup.session } }).status, 454)
        << gst_rtsp_method_as_text (method);
  // The same user on another connection (some players send TEARDOWN that
  // way) may.
  RtspControl again (port);
  EXPECT_EQ (again.request (GST_RTSP_GET_PARAMETER, url, { ops,
            { "Session", setup.session } }).status, 200);
  EXPECT_EQ (owner.request (GST_RTSP_TEARDOWN, url, { ops,
            { "Session", setup.session } }).status, 200);
}

TEST_F (Auth, ApiRefusesMissingAndWrongCredentials)
{
  auto anonymous = get ("/metrics");
  EXPECT_EQ (anonymous.status, 401);
  EXPECT_NE (header_value (anonymous, "WWW-Authenticate").find ("Basic"),
      std::string::npos);
  // The panel and what browsers fetch on their own need no credentials.
  EXPECT_EQ (get ("/").status, 200);
  auto icon = get ("/favicon.ico");
  EXPECT_EQ (icon.status, 404);
  EXPECT_EQ (header_value (icon, "WWW-Authenticate"), "");
  EXPECT_EQ (get ("/metrics", basic_auth ("ops", "wrong")).status, 401);
  EXPECT_EQ (get ("/metrics", basic_auth ("nobody", "ops-pw-1")).status, 401);
  EXPECT_EQ (get ("/metrics", "Bearer forged.token").status, 401);
  EXPECT_EQ (get ("/metrics", basic_auth ("ops", "ops-pw-1")).status, 200);
  EXPECT_EQ (get ("/metrics", basic_auth ("guard", "guard-pw-2")).status, 403);

  // The list shows each caller what it may see.
  auto open_list = get ("/api/v1/streams");
  ASSERT_EQ (open_list.status, 200);
  EXPECT_NE (open_list.body.find ("\"open\""), std::string::npos);
  EXPECT_EQ (open_list.body.find ("\"cam\""), std::string::npos);
  auto ops_list = get ("/api/v1/streams", basic_auth ("ops", "ops-pw-1"));
  EXPECT_NE (ops_list.body.find ("\"cam\""), std::string::npos);
  EXPECT_EQ (get ("/api/v1/streams/cam").status, 401);
  EXPECT_EQ (get ("/api/v1/streams/cam", basic_auth ("guard", "guard-pw-2"))
      .status, 200);

  // Signing in with a JSON body: a token, and the panel's cookie.
  auto login = http_request (gateway_->http_port (), "POST",
      "/api/v1/auth/token", R"({"user": "ops", "password": "ops-pw-1"})");
  ASSERT_EQ (login.status, 200) << login.body;
  std::string token = json_string (login.body, "token");
  ASSERT_FALSE (token.empty ());
  EXPECT_NE (header_value (login, "Set-Cookie").find ("HttpOnly"),
      std::string::npos);
  EXPECT_EQ (get ("/metrics", "Bearer " + token).status, 200);
  EXPECT_EQ (http_request (gateway_->http_port (), "GET", "/metrics", {},
          { { "Cookie", "camgate_token=" + token } }).status, 200);
  EXPECT_EQ (http_request (gateway_->http_port (), "POST",
          "/api/v1/auth/token", R"({"user": "ops", "password": "x"})").status,
      401);

  // Managing streams needs `api`.
  auto refused = http_request (gateway_->http_port (), "POST",
      "/api/v1/streams", R"({"name": "new", "source": "test"})",
      { { "Authorization", basic_auth ("guard", "guard-pw-2") } });
  EXPECT_EQ (refused.status, 403) << refused.body;
  EXPECT_FALSE (std::filesystem::exists (pipes_.path () + "/new.yaml"));

  // Recordings: deleting needs admin, listing needs record.
  EXPECT_EQ (http_request (gateway_->http_port (), "DELETE",
          "/api/v1/recordings/cam?start=2020-01-01T00:00:00Z&end="
          "2020-01-02T00:00:00Z", {}, { { "Authorization",
                  basic_auth ("guard", "guard-pw-2") } }).status, 403);
  EXPECT_EQ (get ("/api/v1/recordings/cam").status, 401);
}

TEST_F (Auth, GuessingPasswordsGetsTheAddressBlocked)
{
  for (int i = 0; i < 10; i++)
    EXPECT_EQ (get ("/metrics", basic_auth ("ops", "guess-" + std::to_string (i)))
        .status, 401);
  // Even the right password waits now; anonymous access does not.
  auto blocked = get ("/metrics", basic_auth ("ops", "ops-pw-1"));
  EXPECT_EQ (blocked.status, 429) << blocked.body;
  int retry = std::atoi (header_value (blocked, "Retry-After").c_str ());
  EXPECT_GT (retry, 30);
  EXPECT_LE (retry, 60);
  EXPECT_EQ (http_request (gateway_->http_port (), "POST",
          "/api/v1/auth/token", R"({"user": "ops", "password": "ops-pw-1"})")
      .status, 429);
  EXPECT_EQ (get ("/api/v1/streams/open").status, 200);
  // RTSP shares the count: credentials from this address are not taken.
  EXPECT_NE (rtsp_request (gateway_->rtsp_port (), "DESCRIBE", "/cam",
          "Authorization: " + basic_auth ("ops", "ops-pw-1") + "\r\n")
      .find ("RTSP/1.0 401"), std::string::npos);
  EXPECT_TRUE (gateway_->wait_for_log ("failed sign-ins from 127.0.0.1",
          std::chrono::seconds (2)));
}

TEST_F (Auth, RtspTakesBasicAndDigestAndSeparatesReadFromPublish)
{
  const int port = gateway_->rtsp_port ();
  std::string challenge = rtsp_request (port, "DESCRIBE", "/cam");
  EXPECT_NE (challenge.find ("RTSP/1.0 401"), std::string::npos) << challenge;
  EXPECT_NE (challenge.find ("WWW-Authenticate: Digest realm=\"camgate\", "
          "nonce="), std::string::npos) << challenge;
  EXPECT_NE (challenge.find ("WWW-Authenticate: Basic realm=\"camgate\""),
      std::string::npos) << challenge;
  // Basic, right and wrong; a user without `read` on the stream.
  std::string ok = rtsp_request (port, "DESCRIBE", "/cam",
      "Authorization: " + basic_auth ("ops", "ops-pw-1") + "\r\n");
  EXPECT_NE (ok.find ("RTSP/1.0 200"), std::string::npos) << ok;
  EXPECT_NE (ok.find ("m=video"), std::string::npos);
  EXPECT_NE (rtsp_request (port, "DESCRIBE", "/cam", "Authorization: "
          + basic_auth ("ops", "nope") + "\r\n").find ("RTSP/1.0 401"),
      std::string::npos);
  EXPECT_NE (rtsp_request (port, "DESCRIBE", "/open", "Authorization: "
          + basic_auth ("guard", "guard-pw-2") + "\r\n").find ("RTSP/1.0 403"),
      std::string::npos);
  // Anonymous may watch `open`.
  EXPECT_NE (rtsp_request (port, "DESCRIBE", "/open").find ("RTSP/1.0 200"),
      std::string::npos);

  // Digest by hand (RFC 2617, computed from the password with GStreamer's
  // own helper): right, a forged nonce, and a user without rtsp-digest.
  auto nonce_at = challenge.find ("nonce=\"");
  ASSERT_NE (nonce_at, std::string::npos);
  std::string nonce = challenge.substr (nonce_at + 7, challenge.find ('"',
          nonce_at + 7) - nonce_at - 7);
  const std::string uri = "rtsp://127.0.0.1:" + std::to_string (port) + "/cam";
  auto digest_header = [&](const std::string & user, const std::string & pw,
      const std::string & n) {
    gchar *response = gst_rtsp_generate_digest_auth_response (nullptr,
        "DESCRIBE", "camgate", user.c_str (), pw.c_str (), uri.c_str (),
        n.c_str ());
    std::string header = "Authorization: Digest username=\"" + user
        + "\", realm=\"camgate\", nonce=\"" + n + "\", uri=\"" + uri
        + "\", response=\"" + response + "\"\r\n";
    g_free (response);
    return header;
  };
  EXPECT_NE (rtsp_request (port, "DESCRIBE", "/cam", digest_header ("ops",
              "ops-pw-1", nonce)).find ("RTSP/1.0 200"), std::string::npos);
  std::string forged = nonce;
  forged[20] = forged[20] == 'a' ? 'b' : 'a';
  EXPECT_NE (rtsp_request (port, "DESCRIBE", "/cam", digest_header ("ops",
              "ops-pw-1", forged)).find ("RTSP/1.0 401"), std::string::npos);
  EXPECT_NE (rtsp_request (port, "DESCRIBE", "/cam", digest_header ("ops",
              "wrong", nonce)).find ("RTSP/1.0 401"), std::string::npos);
  EXPECT_NE (rtsp_request (port, "DESCRIBE", "/cam", digest_header ("guard",
              "guard-pw-2", nonce)).find ("RTSP/1.0 401"), std::string::npos);
  // An answer computed for /cam opens nothing else.
  EXPECT_NE (rtsp_request (port, "DESCRIBE", "/live", digest_header ("ops",
              "ops-pw-1", nonce)).find ("RTSP/1.0 401"), std::string::npos);
  // A nonce is bound to the address it was given to: the same answer from
  // another address (127.0.0.2, loopback too) is refused, while a nonce
  // that address asked for itself works there.
  EXPECT_NE (rtsp_request (port, "DESCRIBE", "/cam", digest_header ("ops",
              "ops-pw-1", nonce), "127.0.0.2").find ("RTSP/1.0 401"),
      std::string::npos);
  std::string other = rtsp_request (port, "DESCRIBE", "/cam", {}, "127.0.0.2");
  nonce_at = other.find ("nonce=\"");
  ASSERT_NE (nonce_at, std::string::npos) << other;
  std::string other_nonce = other.substr (nonce_at + 7, other.find ('"',
          nonce_at + 7) - nonce_at - 7);
  EXPECT_NE (other_nonce, nonce);
  EXPECT_NE (rtsp_request (port, "DESCRIBE", "/cam", digest_header ("ops",
              "ops-pw-1", other_nonce), "127.0.0.2").find ("RTSP/1.0 200"),
      std::string::npos);
  // Wrong credentials are refused even where anonymous may watch.
  EXPECT_NE (rtsp_request (port, "DESCRIBE", "/open", "Authorization: "
          + basic_auth ("ops", "nope") + "\r\n").find ("RTSP/1.0 401"),
      std::string::npos);

  // rtspsrc answers the Digest challenge (its first choice) and plays.
  Viewer digest ("rtsp://ops:ops-pw-1@127.0.0.1:" + std::to_string (port)
      + "/cam", "tcp");
  EXPECT_TRUE (digest.wait_frames (10, 20s)) << digest.error ();
  Viewer wrong ("rtsp://ops:bad@127.0.0.1:" + std::to_string (port) + "/cam",
      "tcp");
  EXPECT_FALSE (wrong.wait_frames (1, 5s));
  EXPECT_NE (wrong.error ().find ("Unauthorized"), std::string::npos)
      << wrong.error ();

  // Publishing needs `publish`: guard may publish into live, not watch cam's
  // neighbour; ops (admin) may; anonymous is challenged.
  std::string sdp_headers = "Content-Type: application/sdp\r\nContent-Length: "
      + std::to_string (strlen (kAnnounceSdp)) + "\r\n";
  auto announce = [&](const std::string & path, const std::string & auth) {
    return raw_exchange (port, "ANNOUNCE rtsp://127.0.0.1:" + std::to_string
        (port) + path + " RTSP/1.0\r\nCSeq: 1\r\n" + (auth.empty () ? ""
            : "Authorization: " + auth + "\r\n") + sdp_headers + "\r\n"
        + kAnnounceSdp);
  };
  EXPECT_NE (announce ("/live", "").find ("RTSP/1.0 401"), std::string::npos);
  EXPECT_NE (announce ("/live", basic_auth ("guard", "guard-pw-2"))
      .find ("RTSP/1.0 200"), std::string::npos);
  EXPECT_NE (announce ("/cam", basic_auth ("guard", "guard-pw-2"))
      .find ("RTSP/1.0 403"), std::string::npos);
  Publisher publisher ("rtsp://ops:ops-pw-1@127.0.0.1:" + std::to_string (port)
      + "/live");
  EXPECT_TRUE (gateway_->wait_for_log ("stream live: a publisher connected", 15s))
      << publisher.error () << gateway_->log ();
}

TEST_F (Auth, WhepWhipAndHlsNeedCredentials)
{
  const int port = gateway_->http_port ();
  WebRtcTestPeer anonymous ({});
  EXPECT_EQ (anonymous.connect (port, "cam").status, 401);

  std::string token = token_for (R"({"user": "guard", "password":
      "guard-pw-2", "stream": "cam", "ttl": "5m"})");
  ASSERT_FALSE (token.empty ());
  WebRtcTestPeer viewer ({ .headers = { { "Authorization", "Bearer "
                + token } } });
  auto answer = viewer.connect (port, "cam");
  ASSERT_EQ (answer.status, 201) << answer.body;
  EXPECT_TRUE (viewer.wait_video_frames (5, 20s));
  EXPECT_EQ (viewer.disconnect (), 200);
  // A token for cam is no good for open's neighbours, nor for WHIP.
  WebRtcTestPeer publisher ({ .kind = WebRtcTestPeer::Kind::WhipPublisher,
        .headers = { { "Authorization", "Bearer " + token } } });
  EXPECT_EQ (publisher.connect (port, "live").status, 403);
  WebRtcTestPeer basic_viewer ({ .headers = { { "Authorization",
                basic_auth ("ops", "ops-pw-1") } } });
  EXPECT_EQ (basic_viewer.connect (port, "cam").status, 201);
  // Its session answers ops only: guard may watch cam too, but neither
  // trickle into nor end someone else's session; nor may anonymous.
  const std::string session = basic_viewer.location ();
  ASSERT_FALSE (session.empty ());
  EXPECT_TRUE (std::regex_search (session, std::regex ("/[0-9a-f]{32}$")))
      << session;
  const std::string fragment = "a=ice-ufrag:x\r\na=ice-pwd:yyyyyyyyyyyyyyyyyyyyyy"
      "\r\nm=video 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:0\r\n";
  for (const auto & who : { basic_auth ("guard", "guard-pw-2"), std::string () }) {
    std::vector<std::pair<std::string, std::string>> headers {
      { "Content-Type", "application/trickle-ice-sdpfrag" } };
    if (!who.empty ())
      headers.push_back ({ "Authorization", who });
    EXPECT_EQ (http_request (port, "PATCH", session, fragment, headers)
        .status, who.empty () ? 401 : 404);
    EXPECT_EQ (http_request (port, "DELETE", session, {}, headers).status,
        who.empty () ? 401 : 404);
  }
  EXPECT_EQ (http_request (port, "DELETE", session, {}, { { "Authorization",
                basic_auth ("ops", "ops-pw-1") } }).status, 200);

  // HLS: players that cannot set headers use ?token= or the cookie.
  EXPECT_TRUE (gateway_->wait_for_log ("stream cam: HLS/DASH output started",
          10s));
  EXPECT_EQ (get ("/cam/index.m3u8").status, 401);
  EXPECT_EQ (get ("/cam/index.m3u8?token=" + token).status, 200);
  EXPECT_EQ (get ("/cam/index.m3u8?token=" + token + "x").status, 401);
  EXPECT_EQ (http_request (port, "GET", "/cam/index.m3u8", {}, { { "Cookie",
                  "camgate_token=" + token } }).status, 200);
  EXPECT_EQ (get ("/open/index.m3u8?token=" + token).status, 403);
  // The token travels on in every URI the playlists list, so a player that
  // only got the first URL keeps it on every request.
  auto multivariant = get ("/cam/index.m3u8?token=" + token);
  EXPECT_NE (multivariant.body.find ("stream.m3u8?token=" + token),
      std::string::npos) << multivariant.body;
  auto media = get ("/cam/stream.m3u8?token=" + token);
  ASSERT_EQ (media.status, 200);
  auto init = media.body.find ("URI=\"init.mp4?token=" + token + "\"");
  EXPECT_NE (init, std::string::npos) << media.body;
  EXPECT_EQ (get ("/cam/init.mp4?token=" + token).status, 200);
  EXPECT_EQ (get ("/cam/init.mp4").status, 401);
  auto mpd = get ("/cam/manifest.mpd?token=" + token);
  EXPECT_NE (mpd.body.find ("init.mp4?token=" + token), std::string::npos)
      << mpd.body;
}

TEST_F (Auth, PlayerRefusalsCarryCorsHeaders)
{
  // A page on another origin reads the status and the challenge of every
  // answer, refusals included (a 401 without CORS is "Failed to fetch").
  const int port = gateway_->http_port ();
  std::string token = token_for (R"({"user": "guard", "password":
      "guard-pw-2", "stream": "cam", "ttl": "5m"})");
  ASSERT_FALSE (token.empty ());
  const std::vector<std::pair<std::string, HttpReply>> answers = {
    { "anonymous playlist", get ("/cam/index.m3u8") },
    { "wrong token", get ("/cam/index.m3u8?token=" + token + "x") },
    { "other stream", get ("/open/stream.m3u8?token=" + token) },
    { "wrong password", get ("/cam/manifest.mpd", basic_auth ("ops", "nope")) },
    { "anonymous WHEP", http_request (port, "POST", "/cam/whep", "v=0\r\n",
          { { "Content-Type", "application/sdp" } }) },
    { "token for WHIP", http_request (port, "POST", "/live/whip", "v=0\r\n",
          { { "Content-Type", "application/sdp" },
            { "Authorization", "Bearer " + token } }) },
    { "unknown stream", get ("/nowhere/index.m3u8?token=" + token) },
  };
  for (const auto & [what, reply] : answers) {
    EXPECT_GE (reply.status, 400) << what;
    EXPECT_EQ (header_value (reply, "Access-Control-Allow-Origin"), "*")
        << what << ": " << reply.status;
    EXPECT_NE (header_value (reply, "Access-Control-Expose-Headers")
        .find ("WWW-Authenticate"), std::string::npos) << what;
  }
  // hls.js with an Authorization header preflights every URI first.
  auto preflight = http_request (port, "OPTIONS", "/cam/stream.m3u8", {},
      { { "Origin", "http://elsewhere.example" },
        { "Access-Control-Request-Method", "GET" },
        { "Access-Control-Request-Headers", "authorization" } });
  EXPECT_EQ (preflight.status, 204);
  EXPECT_EQ (header_value (preflight, "Access-Control-Allow-Origin"), "*");
  EXPECT_NE (header_value (preflight, "Access-Control-Allow-Headers")
      .find ("Authorization"), std::string::npos);
  // The API stays same-origin.
  EXPECT_EQ (header_value (get ("/api/v1/streams"),
          "Access-Control-Allow-Origin"), "");
}

TEST_F (Auth, HttpsAndRtspsServeWithTheCertificate)
{
  ASSERT_GT (gateway_->https_port (), 0);
  ASSERT_GT (gateway_->rtsps_port (), 0);
  GError *error = nullptr;
  GTlsDatabase *ca = g_tls_file_database_new (certificate_.c_str (), &error);
  ASSERT_TRUE (ca) << error->message;

  SoupSession *session = soup_session_new_with_options ("tls-database", ca,
      "timeout", 10, nullptr);
  auto fetch = [&](const std::string & host, const std::string & auth,
      guint & status) {
    std::string url = "https://" + host + ":" + std::to_string
        (gateway_->https_port ()) + "/api/v1/streams/cam";
    SoupMessage *msg = soup_message_new ("GET", url.c_str ());
    if (!auth.empty ())
      soup_message_headers_replace (soup_message_get_request_headers (msg),
          "Authorization", auth.c_str ());
    GError *e = nullptr;
    GBytes *body = soup_session_send_and_read (session, msg, nullptr, &e);
    status = soup_message_get_status (msg);
    std::string text = body ? std::string (static_cast<const char *> (
            g_bytes_get_data (body, nullptr)), g_bytes_get_size (body))
        : std::string (e ? e->message : "");
    if (body)
      g_bytes_unref (body);
    g_clear_error (&e);
    g_object_unref (msg);
    return text;
  };
  guint status = 0;
  std::string body = fetch ("localhost", basic_auth ("ops", "ops-pw-1"), status);
  EXPECT_EQ (status, 200u) << body;
  EXPECT_NE (body.find ("\"name\" : \"cam\""), std::string::npos) << body;
  fetch ("127.0.0.1", "", status);
  EXPECT_EQ (status, 401u);
  g_object_unref (session);

  // RTSPS: rtspsrc checks the certificate against the test CA.
  std::string launch = "rtspsrc name=src location=rtsps://ops:ops-pw-1@"
      "127.0.0.1:" + std::to_string (gateway_->rtsps_port ()) + "/cam "
      "protocols=tcp ! rtph264depay ! h264parse ! avdec_h264 "
      "! fakesink name=sink signal-handoffs=true";
  GstElement *pipeline = gst_parse_launch (launch.c_str (), nullptr);
  ASSERT_TRUE (pipeline);
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  g_object_set (src, "tls-database", ca, nullptr);
  gst_object_unref (src);
  std::atomic<int> frames { 0 };
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  g_signal_connect (sink, "handoff", G_CALLBACK (+[](GstElement *, GstBuffer *,
              GstPad *, gpointer counter) {
            ++*static_cast<std::atomic<int> *> (counter);
          }), &frames);
  gst_object_unref (sink);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  for (int i = 0; i < 200 && frames < 10; i++)
    std::this_thread::sleep_for (100ms);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  EXPECT_GE (frames.load (), 10) << gateway_->log ();
  g_object_unref (ca);
}

TEST_F (Auth, NoPasswordReachesTheLogOrTheApi)
{
  // A camera with credentials in its URI (unreachable: it only has to be
  // described and retried).
  auto created = http_request (gateway_->http_port (), "POST",
      "/api/v1/streams", R"({"name": "door", "source": {"uri":
      "rtsp://admin:cam-secret-9@127.0.0.1:1/stream"}})",
      { { "Authorization", basic_auth ("ops", "ops-pw-1") } });
  ASSERT_EQ (created.status, 201) << created.body;
  EXPECT_EQ (created.body.find ("cam-secret-9"), std::string::npos);
  EXPECT_NE (created.body.find ("admin:***@"), std::string::npos)
      << created.body;
  get ("/metrics", basic_auth ("ops", "wrong-pw-3"));
  rtsp_request (gateway_->rtsp_port (), "DESCRIBE", "/cam",
      "Authorization: " + basic_auth ("ops", "wrong-pw-3") + "\r\n");
  std::this_thread::sleep_for (2s);   // a retry or two of the camera
  auto metrics = get ("/metrics", basic_auth ("ops", "ops-pw-1"));
  for (const char *secret : { "cam-secret-9", "ops-pw-1", "wrong-pw-3",
          "guard-pw-2" }) {
    EXPECT_EQ (gateway_->log ().find (secret), std::string::npos) << secret;
    EXPECT_EQ (metrics.body.find (secret), std::string::npos) << secret;
  }
}

// Password checks (PBKDF2) run beside the main loop: while a user whose
// hash takes seconds to check signs in with a wrong password, by Basic and
// by the sign-in form, other requests are answered first.
TEST (AuthSlowHash, PasswordChecksDoNotHoldUpOtherRequests)
{
  TempDir dir;
  guchar salt[16] = { 1, 2, 3 }, hash[32] = { 4, 5, 6 };
  g_autofree gchar *salt64 = g_base64_encode (salt, sizeof salt);
  g_autofree gchar *hash64 = g_base64_encode (hash, sizeof hash);
  dir.write ("gateway.yaml", std::string ("users:\n"
          "  - name: slow\n    password-hash: \"pbkdf2-sha256$3000000$")
      + salt64 + "$" + hash64 + "\"\n    permissions: { \"*\": [admin] }\n");
  GatewayProcess gateway ({ "--config", dir.path () + "/gateway.yaml" });
  ASSERT_TRUE (gateway.ready ()) << gateway.log ();
  const int port = gateway.http_port ();

  std::atomic<int> finished { 0 };
  int basic_order = 0, form_order = 0;
  HttpReply basic_reply, form_reply;
  std::thread by_basic ([&] {
        basic_reply = http_request (port, "GET", "/api/v1/auth", {},
            { { "Authorization", basic_auth ("slow", "wrong") } });
        basic_order = ++finished;
      });
  std::thread by_form ([&] {
        form_reply = http_request (port, "POST", "/api/v1/auth/token",
            "{\"user\": \"slow\", \"password\": \"wrong\"}",
            { { "Content-Type", "application/json" } });
        form_order = ++finished;
      });
  std::this_thread::sleep_for (300ms);
  auto anonymous = http_request (port, "GET", "/api/v1/auth");
  const int anonymous_order = ++finished;
  by_basic.join ();
  by_form.join ();
  EXPECT_EQ (anonymous.status, 200) << anonymous.body;
  EXPECT_EQ (anonymous_order, 1) << "an anonymous request waited for "
      "password checks";
  EXPECT_EQ (basic_reply.status, 401) << basic_reply.body;
  EXPECT_EQ (form_reply.status, 401) << form_reply.body;
  EXPECT_GT (basic_order, 1);
  EXPECT_GT (form_order, 1);
}

TEST (AuthRedirect, PlainHttpIsRedirectedToHttpsWhenAsked)
{
  TempDir dir;
  std::string certificate, key, error;
  ASSERT_TRUE (ensure_self_signed (dir.path () + "/tls", certificate, key,
          error)) << error;
  dir.write ("gateway.yaml", "tls:\n  certificate: " + certificate + "\n"
      "  key: " + key + "\n  https-port: 0\n  rtsps-port: 0\n"
      "  redirect-http: true\n");
  GatewayProcess gateway ({ "--config", dir.path () + "/gateway.yaml" });
  ASSERT_TRUE (gateway.ready ()) << gateway.log ();
  auto reply = http_request (gateway.http_port (), "GET",
      "/api/v1/streams?x=1", {}, { { "Host", "127.0.0.1" } });
  EXPECT_EQ (reply.status, 308);
  EXPECT_EQ (header_value (reply, "Location"), "https://127.0.0.1:"
      + std::to_string (gateway.https_port ()) + "/api/v1/streams?x=1");
}

TEST (AuthBasicOnly, WithoutDigestSecretsRtspOffersBasicAndPlays)
{
  TempDir dir, pipes;
  pipes.write ("cam.yaml", "source: test\n");
  dir.write ("gateway.yaml", "pipelines: " + pipes.path () + "\nusers:\n"
      "  - name: viewer\n    password-hash: \"" + hash_password ("view-pw")
      + "\"\n    permissions: { cam: [read] }\n");
  GatewayProcess gateway ({ "--config", dir.path () + "/gateway.yaml" });
  ASSERT_TRUE (gateway.ready ()) << gateway.log ();
  ASSERT_TRUE (gateway.wait_running ("cam")) << gateway.log ();
  std::string challenge = rtsp_request (gateway.rtsp_port (), "DESCRIBE",
      "/cam");
  EXPECT_NE (challenge.find ("WWW-Authenticate: Basic"), std::string::npos)
      << challenge;
  EXPECT_EQ (challenge.find ("Digest"), std::string::npos) << challenge;
  Viewer viewer ("rtsp://viewer:view-pw@127.0.0.1:" + std::to_string
      (gateway.rtsp_port ()) + "/cam", "tcp");
  EXPECT_TRUE (viewer.wait_frames (10, 20s)) << viewer.error ();
}

TEST (AuthCommands, HashPasswordPrintsAUsersEntryTheGatewayTakes)
{
  TempDir dir;
  int status = -1;
  std::string entry = run_command ("printf 'sesame-42\\n' | "
      + camgate_binary () + " hash-password ops", &status);
  ASSERT_EQ (status, 0) << entry;
  EXPECT_EQ (entry.find ("sesame-42"), std::string::npos) << entry;
  dir.write ("gw.yaml", "users:\n" + entry);
  GatewayConfig config;
  std::vector<ConfigError> errors;
  ASSERT_TRUE (load_gateway_config (dir.path () + "/gw.yaml", config, errors))
      << (errors.empty () ? "" : errors.front ().to_string ()) << entry;
  ASSERT_EQ (config.users.size (), 1u);
  EXPECT_TRUE (verify_password ("sesame-42", config.users[0].password_hash));
  EXPECT_EQ (config.users[0].rtsp_digest, digest_ha1 ("ops", "sesame-42"));
  // No password on stdin, or a user name with ':': refused.
  EXPECT_NE (run_command ("true | " + camgate_binary () + " hash-password ops",
          &status), "");
  EXPECT_EQ (status, 2);
  run_command ("echo x | " + camgate_binary () + " hash-password a:b", &status);
  EXPECT_EQ (status, 2);
}

// A gateway open to the network must have users: without any it refuses
// to start on a non-loopback address and says how to add one; with one it
// starts there.
TEST (AuthCommands, AGatewayOpenToTheNetworkNeedsUsers)
{
  TempDir dir;
  int status = -1;
  const std::string ports = " --rtsp-port 0 --http-port 0 --rtmp-port 0 "
      "--rtmps-port 0 --srt-port 0";
  std::string said = run_command ("timeout -s KILL 10 " + camgate_binary ()
      + " --pipelines " + dir.path () + " --bind 0.0.0.0" + ports + " 2>&1",
      &status);
  EXPECT_EQ (status, 1) << said;
  EXPECT_NE (said.find ("refusing to listen on 0.0.0.0 with no users"),
      std::string::npos) << said;
  EXPECT_NE (said.find ("camgate hash-password"), std::string::npos) << said;
  said = run_command ("timeout -s KILL 10 " + camgate_binary () + " --pipelines "
      + dir.path () + " --bind ::" + ports + " 2>&1", &status);
  EXPECT_EQ (status, 1) << said;
  // Loopback stays open without users (the default bind).
  GatewayProcess local ({ "--pipelines", dir.path (), "--bind", "::1" });
  EXPECT_TRUE (local.ready ()) << local.log ();
  dir.write ("gw.yaml", "users:\n  - name: ops\n    password-hash: \""
      + hash_password ("ops-pw") + "\"\n    permissions: { '*': [admin] }\n");
  GatewayProcess open ({ "--config", dir.path () + "/gw.yaml", "--bind",
        "0.0.0.0" });
  EXPECT_TRUE (open.ready ()) << open.log ();
}

TEST (AuthCommands, SelfSignedMakesACertificateAndServesHttps)
{
  TempDir dir;
  dir.write ("gw.yaml", "tls:\n  https-port: 0\n  rtsps-port: 0\n");
  int status = -1;
  // Runs for 3 s in its own folder, then timeout stops it.
  std::string out = run_command ("cd " + dir.path () + " && timeout 3 "
      + camgate_binary () + " --self-signed --config gw.yaml --rtsp-port 0 "
      "--http-port 0 2>&1", &status);
  EXPECT_EQ (status, 124) << out;
  EXPECT_NE (out.find ("https://127.0.0.1:"), std::string::npos) << out;
  EXPECT_NE (out.find ("rtsps://127.0.0.1:"), std::string::npos) << out;
  GError *error = nullptr;
  GTlsCertificate *certificate = g_tls_certificate_new_from_files (
      (dir.path () + "/tls/camgate-cert.pem").c_str (),
      (dir.path () + "/tls/camgate-key.pem").c_str (), &error);
  ASSERT_TRUE (certificate) << (error ? error->message : "");
  // Valid for the loopback address it was made for.
  GSocketConnectable *identity = g_network_address_new ("127.0.0.1", 0);
  GTlsCertificateFlags flags = g_tls_certificate_verify (certificate, identity,
      certificate);
  EXPECT_EQ (flags & G_TLS_CERTIFICATE_BAD_IDENTITY, 0) << flags;
  g_object_unref (identity);
  g_object_unref (certificate);
  // The key is its owner's only.
  EXPECT_EQ (std::filesystem::status (dir.path () + "/tls/camgate-key.pem")
      .permissions () & std::filesystem::perms::others_read,
      std::filesystem::perms::none);
}
