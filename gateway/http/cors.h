// CORS for the player-facing routes (HLS, DASH, WHEP, WHIP): players on
// other origins read every answer, refusals included, so a 401 reaches the
// page as a 401 and not as a bare "Failed to fetch".
#pragma once

#include <libsoup/soup.h>

namespace camgate {

void add_player_cors (SoupServerMessage * message);

}  // namespace camgate
