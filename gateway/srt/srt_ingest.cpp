#include "srt/srt_ingest.h"

#include "media/main_context.h"
#include "media/publisher_pipeline.h"
#include "service/stream_log.h"
#include "srt/srt_stream_id.h"
#include "stream/publisher_door.h"

#include <gst/app/gstappsrc.h>
#include <srt/access_control.h>
#include <srt/srt.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <syslog.h>

#include <vector>

namespace camgate {

namespace {

// How long the caller's handshake waits for the main loop's answer.
constexpr auto kDecisionWait = std::chrono::seconds (2);
// An admitted caller whose handshake never completes (a wrong passphrase
// fails after the streamid is read) gives its stream back after this.
constexpr guint kAcceptWaitS = 5;
constexpr int kPollMs = 200;

std::string
address_of (const struct sockaddr * peer)
{
  char text[INET6_ADDRSTRLEN] = "?";
  if (peer && peer->sa_family == AF_INET)
    inet_ntop (AF_INET, &reinterpret_cast<const sockaddr_in *> (peer)
        ->sin_addr, text, sizeof text);
  else if (peer && peer->sa_family == AF_INET6)
    inet_ntop (AF_INET6, &reinterpret_cast<const sockaddr_in6 *> (peer)
        ->sin6_addr, text, sizeof text);
  return text;
}

int
reject_reason (PublisherAdmission::Refusal refusal)
{
  switch (refusal) {
    case PublisherAdmission::Refusal::NotFound:
      return SRT_REJX_NOTFOUND;
    case PublisherAdmission::Refusal::Forbidden:
      return SRT_REJX_FORBIDDEN;
    case PublisherAdmission::Refusal::Unauthorized:
      return SRT_REJX_UNAUTHORIZED;
    case PublisherAdmission::Refusal::Busy:
      return SRT_REJX_CONFLICT;
    case PublisherAdmission::Refusal::None:
      break;
  }
  return 0;
}

// libsrt's listener callback (its thread, during the caller's handshake).
int
on_caller (void * data, SRTSOCKET socket, int, const struct sockaddr * peer,
    const char * streamid)
{
  auto token = static_cast<std::weak_ptr<SrtIngest *> *> (data);
  const auto decision = ask_main<SrtIngest::Decision> ([weak = *token, socket,
          address = address_of (peer),
          id = std::string (streamid ? streamid : "")]() {
        auto alive = weak.lock ();
        return alive ? (*alive)->decide (socket, address, id)
            : SrtIngest::Decision { SRT_REJX_OVERLOAD, {} };
      }, kDecisionWait, SrtIngest::Decision { SRT_REJX_OVERLOAD, {} });
  if (decision.reason != 0) {
    srt_setrejectreason (socket, decision.reason);
    return -1;
  }
  // The stream's own passphrase, in place of the listener's: a caller
  // with another one fails the rest of the handshake.
  if (!decision.passphrase.empty ())
    srt_setsockflag (socket, SRTO_PASSPHRASE, decision.passphrase.c_str (),
        static_cast<int> (decision.passphrase.size ()));
  return 0;
}

}  // namespace

struct SrtIngest::Caller
{
  int socket = -1;
  std::string address;
  std::string stream;
  std::unique_ptr<PublisherPipeline> pipeline;   // once accepted
};

SrtIngest::SrtIngest (StreamManager & streams, AccessControl & access,
    SrtConfig config)
    : streams_ (streams), access_ (access), config_ (std::move (config)),
      token_ (std::make_shared<SrtIngest *> (this))
{
}

SrtIngest::~SrtIngest ()
{
  stop ();
}

bool
SrtIngest::start (const std::string & address, std::string & error)
{
  if (srt_startup () < 0) {
    error = "SRT: cannot start libsrt";
    return false;
  }
  // Refused callers are logged here, once and readably.
  srt_setloglevel (LOG_ERR);
  struct sockaddr_storage where = {};
  socklen_t length = 0;
  auto *v4 = reinterpret_cast<sockaddr_in *> (&where);
  auto *v6 = reinterpret_cast<sockaddr_in6 *> (&where);
  if (inet_pton (AF_INET, address.c_str (), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons (static_cast<uint16_t> (config_.port));
    length = sizeof *v4;
  } else if (inet_pton (AF_INET6, address.c_str (), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons (static_cast<uint16_t> (config_.port));
    length = sizeof *v6;
  } else {
    error = "SRT: '" + address + "' is not an IP address";
    return false;
  }
  listener_ = srt_create_socket ();
  const int latency = static_cast<int> (config_.latency_ms);
  const bool no = false;
  srt_setsockflag (listener_, SRTO_RCVLATENCY, &latency, sizeof latency);
  srt_setsockflag (listener_, SRTO_RCVSYN, &no, sizeof no);
  if (!config_.passphrase.empty ())
    srt_setsockflag (listener_, SRTO_PASSPHRASE, config_.passphrase.c_str (),
        static_cast<int> (config_.passphrase.size ()));
  if (srt_bind (listener_, reinterpret_cast<sockaddr *> (&where), length) < 0
      || srt_listen (listener_, 16) < 0) {
    error = std::string ("SRT port ") + std::to_string (config_.port) + ": "
        + srt_getlasterror_str ();
    srt_close (listener_);
    listener_ = -1;
    return false;
  }
  sockaddr_storage bound = {};
  int bound_length = sizeof bound;
  srt_getsockname (listener_, reinterpret_cast<sockaddr *> (&bound),
      &bound_length);
  port_ = ntohs (bound.ss_family == AF_INET6
      ? reinterpret_cast<sockaddr_in6 *> (&bound)->sin6_port
      : reinterpret_cast<sockaddr_in *> (&bound)->sin_port);
  // The callback's token is a member: stop() closes the listener first.
  callback_token_ = token_;
  srt_listen_callback (listener_, on_caller, &callback_token_);
  poll_ = srt_epoll_create ();
  thread_ = std::thread ([this] { serve (); });
  return true;
}

void
SrtIngest::stop ()
{
  stopping_ = true;
  if (thread_.joinable ())
    thread_.join ();
  if (listener_ >= 0) {
    srt_close (listener_);
    listener_ = -1;
  }
  if (poll_ >= 0) {
    srt_epoll_release (poll_);
    poll_ = -1;
  }
  token_.reset ();
  {
    std::lock_guard<std::mutex> lk (sockets_lock_);
    sources_.clear ();
  }
  for (auto & [socket, caller] : callers_)
    srt_close (socket);
  callers_.clear ();
}

SrtIngest::Decision
SrtIngest::decide (int socket, const std::string & address,
    const std::string & streamid)
{
  std::string why;
  auto id = parse_srt_stream_id (streamid, why);
  auto refuse = [&](int reason, const std::string & text) {
    g_message ("SRT caller %s refused: %s", address.c_str (), text.c_str ());
    return Decision { reason, {} };
  };
  if (!id)
    return refuse (SRT_REJX_BAD_REQUEST, why);
  if (callers_.size () >= kMaxCallers)
    return refuse (SRT_REJX_OVERLOAD, "already " + std::to_string
        (kMaxCallers) + " callers");
  // Checked now, claimed once accepted: a caller whose encryption then
  // fails never holds the stream.
  auto admitted = check_publisher (streams_, access_, { "SRT", address,
        id->stream, id->user, id->password });
  if (admitted.refusal != PublisherAdmission::Refusal::None)
    return refuse (reject_reason (admitted.refusal), admitted.why);

  auto caller = std::make_unique<Caller> ();
  caller->socket = socket;
  caller->address = address;
  caller->stream = id->stream;
  callers_[socket] = std::move (caller);
  g_timeout_add_seconds (kAcceptWaitS, [](gpointer data) -> gboolean {
        auto *check = static_cast<std::pair<std::weak_ptr<SrtIngest *>, int> *>
            (data);
        if (auto alive = check->first.lock ()) {
          auto found = (*alive)->callers_.find (check->second);
          if (found != (*alive)->callers_.end () && !found->second->pipeline)
            (*alive)->forget (check->second, "its handshake did not complete "
                "(a wrong passphrase?)");
        }
        delete check;
        return G_SOURCE_REMOVE;
      }, new std::pair<std::weak_ptr<SrtIngest *>, int> (token_, socket));
  return { 0, admitted.passphrase };
}

void
SrtIngest::accepted (int socket)
{
  auto found = callers_.find (socket);
  if (found == callers_.end ()) {
    srt_close (socket);
    return;
  }
  Caller & caller = *found->second;
  auto stream = streams_.find (caller.stream);
  auto lease = stream && stream->spec ().source.kind == SourceKind::Publish
      ? stream->publish_slot ()->claim ("SRT", caller.address) : nullptr;
  if (!lease) {
    // Another publisher came in between the check and now.
    g_message ("SRT caller %s refused: stream '%s' already has a publisher "
        "or is gone", caller.address.c_str (), caller.stream.c_str ());
    forget (socket, "refused");
    return;
  }
  caller.pipeline = std::make_unique<PublisherPipeline> ("srt-"
      + std::to_string (socket), [weak = std::weak_ptr<SrtIngest *> (token_),
          socket](const std::string & why) {
        defer_on_main ([weak, socket, why]() {
              if (auto alive = weak.lock ())
                (*alive)->forget (socket, why);
            });
      });
  caller.pipeline->set_lease (std::move (lease));
  GstElement *src = gst_element_factory_make ("appsrc", "srt");
  GstElement *demux = gst_element_factory_make ("tsdemux", nullptr);
  GstCaps *caps = gst_caps_from_string ("video/mpegts, systemstream=true, "
      "packetsize=188");
  g_object_set (src, "is-live", TRUE, "format", GST_FORMAT_TIME,
      "do-timestamp", TRUE, "caps", caps, "max-bytes", (guint64) 8 << 20,
      "block", FALSE, nullptr);
  gst_caps_unref (caps);
  // tsdemux's own latency is for players; a relay passes frames on.
  g_object_set (demux, "latency", 0, nullptr);
  gst_bin_add_many (caller.pipeline->bin (), src, demux, nullptr);
  gst_element_link (src, demux);
  caller.pipeline->take_tracks_of (demux);
  {
    std::lock_guard<std::mutex> lk (sockets_lock_);
    sources_[socket] = GST_APP_SRC (src);
  }
  caller.pipeline->play ();
  // Read from now on: libsrt keeps what came meanwhile.
  const int readable = SRT_EPOLL_IN | SRT_EPOLL_ERR;
  if (srt_epoll_add_usock (poll_, socket, &readable) == SRT_ERROR) {
    forget (socket, "the caller disconnected");
    return;
  }
  log_stream (G_LOG_LEVEL_MESSAGE, caller.stream, "SRT caller %s publishing",
      caller.address.c_str ());
}

void
SrtIngest::forget (int socket, const std::string & why)
{
  {
    std::lock_guard<std::mutex> lk (sockets_lock_);
    sources_.erase (socket);
  }
  auto found = callers_.find (socket);
  if (found == callers_.end ())
    return;
  Caller & c = *found->second;
  if (auto lease = c.pipeline ? c.pipeline->take_lease () : nullptr) {
    log_stream (G_LOG_LEVEL_MESSAGE, c.stream, "SRT caller %s gone (%s)",
        c.address.c_str (), why.c_str ());
    lease->end (why);
  } else if (!c.pipeline) {
    log_stream (G_LOG_LEVEL_MESSAGE, c.stream, "SRT caller %s dropped (%s)",
        c.address.c_str (), why.c_str ());
  }
  srt_epoll_remove_usock (poll_, socket);
  srt_close (socket);
  callers_.erase (found);
}

// The I/O thread: accepts callers, reads their packets into their appsrc.
void
SrtIngest::serve ()
{
  const int readable = SRT_EPOLL_IN | SRT_EPOLL_ERR;
  srt_epoll_add_usock (poll_, listener_, &readable);
  std::vector<char> packet (1500);
  while (!stopping_) {
    SRTSOCKET ready[16];
    int count = 16;
    if (srt_epoll_wait (poll_, ready, &count, nullptr, nullptr, kPollMs,
            nullptr, nullptr, nullptr, nullptr) <= 0)
      continue;
    for (int i = 0; i < count && i < 16; i++) {
      const SRTSOCKET socket = ready[i];
      if (socket == listener_) {
        sockaddr_storage peer;
        int length = sizeof peer;
        const SRTSOCKET caller = srt_accept (listener_,
            reinterpret_cast<sockaddr *> (&peer), &length);
        if (caller == SRT_INVALID_SOCK)
          continue;
        const bool no = false;
        srt_setsockflag (caller, SRTO_RCVSYN, &no, sizeof no);
        // Read once its pipeline is there (accepted() adds it).
        invoke_on_main ([weak = std::weak_ptr<SrtIngest *> (token_),
                caller]() {
              if (auto alive = weak.lock ())
                (*alive)->accepted (caller);
              else
                srt_close (caller);
            });
        continue;
      }
      for (;;) {
        const int n = srt_recvmsg (socket, packet.data (),
            static_cast<int> (packet.size ()));
        if (n > 0) {
          std::lock_guard<std::mutex> lk (sockets_lock_);
          auto found = sources_.find (socket);
          if (found != sources_.end ())
            gst_app_src_push_buffer (found->second, gst_buffer_new_memdup
                (packet.data (), static_cast<gsize> (n)));
          continue;
        }
        if (n == SRT_ERROR && srt_getlasterror (nullptr) == SRT_EASYNCRCV)
          break;
        // Closed or broken: the caller is gone.
        srt_epoll_remove_usock (poll_, socket);
        {
          std::lock_guard<std::mutex> lk (sockets_lock_);
          auto found = sources_.find (socket);
          if (found != sources_.end ())
            gst_app_src_end_of_stream (found->second);
          sources_.erase (socket);
        }
        invoke_on_main ([weak = std::weak_ptr<SrtIngest *> (token_),
                socket]() {
              if (auto alive = weak.lock ())
                (*alive)->forget (socket, "the caller disconnected");
            });
        break;
      }
    }
  }
}

}  // namespace camgate
