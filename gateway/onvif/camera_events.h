// CameraEvents: an ONVIF camera's events, an output of every onvif:// stream
// (source.events) that runs as long as the stream. A thread of its own
// subscribes to the camera's PullPoint, pulls (a long
// poll of a few seconds), renews at half the time the camera granted and
// subscribes again after any failure (backoff 1 s doubling to 60 s). A
// camera that refuses a PullPoint is subscribed with Basic Notification
// instead: it POSTs its events to the gateway's HTTP port, at a secret
// address of this subscription's own (NotificationInbox). Motion,
// tamper and digital-input states are published on the gateway's event bus
// when they change: `camera.motion`, `camera.tamper`, `camera.input`, each
// with `state` ("start" or "stop"), `topic` and `source`. A camera without
// an event service is told once and left alone.
#pragma once

#include "media/stream_output.h"

#include <gio/gio.h>

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace camgate {

namespace onvif {
class OnvifClient;
struct CameraEvent;
}

class CameraEvents : public StreamOutput
{
public:
  // `onvif_uri`: the stream's onvif://user:password@host[:port][/profile].
  CameraEvents (std::string stream, std::string onvif_uri);
  ~CameraEvents () override;
  CameraEvents (const CameraEvents &) = delete;
  CameraEvents & operator= (const CameraEvents &) = delete;

  const std::string & what () const override { return what_; }
  bool owner_only () const override { return true; }
  // Starts following the camera (if it does not already).
  void update (const OutputTick & tick) override;
  bool running () const override { return thread_.joinable (); }
  // Cancels what is in flight and waits for the thread.
  void stop () override;

  // How long a PullMessages waits on the device (at most), and how long a
  // subscription is asked to last before it must be renewed (renewed at
  // half of what the camera granted).
  static constexpr unsigned kPullTimeoutS = 5;
  static constexpr unsigned kTerminationS = 60;

private:
  void run ();
  // One subscription, until it fails or the stream goes: false when the
  // camera has no event service (nothing more to try).
  bool follow (std::string & error);
  // One Basic Notification subscription, until it fails or the stream goes.
  void follow_notifications (onvif::OnvifClient & client, std::string & error);
  // Publishes the states that changed.
  void publish (std::vector<onvif::CameraEvent> notifications);
  // Sleeps `ms`, or less when stopping; false when stopping.
  bool pause (unsigned ms);

  const std::string what_ = "camera events";
  const std::string stream_;
  const std::string uri_;
  GCancellable *const cancellable_ = g_cancellable_new ();
  std::mutex lock_;
  std::condition_variable wake_;
  bool stopping_ = false;
  // The last state published, per "kind source": a state is published when
  // it changes (a camera repeats them, and says them all on subscribing).
  std::map<std::string, bool> states_;
  // Notify messages the camera POSTed, waiting for the thread (under lock_).
  std::deque<std::string> delivered_;
  std::thread thread_;
};

}  // namespace camgate
