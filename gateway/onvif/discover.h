// `camgate discover`: finds ONVIF cameras (WS-Discovery multicast, plus
// --target addresses), asks each for its profiles and stream URIs, prints
// them, and with --write creates one pipeline file per camera (never
// overwriting one that exists).
#pragma once

namespace camgate {

int run_discover (int argc, char **argv);

}  // namespace camgate
