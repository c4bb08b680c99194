// Users, passwords, tokens and permissions (AccessControl), the users:/tls:
// config, and the stream management API's file writes (PipelineStore).
#include "auth/access_control.h"
#include "auth/digest_nonce.h"
#include "auth/password_hash.h"
#include "config/gateway_config.h"
#include "config/pipeline_file.h"
#include "config/pipeline_store.h"
#include "config/text_helpers.h"
#include "http/hls_routes.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>

using namespace camgate;

namespace {

UserSpec
user (const std::string & name, const std::string & password,
    std::vector<StreamGrant> grants)
{
  return { name, password.empty () ? "" : hash_password (password), "",
    std::move (grants) };
}

std::string
read_file (const std::string & path)
{
  std::ifstream in (path);
  return std::string ((std::istreambuf_iterator<char> (in)),
      std::istreambuf_iterator<char> ());
}

struct TempFolder
{
  TempFolder ()
  {
    g_autofree gchar *made = g_dir_make_tmp ("camgate-store-XXXXXX", nullptr);
    path = made;
  }
  ~TempFolder () { std::filesystem::remove_all (path); }
  std::vector<std::string> files () const
  {
    std::vector<std::string> out;
    for (const auto & e : std::filesystem::directory_iterator (path))
      out.push_back (e.path ().filename ().string ());
    std::sort (out.begin (), out.end ());
    return out;
  }
  std::string path;
};

}  // namespace

TEST (PasswordHash, VerifiesTheRightPasswordOnly)
{
  std::string stored = hash_password ("correct horse");
  EXPECT_TRUE (g_str_has_prefix (stored.c_str (), "pbkdf2-sha256$"));
  EXPECT_EQ (stored.find ("correct"), std::string::npos);
  EXPECT_TRUE (verify_password ("correct horse", stored));
  EXPECT_FALSE (verify_password ("correct horsE", stored));
  EXPECT_FALSE (verify_password ("", stored));
  // Two hashes of one password differ (random salt).
  EXPECT_NE (stored, hash_password ("correct horse"));
  EXPECT_FALSE (verify_password ("x", "plain-text"));
  EXPECT_FALSE (is_password_hash ("pbkdf2-sha256$10$AAAA$AAAA"));
}

TEST (PasswordHash, MatchesAnIndependentPbkdf2)
{
  // Python: base64(hashlib.pbkdf2_hmac('sha256', b'secret',
  //   b'0123456789abcdef', 1000))
  gchar *salt = g_base64_encode (reinterpret_cast<const guchar *> (
          "0123456789abcdef"), 16);
  std::string stored = std::string ("pbkdf2-sha256$1000$") + salt
      + "$tiKWHy4FAGCWE8gn6GtKhaxD2OeeAUUWXFT/p1aaNl8=";
  g_free (salt);
  EXPECT_TRUE (verify_password ("secret", stored));
  EXPECT_FALSE (verify_password ("secreT", stored));
}

TEST (PasswordHash, DigestHa1IsMd5OfUserRealmPassword)
{
  // Python: hashlib.md5(b'admin:camgate:secret').hexdigest()
  EXPECT_EQ (digest_ha1 ("admin", "secret"),
      "edfff5b46bd7e243a91aaaa9b114b1d4");
}

TEST (AccessControl, OpenWithoutUsers)
{
  AccessControl access;
  EXPECT_FALSE (access.enabled ());
  EXPECT_TRUE (access.allowed (access.anonymous (), "cam", kPermAdmin));
}

TEST (AccessControl, PermissionsFollowPatterns)
{
  AccessControl access ({
        user ("ops", "pw", { { "*", kPermAdmin } }),
        user ("guard", "pw", { { "lobby-*", kPermRead },
                { "dock", kPermRead | kPermRecord } }),
        user (kAnonymousUser, "", { { "demo", kPermRead } }) });
  const UserSpec *ops = access.login ("ops", "pw");
  const UserSpec *guard = access.login ("guard", "pw");
  ASSERT_TRUE (ops && guard);
  EXPECT_EQ (access.login ("guard", "wrong"), nullptr);
  EXPECT_EQ (access.login ("nobody", "pw"), nullptr);
  EXPECT_EQ (access.login (kAnonymousUser, ""), nullptr);

  Identity g { guard, {} }, o { ops, {} };
  EXPECT_TRUE (access.allowed (g, "lobby-1", kPermRead));
  EXPECT_FALSE (access.allowed (g, "lobby-1", kPermPublish));
  EXPECT_FALSE (access.allowed (g, "garage", kPermRead));
  EXPECT_TRUE (access.allowed (g, "dock", kPermRecord));
  EXPECT_FALSE (access.allowed (g, "", kPermApi));
  // admin implies every other permission, on the gateway ("") too.
  EXPECT_TRUE (access.allowed (o, "anything", kPermPublish | kPermApi));
  EXPECT_TRUE (access.allowed (o, "", kPermApi));
  EXPECT_TRUE (access.allowed (access.anonymous (), "demo", kPermRead));
  EXPECT_FALSE (access.allowed (access.anonymous (), "lobby-1", kPermRead));
  EXPECT_FALSE (access.allowed (Identity {}, "demo", kPermRead));
  // A cached login still refuses a wrong password.
  EXPECT_EQ (access.login ("guard", "pw2"), nullptr);
}

TEST (AccessControl, VerdictsAreCachedSoTheyCanBeCheckedAhead)
{
  AccessControl access ({ user ("ops", "pw", { { "*", kPermAdmin } }) });
  EXPECT_FALSE (access.login_is_cached ("ops", "pw"));
  EXPECT_FALSE (access.login_is_cached ("ops", "wrong"));
  EXPECT_FALSE (access.login_is_cached ("nobody", "pw"));
  ASSERT_NE (access.login ("ops", "pw"), nullptr);
  EXPECT_EQ (access.login ("ops", "wrong"), nullptr);
  EXPECT_EQ (access.login ("nobody", "pw"), nullptr);
  // Each answer is cached, a refusal as a refusal.
  EXPECT_TRUE (access.login_is_cached ("ops", "pw"));
  EXPECT_TRUE (access.login_is_cached ("ops", "wrong"));
  EXPECT_TRUE (access.login_is_cached ("nobody", "pw"));
  EXPECT_NE (access.login ("ops", "pw"), nullptr);
  EXPECT_EQ (access.login ("ops", "wrong"), nullptr);
  EXPECT_FALSE (access.login_is_cached ("ops", "other"));
}

// A new list (the cluster's users) takes effect at once: a remembered
// login of the old password is not honoured, pointers given out stay valid.
TEST (AccessControl, ReplacedUsersForgetRememberedLogins)
{
  AccessControl access ({ user ("ops", "old", { { "*", kPermAdmin } }) });
  const UserSpec *before = access.login ("ops", "old");
  ASSERT_NE (before, nullptr);
  access.replace_users ({ user ("ops", "new", { { "*", kPermRead } }),
      user ("alice", "pw", { { "lobby", kPermRead } }) });
  EXPECT_FALSE (access.login_is_cached ("ops", "old"));
  EXPECT_EQ (access.login ("ops", "old"), nullptr);
  const UserSpec *after = access.login ("ops", "new");
  ASSERT_NE (after, nullptr);
  EXPECT_EQ (access.permissions ({ after, {} }, "cam"), (unsigned) kPermRead);
  EXPECT_NE (access.login ("alice", "pw"), nullptr);
  EXPECT_EQ (before->name, "ops");   // the old list is still there
  access.replace_users ({});
  EXPECT_FALSE (access.enabled ());
}

// The users the cluster keeps read back as they were written.
TEST (ClusterUsersText, ReadsBackAsWritten)
{
  std::vector<UserSpec> users { user ("ops", "pw", { { "*", kPermAdmin } }),
    user ("alice", "pw2", { { "lobby-*", kPermRead | kPermControl } }) };
  users[1].rtsp_digest = std::string (32, 'a');
  std::vector<UserSpec> back;
  std::vector<ConfigError> errors;
  ASSERT_TRUE (parse_users (users_text (users), "etcd", back, errors))
      << (errors.empty () ? "" : errors[0].to_string ());
  ASSERT_EQ (back.size (), 2u);
  EXPECT_EQ (back[1].name, "alice");
  EXPECT_EQ (back[1].password_hash, users[1].password_hash);
  EXPECT_EQ (back[1].rtsp_digest, users[1].rtsp_digest);
  ASSERT_EQ (back[1].grants.size (), 1u);
  EXPECT_EQ (back[1].grants[0].pattern, "lobby-*");
  EXPECT_EQ (back[1].grants[0].permissions, (unsigned) (kPermRead | kPermControl));
  EXPECT_FALSE (parse_users ("users: [ { name: x } ]", "etcd", back, errors));
  EXPECT_FALSE (parse_users ("[1", "etcd", back, errors));
  EXPECT_FALSE (parse_users ("rtsp-port: 1", "etcd", back, errors));
}

TEST (DigestNonces, BoundToTheClientAndShortLived)
{
  DigestNonces nonces;
  const gint64 now = 1800000000;
  const std::string nonce = nonces.make ("192.0.2.1", now);
  EXPECT_EQ (nonce.size (), 48u);
  EXPECT_TRUE (nonces.valid (nonce, "192.0.2.1", now));
  EXPECT_TRUE (nonces.valid (nonce, "192.0.2.1",
          now + DigestNonces::kLifetimeS - 1));
  // Expired, from the future, from another address, or from another key.
  EXPECT_FALSE (nonces.valid (nonce, "192.0.2.1",
          now + DigestNonces::kLifetimeS));
  EXPECT_FALSE (nonces.valid (nonce, "192.0.2.1", now - 1));
  EXPECT_FALSE (nonces.valid (nonce, "192.0.2.2", now));
  EXPECT_FALSE (DigestNonces ().valid (nonce, "192.0.2.1", now));
  // A stamp moved forward does not carry its signature along.
  std::string forged = nonces.make ("192.0.2.1", now - 3600);
  forged.replace (0, 16, nonce.substr (0, 16));
  EXPECT_FALSE (nonces.valid (forged, "192.0.2.1", now));
  EXPECT_FALSE (nonces.valid (nonce.substr (0, 47), "192.0.2.1", now));
}

TEST (AccessControl, TokensAreSignedExpireAndCanBeLimitedToAStream)
{
  AccessControl access ({ user ("ops", "pw", { { "*", kPermRead } }) });
  const UserSpec *ops = access.find ("ops");
  Identity who;
  std::string token = access.issue_token (*ops, 60, "");
  ASSERT_TRUE (access.verify_token (token, who));
  EXPECT_EQ (who.user, ops);
  EXPECT_TRUE (access.allowed (who, "cam", kPermRead));

  std::string limited = access.issue_token (*ops, 60, "cam");
  ASSERT_TRUE (access.verify_token (limited, who));
  EXPECT_TRUE (access.allowed (who, "cam", kPermRead));
  EXPECT_FALSE (access.allowed (who, "cam2", kPermRead));

  // Tampered: another payload with the old signature, a flipped signature.
  std::string forged = access.issue_token (*ops, 60, "");
  forged[forged.find ('.') + 2] ^= 1;
  EXPECT_FALSE (access.verify_token (forged, who));
  std::string payload_swap = limited.substr (0, limited.find ('.'))
      + token.substr (token.find ('.'));
  EXPECT_FALSE (access.verify_token (payload_swap, who));
  EXPECT_FALSE (access.verify_token ("", who));
  EXPECT_FALSE (access.verify_token ("a.b", who));
  // Expired (a lifetime of 0 s ends now).
  EXPECT_FALSE (access.verify_token (access.issue_token (*ops, 0, ""), who));
  // Another gateway (another key) does not take it.
  AccessControl other ({ user ("ops", "pw", { { "*", kPermRead } }) });
  EXPECT_FALSE (other.verify_token (token, who));
}

TEST (GatewayConfigUsers, ParsesUsersAndTls)
{
  TempFolder dir;
  std::string hash = hash_password ("pw");
  std::ofstream (dir.path + "/gw.yaml") << "users:\n"
      "  - name: ops\n    password-hash: \"" << hash << "\"\n"
      "    rtsp-digest: \"" << digest_ha1 ("ops", "pw") << "\"\n"
      "    permissions: { \"*\": [admin], \"x\": [read, publish] }\n"
      "  - name: anonymous\n    permissions: { demo: [read] }\n"
      "tls:\n  certificate: c.pem\n  key: k.pem\n  https-port: 0\n"
      "  redirect-http: true\n";
  GatewayConfig config;
  std::vector<ConfigError> errors;
  ASSERT_TRUE (load_gateway_config (dir.path + "/gw.yaml", config, errors))
      << errors.front ().to_string ();
  ASSERT_EQ (config.users.size (), 2u);
  EXPECT_EQ (config.users[0].grants.size (), 2u);
  EXPECT_EQ (config.users[1].name, "anonymous");
  EXPECT_EQ (config.tls.certificate, dir.path + "/c.pem");
  EXPECT_EQ (config.tls.https_port, 0);
  EXPECT_EQ (config.tls.rtsps_port, 8322);
  EXPECT_TRUE (config.tls.redirect_http);
}

TEST (GatewayConfigUsers, RefusesPlainPasswordsAndUnknownPermissions)
{
  TempFolder dir;
  std::ofstream (dir.path + "/gw.yaml") << "users:\n"
      "  - name: ops\n    password-hash: hunter2\n"
      "    permissions: { \"*\": [reed] }\n"
      "  - name: anonymous\n    password-hash: \"" << hash_password ("x")
      << "\"\n    permissions: {}\n"
      "  - name: nopw\n    permissions: { \"*\": [read] }\n"
      "tls:\n  certificate: c.pem\n";
  GatewayConfig config;
  std::vector<ConfigError> errors;
  EXPECT_FALSE (load_gateway_config (dir.path + "/gw.yaml", config, errors));
  std::string all;
  for (const auto & e : errors)
    all += e.to_string () + "\n";
  EXPECT_NE (all.find ("users[0].password-hash: not a pbkdf2-sha256 hash"),
      std::string::npos) << all;
  EXPECT_NE (all.find ("unknown permission 'reed'"), std::string::npos) << all;
  EXPECT_NE (all.find ("the anonymous user has no password"),
      std::string::npos) << all;
  EXPECT_NE (all.find ("users[2].password-hash: missing"), std::string::npos)
      << all;
  EXPECT_NE (all.find ("tls: needs both certificate and key"),
      std::string::npos) << all;
  EXPECT_EQ (all.find ("hunter2"), std::string::npos) << "a password in a "
      "message: " << all;
}

TEST (PipelineStore, CreatesReplacesMergesAndRemovesFiles)
{
  TempFolder dir;
  PipelineStore store (dir.path);
  auto created = store.create (R"({"name": "door", "source": {"uri":
      "rtsps://cam/1", "transport": "tcp", "tls-verify": false, "latency": 200},
      "outputs": {"hls": {}}})", {}, false);
  ASSERT_EQ (created.outcome, StoreOutcome::Created) << created.errors.front ();
  EXPECT_EQ (created.file, dir.path + "/door.yaml");
  std::string text = read_file (created.file);
  // Written as block YAML, without the name (the file names the stream).
  EXPECT_EQ (text.find ('"'), std::string::npos) << text;
  EXPECT_EQ (text.find ("name:"), std::string::npos) << text;
  EXPECT_NE (text.find ("transport: tcp"), std::string::npos) << text;
  // JSON numbers and booleans become the YAML the parser takes.
  EXPECT_NE (text.find ("tls-verify: false"), std::string::npos) << text;
  EXPECT_NE (text.find ("latency: 200"), std::string::npos) << text;

  EXPECT_EQ (store.create (R"({"name": "door", "source": "test"})",
          { "door" }, false).outcome, StoreOutcome::Conflict);
  EXPECT_EQ (store.create (R"({"name": "../x", "source": "test"})", {}, false)
      .outcome, StoreOutcome::Invalid);

  auto patched = store.replace ("door", created.file,
      R"({"source": {"transport": null}, "outputs": {"hls": null},
          "record": {"keep": "1d"}})", true, false);
  ASSERT_EQ (patched.outcome, StoreOutcome::Done) << patched.errors.front ();
  text = read_file (created.file);
  EXPECT_NE (text.find ("rtsps://cam/1"), std::string::npos) << text;
  EXPECT_EQ (text.find ("transport"), std::string::npos) << text;
  EXPECT_EQ (text.find ("hls"), std::string::npos) << text;
  EXPECT_NE (text.find ("keep: 1d"), std::string::npos) << text;

  auto replaced = store.replace ("door", created.file,
      R"({"source": "test"})", false, false);
  ASSERT_EQ (replaced.outcome, StoreOutcome::Done);
  EXPECT_EQ (read_file (created.file), "source: test\n");
  EXPECT_EQ (store.replace ("door", created.file,
          R"({"name": "other", "source": "test"})", false, false).outcome, StoreOutcome::Invalid);

  EXPECT_EQ (store.remove ("door", created.file).outcome, StoreOutcome::Done);
  EXPECT_TRUE (dir.files ().empty ());
}

// One rule for stream names: what the API may create, a pipeline file may
// name (the store once took "-cam", whose file the reader then refused).
TEST (PipelineStore, StreamNamesFollowTheFileRule)
{
  TempFolder dir;
  PipelineStore store (dir.path);
  for (const char *bad : { "-cam", ".cam", "", "a/b", "c am" }) {
    EXPECT_EQ (store.create (std::string ("{\"name\": \"") + bad
            + "\", \"source\": \"test\"}", {}, false).outcome, StoreOutcome::Invalid) << bad;
    EXPECT_FALSE (is_valid_stream_name (bad)) << bad;
  }
  EXPECT_TRUE (dir.files ().empty ());
  auto made = store.create (R"({"name": "cam-1.b_2", "source": "test"})", {},
      false);
  ASSERT_EQ (made.outcome, StoreOutcome::Created);
  StreamSpec spec;
  std::vector<ConfigError> errors;
  EXPECT_TRUE (parse_pipeline_file (made.file, spec, errors))
      << (errors.empty () ? "" : errors[0].to_string ());
  EXPECT_EQ (spec.name, "cam-1.b_2");
  EXPECT_FALSE (is_valid_stream_name (std::string (65, 'a')));
}

TEST (PipelineStore, InvalidInputLeavesNoFileBehind)
{
  TempFolder dir;
  PipelineStore store (dir.path);
  auto bad = store.create (R"({"name": "door", "source": {"uri": "http://x"},
      "outputs": {"hlz": {}}})", {}, false);
  EXPECT_EQ (bad.outcome, StoreOutcome::Invalid);
  ASSERT_EQ (bad.errors.size (), 2u);
  EXPECT_EQ (bad.errors[0].rfind ("source.uri: unsupported scheme", 0), 0u)
      << bad.errors[0];
  EXPECT_NE (bad.errors[1].find ("'outputs.hls'"), std::string::npos);
  EXPECT_EQ (store.create ("{not json", {}, false).outcome, StoreOutcome::Invalid);
  EXPECT_EQ (store.create ("[1, 2]", {}, false).outcome, StoreOutcome::Invalid);
  // YAML is not taken: its aliases could blow a small body up.
  EXPECT_EQ (store.create ("a: &a [x, x]\nb: &b [*a, *a]\nname: door\n"
          "source: test\n", {}, false).outcome, StoreOutcome::Invalid);
  EXPECT_EQ (store.create ("{\"name\": \"door\", \"source\": \"test\", "
          "\"x\": \"" + std::string (70000, 'a') + "\"}", {}, false).outcome, StoreOutcome::Invalid);
  EXPECT_TRUE (dir.files ().empty ());

  // A refused change keeps the file as it was.
  auto good = store.create (R"({"name": "door", "source": "test"})", {}, false);
  ASSERT_EQ (good.outcome, StoreOutcome::Created);
  std::string before = read_file (good.file);
  EXPECT_EQ (store.replace ("door", good.file,
          R"({"health": {"max-gop": "soon"}})", true, false).outcome, StoreOutcome::Invalid);
  EXPECT_EQ (read_file (good.file), before);
  EXPECT_EQ (dir.files (), std::vector<std::string> { "door.yaml" });

  // Without a pipelines folder there is nowhere to write.
  EXPECT_EQ (PipelineStore ("").create (R"({"name": "x", "source": "test"})",
          {}, false).outcome, StoreOutcome::Conflict);
}

TEST (PipelineStore, GstLaunchPipelinesOnlyFromAdminsWhereAllowed)
{
  TempFolder dir;
  const std::string body = R"({"name": "lobby-z", "source": {"pipeline":
      "filesrc location=/etc/shadow ! fakesink"}})";
  // Off by default: nobody, not even an admin, writes one through the API.
  PipelineStore closed (dir.path);
  auto refused = closed.create (body, {}, true);
  EXPECT_EQ (refused.outcome, StoreOutcome::NotAllowed);
  ASSERT_FALSE (refused.errors.empty ());
  EXPECT_NE (refused.errors[0].find ("api-pipelines"), std::string::npos);
  // Allowed by the gateway: admins only.
  PipelineStore open (dir.path, true);
  EXPECT_EQ (open.create (body, {}, false).outcome, StoreOutcome::NotAllowed);
  EXPECT_TRUE (dir.files ().empty ());
  auto made = open.create (body, {}, true);
  ASSERT_EQ (made.outcome, StoreOutcome::Created);
  // Others may still change the rest of a stream whose pipeline the
  // operator wrote, never the pipeline itself.
  EXPECT_EQ (closed.replace ("lobby-z", made.file, R"({"outputs": {"hls":
      {}}})", true, false).outcome, StoreOutcome::Done);
  EXPECT_EQ (closed.replace ("lobby-z", made.file, R"({"source": {"pipeline":
      "videotestsrc ! x264enc ! rtph264pay"}})", true, false).outcome, StoreOutcome::NotAllowed);
}

TEST (PipelineStore, NestedJsonAndControlCharactersAreRefused)
{
  TempFolder dir;
  PipelineStore store (dir.path);
  std::string deep = "{\"name\": \"x\", \"source\": \"test\", \"y\": "
      + std::string (16000, '[') + std::string (16000, ']') + "}";
  auto nested = store.create (deep, {}, true);
  EXPECT_EQ (nested.outcome, StoreOutcome::Invalid);
  ASSERT_FALSE (nested.errors.empty ());
  EXPECT_NE (nested.errors[0].find ("nested"), std::string::npos);
  // Brackets inside strings are text, not nesting.
  EXPECT_EQ (camgate::json_nesting_depth (R"({"a": "[[[[{{{{", "b": [1]})"),
      2u);
  // JSON escapes, decoded into CR/LF, ESC and TAB.
  for (const char *uri : { "rtsp://cam/a\\r\\nSET_PARAMETER x RTSP/1.0",
          "rtsp://cam/a\\u001b", "rtsp://cam/\\t" }) {
    auto bad = store.create (std::string (R"({"name": "cam", "source":
        {"uri": ")") + uri + "\"}}", {}, true);
    EXPECT_EQ (bad.outcome, StoreOutcome::Invalid) << uri;
    ASSERT_FALSE (bad.errors.empty ());
    EXPECT_NE (bad.errors[0].find ("control character"), std::string::npos)
        << bad.errors[0];
  }
  EXPECT_TRUE (dir.files ().empty ());
}

TEST (PipelineStore, RecordPathStaysInsideTheStreamsRecordingsFolder)
{
  TempFolder dir;
  PipelineStore store (dir.path);
  for (const char *path : { "/etc/cron.d/x.mp4", "../other/%H.mp4",
          "a/../../b.mp4", "./%H.mp4", "a//b.mp4", "%H-%M.yaml", "" }) {
    auto bad = store.create (std::string (R"({"name": "cam", "source":
        "test", "record": {"path": ")") + path + "\"}}", {}, true);
    EXPECT_EQ (bad.outcome, StoreOutcome::Invalid) << path;
  }
  EXPECT_TRUE (dir.files ().empty ());
  EXPECT_EQ (store.create (R"({"name": "cam", "source": "test", "record":
      {"path": "<stream>/%Y/%H-%M-%S.mp4"}})", {}, false).outcome, StoreOutcome::Created);
}

TEST (ApiDescription, OpenApiFileDescribesTheManagementRoutes)
{
  const char *root = g_getenv ("CAMGATE_SOURCE_ROOT");
  if (!root)
    GTEST_SKIP () << "CAMGATE_SOURCE_ROOT is not set";
  YAML::Node doc = YAML::LoadFile (std::string (root) + "/docs/openapi.yaml");
  EXPECT_EQ (doc["openapi"].as<std::string> ().rfind ("3.", 0), 0u);
  const YAML::Node paths = doc["paths"];
  const std::vector<std::pair<std::string, std::vector<std::string>>> routes = {
    { "/api/v1/streams", { "get", "post" } },
    { "/api/v1/streams/{name}", { "get", "put", "patch", "delete" } },
    { "/api/v1/streams/{name}/snapshot.jpg", { "get" } },
    { "/api/v1/streams/{name}/ptz", { "post" } },
    { "/api/v1/streams/{name}/ptz/presets", { "get" } },
    { "/api/v1/cameras/{id}/add", { "post" } },
    { "/api/v1/auth/token", { "post" } },
    { "/api/v1/events", { "get" } },
    { "/api/v1/onvif/events/{token}", { "post" } },
    { "/api/v1/cluster", { "get" } },
    { "/api/v1/cluster/rebalance", { "post" } },
    { "/api/v1/system", { "get" } },
    { "/api/v1/system/log", { "get" } },
  };
  for (const auto & [path, methods] : routes)
    for (const auto & method : methods)
      EXPECT_TRUE (paths[path] && paths[path][method]) << method << " " << path;
}

TEST (HlsToken, EveryListedUriCarriesTheToken)
{
  const std::string playlist = "#EXTM3U\n#EXT-X-MAP:URI=\"init.mp4\"\n"
      "#EXT-X-PART:DURATION=0.2,URI=\"part30.m4s\",INDEPENDENT=YES\n"
      "#EXTINF:2.0,\nseg3.m4s\n"
      "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part41.m4s\"\n"
      "#EXT-X-RENDITION-REPORT:URI=\"other.m3u8?x=1\",LAST-MSN=4\n";
  EXPECT_EQ (HlsRoutes::with_token (playlist, "t.k", false),
      "#EXTM3U\n#EXT-X-MAP:URI=\"init.mp4?token=t.k\"\n"
      "#EXT-X-PART:DURATION=0.2,URI=\"part30.m4s?token=t.k\",INDEPENDENT=YES\n"
      "#EXTINF:2.0,\nseg3.m4s?token=t.k\n"
      "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part41.m4s?token=t.k\"\n"
      "#EXT-X-RENDITION-REPORT:URI=\"other.m3u8?x=1&token=t.k\",LAST-MSN=4\n");
  EXPECT_EQ (HlsRoutes::with_token (playlist, "", false), playlist);
  EXPECT_EQ (HlsRoutes::with_token ("<SegmentTemplate media=\"seg$Number$.m4s\" "
          "initialization=\"init.mp4\"/>", "t", true),
      "<SegmentTemplate media=\"seg$Number$.m4s?token=t\" "
      "initialization=\"init.mp4?token=t\"/>");
}

TEST (AccessControl, TooManyWrongPasswordsBlockTheAddressForAMinute)
{
  AccessControl access ({ user ("ops", "pw", { { "*", kPermRead } }) });
  for (unsigned i = 0; i + 1 < AccessControl::kMaxFailures; i++)
    access.record_failure ("10.0.0.5");
  EXPECT_EQ (access.blocked_for_s ("10.0.0.5"), 0u);
  access.record_failure ("10.0.0.5");
  unsigned left = access.blocked_for_s ("10.0.0.5");
  EXPECT_GT (left, 50u);
  EXPECT_LE (left, 60u);
  EXPECT_EQ (access.blocked_for_s ("10.0.0.6"), 0u);

  // Failures from thousands of other addresses never lift the block.
  for (int i = 0; i < 10000; i++)
    access.record_failure ("192.0." + std::to_string (i / 256) + "."
        + std::to_string (i % 256));
  EXPECT_GT (access.blocked_for_s ("10.0.0.5"), 50u);
  // A new guesser is still counted and blocked.
  for (unsigned i = 0; i < AccessControl::kMaxFailures; i++)
    access.record_failure ("198.51.100.7");
  EXPECT_GT (access.blocked_for_s ("198.51.100.7"), 50u);
  EXPECT_GT (access.blocked_for_s ("10.0.0.5"), 50u);
}
