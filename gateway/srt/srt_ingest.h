// SrtIngest: the gateway's SRT listener for encoders (OBS, ffmpeg, srtsink,
// hardware encoders over lossy links). One UDP port for every stream,
// routed by the caller's streamid (publish:<stream>[:<user>:<password>] or
// #!::r=<stream>,m=publish), decided while the caller's handshake waits:
// a refused caller gets SRT's reject reason (1404 no such stream, 1403 not
// a publish stream or not allowed, 1401 a wrong password, 1409 a publisher
// already there). Callers must encrypt (AES) with the stream's
// `source.passphrase`, else with `srt.passphrase` where set; a caller with
// another passphrase fails the handshake and never holds the stream.
//
// Each admitted caller's MPEG-TS goes through tsdemux into a
// PublisherPipeline. libsrt (Debian's libsrt-gnutls, as GStreamer's srt
// elements use) does the protocol: GStreamer's srtsrc takes one caller per
// element and cannot route callers of one port to different streams.
#pragma once

#include "auth/access_control.h"
#include "config/gateway_config.h"
#include "stream/stream_manager.h"

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace camgate {

class SrtIngest
{
public:
  SrtIngest (StreamManager & streams, AccessControl & access,
      SrtConfig config);
  ~SrtIngest ();
  SrtIngest (const SrtIngest &) = delete;
  SrtIngest & operator= (const SrtIngest &) = delete;

  bool start (const std::string & address, std::string & error);
  void stop ();
  int port () const { return port_; }

  static constexpr size_t kMaxCallers = 64;

  struct Caller;
  struct Decision
  {
    int reason = 0;                // SRT's reject reason, 0 = go on
    std::string passphrase;        // the stream's own, for the caller
  };

  // Main context: whether the caller `socket` may publish what `streamid`
  // asks (the stream's slot is claimed once the caller is accepted).
  Decision decide (int socket, const std::string & address,
      const std::string & streamid);
  void forget (int socket, const std::string & why);

private:
  void serve ();                 // the I/O thread
  void accepted (int socket);    // main context

  StreamManager & streams_;
  AccessControl & access_;
  const SrtConfig config_;
  int listener_ = -1;
  int poll_ = -1;                // libsrt's epoll: the I/O thread waits on
                                 // it, the main context adds callers
  int port_ = 0;
  std::thread thread_;
  std::atomic<bool> stopping_ { false };
  std::shared_ptr<SrtIngest *> token_;
  std::weak_ptr<SrtIngest *> callback_token_;   // libsrt's callback reads it

  // Main context, but for `sockets_lock_`'s part: what the I/O thread reads.
  std::map<int, std::unique_ptr<Caller>> callers_;
  std::mutex sockets_lock_;
  std::map<int, struct _GstAppSrc *> sources_;   // socket -> its appsrc
                                                 // (from admission on)
};

}  // namespace camgate
