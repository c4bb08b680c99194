#include "http/parked_message.h"

namespace camgate {

ParkedMessage::ParkedMessage (SoupServerMessage * message)
    : message_ (SOUP_SERVER_MESSAGE (g_object_ref (message)))
{
  soup_server_message_pause (message_);
  disconnected_id_ = g_signal_connect (message_, "disconnected",
      G_CALLBACK (+[](SoupServerMessage *, gpointer self) {
          static_cast<ParkedMessage *> (self)->gone_ = true;
        }), this);
}

ParkedMessage::~ParkedMessage ()
{
  g_signal_handler_disconnect (message_, disconnected_id_);
  g_object_unref (message_);
}

bool
ParkedMessage::resume ()
{
  if (gone_)
    return false;
  soup_server_message_unpause (message_);
  return true;
}

}  // namespace camgate
