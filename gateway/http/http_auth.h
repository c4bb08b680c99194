// HTTP side of AccessControl: who a request is (Basic, Bearer token, a
// `token` query parameter or the panel's cookie, for players that cannot set
// headers) and the /api/v1/auth routes:
//   POST /api/v1/auth/token    a signed, short-lived token (and the cookie)
//   POST /api/v1/auth/logout   clears the cookie
//   GET  /api/v1/auth          who am I, and may I manage streams
#pragma once

#include "auth/access_control.h"

#include <libsoup/soup.h>

#include <functional>
#include <optional>
#include <string>

namespace camgate {

constexpr const char *kTokenCookie = "camgate_token";

// Blocked: too many wrong passwords from this address (AccessControl).
enum class Credentials { None, Valid, Wrong, Blocked };

// Fills `who` from the request's credentials (anonymous when there are
// none). Wrong credentials are never silently downgraded to anonymous.
Credentials identify (AccessControl & access, SoupServerMessage * message,
    GHashTable * query, Identity & who);

// PBKDF2 takes tens of milliseconds. The password in `message` (Basic, or
// the sign-in form) when AccessControl has not checked it lately.
struct PasswordToCheck
{
  std::string user;
  std::string password;
};
std::optional<PasswordToCheck> password_to_check (AccessControl & access,
    SoupServerMessage * message, const std::string & path);
// Pauses `message`, checks `password` on a worker thread and, once the
// verdict is cached, calls `resume` with `query` on the main loop (unless
// the client left); identify() and the token route then answer without
// hashing.
void check_password_off_loop (AccessControl & access,
    SoupServerMessage * message, PasswordToCheck password, GHashTable * query,
    std::function<void (GHashTable *)> resume);

// The client's address, as AccessControl counts failures by it.
std::string client_address (SoupServerMessage * message);

// Answers 429 with Retry-After for a blocked address.
void refuse_blocked (AccessControl & access, SoupServerMessage * message);

// Answers 401 (with a challenge) for anonymous callers and 403 otherwise,
// naming what was missing.
void refuse_access (SoupServerMessage * message, const Identity & who,
    const std::string & what);

// Whether `who` holds `permission` on `stream`; when not, answers the
// refusal (naming `what`) itself.
bool permit (AccessControl & access, SoupServerMessage * message,
    const Identity & who, const std::string & stream, unsigned permission,
    const std::string & what);

// The /api/v1/auth routes; false when `path` is not one of them.
bool handle_auth_routes (AccessControl & access, SoupServerMessage * message,
    const std::string & path, const Identity & who, Credentials credentials);

}  // namespace camgate
