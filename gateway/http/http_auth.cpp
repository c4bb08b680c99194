#include "http/http_auth.h"

#include "config/text_helpers.h"
#include "http/http_server.h"
#include "http/json_text.h"
#include "http/parked_message.h"

#include <json-glib/json-glib.h>

#include <memory>

namespace camgate {

namespace {

constexpr guint kTooManyRequests = 429;  // RFC 6585; libsoup has no name
constexpr uint32_t kDefaultTtlS = 3600;
constexpr uint32_t kMaxTtlS = 7 * 24 * 3600;
constexpr uint32_t kStreamTokenMaxTtlS = 3600;

std::string
request_header (SoupServerMessage * message, const char *name)
{
  const char *value = soup_message_headers_get_one (
      soup_server_message_get_request_headers (message), name);
  return value ? value : "";
}

std::string
cookie_token (SoupServerMessage * message)
{
  std::string header = request_header (message, "Cookie");
  std::string out;
  if (header.empty ())
    return out;
  GHashTable *cookies = soup_header_parse_semi_param_list (header.c_str ());
  if (auto *value = static_cast<const char *> (g_hash_table_lookup (cookies,
              kTokenCookie)))
    out = value;
  soup_header_free_param_list (cookies);
  return out;
}

void
set_cookie (SoupServerMessage * message, const std::string & value,
    uint32_t max_age)
{
  const bool https = g_str_equal (g_uri_get_scheme (
          soup_server_message_get_uri (message)), "https");
  std::string cookie = std::string (kTokenCookie) + "=" + value
      + "; Path=/; HttpOnly; SameSite=Strict; Max-Age="
      + std::to_string (max_age) + (https ? "; Secure" : "");
  soup_message_headers_append (soup_server_message_get_response_headers
      (message), "Set-Cookie", cookie.c_str ());
}

void
add_identity (JsonBuilder * b, AccessControl & access, const Identity & who)
{
  json_builder_set_member_name (b, "auth");
  json_builder_add_boolean_value (b, access.enabled ());
  json_builder_set_member_name (b, "user");
  if (who.user)
    json_builder_add_string_value (b, who.user->name.c_str ());
  else
    json_builder_add_null_value (b);
  // Permissions on the gateway itself (stream management, cameras, metrics).
  json_member (b, "permissions", permission_names (access.permissions (who,
              "")));
}

// POST /api/v1/auth/token: {"user", "password"} in a JSON body (the panel's
// login form) or Basic; optional "ttl" ("10m", seconds) and "stream".
// What POST /api/v1/auth/token asks for (every field may be empty).
struct TokenRequest
{
  std::string user, password, stream;
  std::string ttl_text;            // "10m", a number of seconds as "600s"
};

// False when the body is not empty and not a JSON object.
bool
read_token_request (const std::string & text, TokenRequest & out)
{
  if (text.empty ())
    return true;
  JsonParser *parser = json_parser_new ();
  bool ok = json_parser_load_from_data (parser, text.c_str (), text.size (),
      nullptr) && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser));
  if (ok) {
    JsonObject *o = json_node_get_object (json_parser_get_root (parser));
    for (auto [key, target] : { std::pair { "user", &out.user }, std::pair {
                "password", &out.password }, std::pair { "stream",
                &out.stream } })
      *target = json_string_member (o, key);
    // "10m", or a number of seconds.
    if (JsonNode *n = json_object_get_member (o, "ttl")) {
      out.ttl_text = json_string_member (o, "ttl");
      if (JSON_NODE_HOLDS_VALUE (n)
          && json_node_get_value_type (n) == G_TYPE_INT64)
        out.ttl_text = std::to_string (json_node_get_int (n)) + "s";
      else if (out.ttl_text.empty ())
        out.ttl_text = "?";          // refused by the caller with the reason
    }
  }
  g_object_unref (parser);
  return ok;
}

void
issue_token (AccessControl & access, SoupServerMessage * message,
    const Identity & caller, Credentials credentials)
{
  TokenRequest asked;
  if (!read_token_request (request_body (message), asked))
    return send_error (message, SOUP_STATUS_BAD_REQUEST,
        "expected a JSON object such as {\"user\": ..., \"password\": ...}");
  const std::string & user = asked.user, & stream = asked.stream;
  const std::string & ttl_text = asked.ttl_text;
  uint32_t ttl_s = kDefaultTtlS;
  if (!ttl_text.empty ()) {
    auto ms = parse_duration_ms (ttl_text);
    if (!ms || *ms < 1000 || *ms / 1000 > kMaxTtlS)
      return send_error (message, SOUP_STATUS_BAD_REQUEST, "ttl: expected a "
          "duration from 1s to 7d, got '" + ttl_text + "'");
    ttl_s = static_cast<uint32_t> (*ms / 1000);
  }

  // Without users there is nobody to sign in (and no failure to count).
  if (!access.enabled ())
    return send_error (message, SOUP_STATUS_CONFLICT, "authentication is off "
        "(no users: in the gateway config): no token needed");
  const UserSpec *holder = nullptr;
  if (!user.empty ()) {
    const std::string address = client_address (message);
    if (access.blocked_for_s (address))
      return refuse_blocked (access, message);
    holder = access.login (user, asked.password);
    if (!holder)
      access.record_failure (address);
  } else if (credentials == Credentials::Valid && caller.user) {
    // Already signed in (Basic, or a token for a stream-limited token).
    std::string auth = request_header (message, "Authorization");
    bool by_password = g_str_has_prefix (auth.c_str (), "Basic ");
    if (!by_password) {
      // A token only ever yields a shorter, narrower one.
      if (stream.empty () || !caller.only_stream.empty ())
        return send_error (message, SOUP_STATUS_FORBIDDEN, "a token can only "
            "be exchanged for a token for one stream; sign in with a "
            "password for more");
      ttl_s = std::min (ttl_s, kStreamTokenMaxTtlS);
    }
    holder = caller.user;
  }
  if (!holder) {
    soup_message_headers_replace (soup_server_message_get_response_headers
        (message), "WWW-Authenticate", "Bearer realm=\"camgate\"");
    return send_error (message, SOUP_STATUS_UNAUTHORIZED,
        "wrong user or password");
  }
  if (!stream.empty () && !access.allowed ({ holder, {} }, stream, kPermRead)
      && !access.allowed ({ holder, {} }, stream, kPermPublish))
    return send_error (message, SOUP_STATUS_FORBIDDEN, "user '" + holder->name
        + "' may not read or publish '" + stream + "'");

  std::string token = access.issue_token (*holder, ttl_s, stream);
  // The cookie makes the panel's own players (hls.js, <video>) work; a
  // stream-limited token is for an outside player and sets none.
  if (stream.empty ())
    set_cookie (message, token, ttl_s);
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  json_member (b, "token", token);
  json_builder_set_member_name (b, "expires_in");
  json_builder_add_int_value (b, ttl_s);
  if (!stream.empty ())
    json_member (b, "stream", stream);
  add_identity (b, access, { holder, stream });
  json_builder_end_object (b);
  send_json (message, SOUP_STATUS_OK, finish_json (b));
}

// The user and password a request is to be checked with: its Basic
// credentials, or the sign-in form's body. False when it carries none.
bool
password_in (SoupServerMessage * message, const std::string & path,
    std::string & user, std::string & password)
{
  const std::string header = request_header (message, "Authorization");
  if (g_str_has_prefix (header.c_str (), "Basic "))
    return AccessControl::split_basic (header.substr (6), user, password);
  if (path != "/api/v1/auth/token"
      || !g_str_equal (soup_server_message_get_method (message), "POST"))
    return false;
  const std::string text = request_body (message);
  JsonParser *parser = json_parser_new ();
  if (json_parser_load_from_data (parser, text.c_str (), text.size (), nullptr)
      && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser))) {
    JsonObject *o = json_node_get_object (json_parser_get_root (parser));
    user = json_string_member (o, "user");
    password = json_string_member (o, "password");
  }
  g_object_unref (parser);
  return !user.empty ();
}

struct PasswordCheck
{
  AccessControl *access;
  std::string user;
  std::string password;
  ParkedMessage parked;
  GHashTable *query;               // a reference, or nullptr
  std::function<void (GHashTable *)> resume;

  ~PasswordCheck ()
  {
    if (query)
      g_hash_table_unref (query);
  }
};

constexpr const char *kChecked = "camgate-password-checked";

}  // namespace

Credentials
identify (AccessControl & access, SoupServerMessage * message,
    GHashTable * query, Identity & who)
{
  who = access.anonymous ();
  if (!access.enabled ())
    return Credentials::None;
  std::string header = request_header (message, "Authorization");
  std::string token;
  if (g_str_has_prefix (header.c_str (), "Basic ")) {
    const std::string address = client_address (message);
    if (access.blocked_for_s (address))
      return Credentials::Blocked;
    const UserSpec *found = access.login_basic (header.substr (6));
    if (!found) {
      access.record_failure (address);
      return Credentials::Wrong;
    }
    who = { found, {} };
    return Credentials::Valid;
  }
  if (g_str_has_prefix (header.c_str (), "Bearer "))
    token = header.substr (7);
  else if (const char *q = query ? static_cast<const char *> (
          g_hash_table_lookup (query, "token")) : nullptr)
    token = q;
  else
    token = cookie_token (message);
  if (token.empty ())
    return Credentials::None;
  return access.verify_token (token, who) ? Credentials::Valid
      : Credentials::Wrong;
}

std::optional<PasswordToCheck>
password_to_check (AccessControl & access, SoupServerMessage * message,
    const std::string & path)
{
  // Once per request: should the verdict have left the cache meanwhile (a
  // flood of new passwords clears it), the request is answered on the loop.
  PasswordToCheck found;
  if (!access.enabled () || g_object_get_data (G_OBJECT (message), kChecked)
      || !password_in (message, path, found.user, found.password)
      || access.login_is_cached (found.user, found.password)
      || access.blocked_for_s (client_address (message)))
    return std::nullopt;
  return found;
}

void
check_password_off_loop (AccessControl & access, SoupServerMessage * message,
    PasswordToCheck password, GHashTable * query,
    std::function<void (GHashTable *)> resume)
{
  g_object_set_data (G_OBJECT (message), kChecked, GINT_TO_POINTER (1));
  auto *check = new PasswordCheck { &access, std::move (password.user),
    std::move (password.password), ParkedMessage (message),
    query ? g_hash_table_ref (query) : nullptr, std::move (resume) };
  GTask *task = g_task_new (nullptr, nullptr,
      [](GObject *, GAsyncResult *, gpointer data) {
        std::unique_ptr<PasswordCheck> done (static_cast<PasswordCheck *>
            (data));
        // The verdict is cached now: the request is routed again and
        // answered from it, on the main loop.
        if (done->parked.resume ())
          done->resume (done->query);
      }, check);
  g_task_set_task_data (task, check, nullptr);
  g_task_run_in_thread (task, [](GTask * t, gpointer, gpointer data,
          GCancellable *) {
        auto *c = static_cast<PasswordCheck *> (data);
        c->access->login (c->user, c->password);
        g_task_return_boolean (t, TRUE);
      });
  g_object_unref (task);
}

std::string
client_address (SoupServerMessage * message)
{
  const char *host = soup_server_message_get_remote_host (message);
  return host ? host : "";
}

void
refuse_blocked (AccessControl & access, SoupServerMessage * message)
{
  const std::string address = client_address (message);
  const unsigned seconds = std::max (1u, access.blocked_for_s (address));
  soup_message_headers_replace (soup_server_message_get_response_headers
      (message), "Retry-After", std::to_string (seconds).c_str ());
  send_error (message, kTooManyRequests, "too many wrong "
      "passwords from " + address + ": try again in "
      + std::to_string (seconds) + " s");
}

bool
permit (AccessControl & access, SoupServerMessage * message,
    const Identity & who, const std::string & stream, unsigned permission,
    const std::string & what)
{
  if (access.allowed (who, stream, permission))
    return true;
  refuse_access (message, who, what);
  return false;
}

void
refuse_access (SoupServerMessage * message, const Identity & who,
    const std::string & what)
{
  if (who.user && who.user->name != kAnonymousUser)
    return send_error (message, SOUP_STATUS_FORBIDDEN, "user '"
        + who.user->name + "' may not " + what);
  // The panel signs in with its own form: a Basic challenge would make the
  // browser pop up its dialog over it.
  const char *requested_with = soup_message_headers_get_one (
      soup_server_message_get_request_headers (message), "X-Requested-With");
  soup_message_headers_replace (soup_server_message_get_response_headers
      (message), "WWW-Authenticate", requested_with
      ? "Bearer realm=\"camgate\"" : "Basic realm=\"camgate\", charset=\"UTF-8\"");
  send_error (message, SOUP_STATUS_UNAUTHORIZED, "sign in to " + what);
}

bool
handle_auth_routes (AccessControl & access, SoupServerMessage * message,
    const std::string & path, const Identity & who, Credentials credentials)
{
  const char *method = soup_server_message_get_method (message);
  if (path == "/api/v1/auth/token") {
    if (!g_str_equal (method, "POST"))
      send_error (message, SOUP_STATUS_METHOD_NOT_ALLOWED, "use POST");
    else
      issue_token (access, message, who, credentials);
    return true;
  }
  if (path == "/api/v1/auth/logout") {
    set_cookie (message, "", 0);
    send_json (message, SOUP_STATUS_OK, "{\"user\": null}");
    return true;
  }
  if (path == "/api/v1/auth" || path == "/api/v1/auth/") {
    JsonBuilder *b = json_builder_new ();
    json_builder_begin_object (b);
    add_identity (b, access, who);
    json_builder_end_object (b);
    send_json (message, SOUP_STATUS_OK, finish_json (b));
    return true;
  }
  return false;
}

}  // namespace camgate
