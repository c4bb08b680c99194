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

void
defer_on_main (std::function<void ()> job)
{
  using Job = std::function<void ()>;
  GSource *source = g_idle_source_new ();
  g_source_set_callback (source, [](gpointer data) -> gboolean {
        (*static_cast<Job *> (data)) ();
        return G_SOURCE_REMOVE;
      }, new Job (std::move (job)), [](gpointer data) {
        delete static_cast<Job *> (data);
      });
  g_source_attach (source, nullptr);
  g_source_unref (source);
}

}  // namespace camgate
