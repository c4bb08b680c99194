// Bounds on what one RTSP client may send before it gets an answer.
// GstRTSPConnection keeps every header line of a request it is still
// reading, with no limit on their number, so a client that never ends its
// header grew the gateway without bound (and kept a core busy); a client
// that sends nothing, or one byte now and then, held its socket forever.
//
// GstRTSPConnection's reads cannot be hooked (its stream comes from GLib's
// connection factory, whose registrations cannot be safely replaced), so the
// kernel's count of bytes received on each client socket is compared, once
// a second, with the count when the server last answered that client:
// - more than `max_unanswered_bytes` (plus what RTCP reports may add) sent
//   without an answer: a request that cannot be legitimate, closed;
// - an unanswered request older than `read_timeout`, or a connection with
//   no session and nothing sent for 6 × `read_timeout`: closed.
// Publishers (a RECORD session) send media without answers: only the time
// rule applies to them before RECORD.
#pragma once

#include <gst/rtsp-server/rtsp-server.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

namespace camgate {

struct RtspRequestLimits
{
  uint64_t max_unanswered_bytes = 64 * 1024;
  uint64_t rtcp_bytes_per_second = 2048;   // receiver reports of a player
  gint64 read_timeout_us = 10 * G_USEC_PER_SEC;
};

class RtspRequestGuard
{
public:
  RtspRequestGuard (GstRTSPServer * server, RtspRequestLimits limits);
  ~RtspRequestGuard ();
  RtspRequestGuard (const RtspRequestGuard &) = delete;
  RtspRequestGuard & operator= (const RtspRequestGuard &) = delete;

  // Closes the clients that broke a limit; call about once a second.
  void sweep ();

private:
  struct Client
  {
    uint64_t answered_bytes = 0;   // received when last answered
    gint64 answered_us = 0;        // when last answered (or connected)
    uint64_t seen_bytes = 0;       // received at the previous sweep
    gint64 seen_us = 0;            // when received bytes last grew
  };
  static void on_client_connected (GstRTSPServer *, GstRTSPClient * client,
      gpointer self);
  static void on_send_message (GstRTSPClient * client, GstRTSPContext *,
      GstRTSPMessage *, gpointer self);
  static void on_closed (GstRTSPClient * client, gpointer self);
  const char *broken_limit (GstRTSPClient * client, Client & state,
      gint64 now);

  GstRTSPServer *server_;
  RtspRequestLimits limits_;
  gulong connected_id_ = 0;
  std::mutex lock_;
  std::map<GstRTSPClient *, Client> clients_;
};

}  // namespace camgate
