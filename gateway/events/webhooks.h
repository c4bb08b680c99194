// Webhooks: each event of the bus POSTed as JSON to the receivers in
// `webhooks:`, in order, one at a time per receiver. The body is signed:
// X-Camgate-Signature: sha256=<hex HMAC-SHA256 of "<X-Camgate-Timestamp>.<body>">
// with the receiver's secret (the timestamp makes an old delivery useless to
// replay). A receiver that fails or is down is retried with backoff (1 s
// doubling to 60 s); at most `queue` events wait for it, the oldest dropped
// beyond and counted, so a dead receiver costs bounded memory. Main context.
#pragma once

#include "config/gateway_config.h"
#include "events/event_bus.h"

#include <libsoup/soup.h>

#include <deque>
#include <memory>
#include <string>
#include <vector>

namespace camgate {

class Webhooks
{
public:
  Webhooks (EventBus & bus, const std::vector<WebhookConfig> & hooks);
  ~Webhooks ();
  Webhooks (const Webhooks &) = delete;
  Webhooks & operator= (const Webhooks &) = delete;

  struct Figures
  {
    std::string url;               // without userinfo or query
    uint64_t delivered = 0, failed = 0, dropped = 0, waiting = 0;
  };
  std::vector<Figures> figures () const;

  // "sha256=<hex>" for `body` sent at `timestamp` (unix seconds).
  static std::string signature (const std::string & secret,
      const std::string & timestamp, const std::string & body);
  // Whether `type` is one of `patterns` ("stream.state", "stream.*"); all
  // are when there are none.
  static bool wants (const std::vector<std::string> & patterns,
      const std::string & type);

private:
  struct Hook
  {
    WebhookConfig config;
    std::string label;             // the URL without userinfo or query
    std::deque<Event> waiting;
    bool sending = false;
    guint retry_source = 0;
    guint backoff_ms = 1000;
    uint64_t delivered = 0, failed = 0, dropped = 0;
  };

  // What a send callback or a retry timer holds: the hook, unless the
  // Webhooks went meanwhile.
  struct Pending
  {
    Webhooks *owner;
    std::weak_ptr<Hook> hook;
    SoupMessage *message = nullptr;
  };

  void take (const Event & event);
  void send_next (const std::shared_ptr<Hook> & hook);
  void sent (const std::shared_ptr<Hook> & hook, bool ok,
      const std::string & why);

  EventBus & bus_;
  uint64_t listener_ = 0;
  SoupSession *session_ = nullptr;
  GCancellable *cancellable_ = nullptr;
  std::vector<std::shared_ptr<Hook>> hooks_;
};

}  // namespace camgate
