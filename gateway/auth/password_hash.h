// Password hashes for the `users:` of the gateway config, and the RTSP Digest
// secret. Stored form: "pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>"
// (OpenSSL's PBKDF2-HMAC-SHA256); passwords are never kept in plain text.
#pragma once

#include <string>

namespace camgate {

constexpr const char *kAuthRealm = "camgate";

// A new hash of `password` with a random salt.
std::string hash_password (const std::string & password);

// Whether `password` matches `stored`; false for a malformed `stored`.
// Constant time in the hash comparison.
bool verify_password (const std::string & password, const std::string & stored);

// Whether `stored` has the form hash_password() writes.
bool is_password_hash (const std::string & stored);

// RTSP Digest (RFC 2617) HA1: md5("user:camgate:password") in hex, which
// the gateway needs to check Digest answers without the password.
std::string digest_ha1 (const std::string & user, const std::string & password);

// `bytes` bytes from OpenSSL's cryptographic generator, in lower-case hex
// ("" if it has none): ids that are the only key to a session.
std::string random_hex (size_t bytes);

}  // namespace camgate
