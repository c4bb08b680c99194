#include "media/main_context.h"

#include <glib.h>

namespace camgate {

void
invoke_on_main (std::function<void ()> job)
{
  using Job = std::function<void ()>;
  g_main_context_invoke_full (nullptr, G_PRIORITY_DEFAULT,
      [](gpointer data) -> gboolean {
        (*static_cast<Job *> (data)) ();
        return G_SOURCE_REMOVE;
      }, new Job (std::move (job)), [](gpointer data) {
        delete static_cast<Job *> (data);
      });
}

}  // namespace camgate
