// Work that streaming and clock threads hand to the main loop.
#pragma once

#include <functional>

namespace camgate {

// Runs `job` once on the default main context (at once when called there,
// as g_main_context_invoke does). The job checks for itself whether what it
// touches still exists.
void invoke_on_main (std::function<void ()> job);

// Runs `job` once on the default main context from its next iteration, never
// at once: for work that must not run inside the caller (destroying what
// is calling).
void defer_on_main (std::function<void ()> job);

}  // namespace camgate
