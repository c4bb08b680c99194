#include "http/cors.h"

namespace camgate {

void
add_player_cors (SoupServerMessage * message)
{
  auto *headers = soup_server_message_get_response_headers (message);
  soup_message_headers_replace (headers, "Access-Control-Allow-Origin", "*");
  soup_message_headers_replace (headers, "Access-Control-Allow-Methods",
      "OPTIONS, GET, HEAD, POST, PATCH, DELETE");
  soup_message_headers_replace (headers, "Access-Control-Allow-Headers",
      "Authorization, Content-Type, If-Match, Range");
  // What a WHEP/WHIP client and a player reading a refusal need to see.
  soup_message_headers_replace (headers, "Access-Control-Expose-Headers",
      "Location, ETag, Link, Accept-Patch, WWW-Authenticate, Retry-After");
}

}  // namespace camgate
