// DigestNonces: RTSP Digest nonces that need no table. A nonce is the time
// it was made and an HMAC over that time and the client's address, under a
// key drawn at start: it is worthless from another address, after its
// lifetime, or once the gateway restarted.
#pragma once

#include <glib.h>

#include <string>

namespace camgate {

class DigestNonces
{
public:
  // A client answers the challenge at once; later requests of the same
  // session need none (PLAY, TEARDOWN and keep-alives use the session).
  static constexpr gint64 kLifetimeS = 60;

  DigestNonces ();

  // `now_s`: seconds of the real-time clock (g_get_real_time ()).
  std::string make (const std::string & client, gint64 now_s) const;
  bool valid (const std::string & nonce, const std::string & client,
      gint64 now_s) const;

private:
  std::string signature (const std::string & stamp,
      const std::string & client) const;

  unsigned char key_[32];
};

}  // namespace camgate
