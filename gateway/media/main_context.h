// Work that streaming and clock threads hand to the main loop.
#pragma once

#include <chrono>
#include <functional>
#include <future>
#include <memory>

namespace camgate {

// Runs `job` once on the default main context (at once when called there,
// as g_main_context_invoke does). The job checks for itself whether what it
// touches still exists.
void invoke_on_main (std::function<void ()> job);

// Runs `job` once on the default main context from its next iteration, never
// at once: for work that must not run inside the caller (destroying what
// is calling).
void defer_on_main (std::function<void ()> job);

// For another thread: runs `job` on the main context and waits up to
// `timeout` for its answer; `unanswered` when none came (a main loop
// that is shutting down or busy never gives one).
template <class T>
T
ask_main (std::function<T ()> job, std::chrono::milliseconds timeout,
    T unanswered)
{
  auto answer = std::make_shared<std::promise<T>> ();
  auto ready = answer->get_future ();
  invoke_on_main ([job = std::move (job), answer]() {
        answer->set_value (job ());
      });
  if (ready.wait_for (timeout) != std::future_status::ready)
    return unanswered;
  return ready.get ();
}

}  // namespace camgate
