// PtzControl: steers the ONVIF cameras behind the gateway's streams
// (POST /api/v1/streams/<name>/ptz). Each camera has its own queue, served
// by one thread at a time: a move and the stop after it reach the device in
// the order they were asked, and a slow camera holds up only its own
// requests. The device session (clock, services, the profile to steer) is
// kept between requests and made again after any error. A move stops by
// itself after its timeout, on the device (ContinuousMove's Timeout) and,
// for devices that ignore that, by a Stop sent here unless another move or
// stop came first: a panel closed mid-move never leaves a camera turning.
#pragma once

#include "onvif_ptz.h"

#include <glib.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace camgate {

struct PtzRequest
{
  enum class Kind { Move, Stop, GotoPreset, SetPreset, Presets };
  Kind kind = Kind::Stop;
  onvif::PtzVelocity velocity;     // Move
  guint timeout_ms = 1000;         // Move
  std::string preset;              // GotoPreset: token; SetPreset: name
};

struct PtzAnswer
{
  guint status = 200;              // the HTTP status to answer with
  std::string error;
  std::vector<onvif::PtzPreset> presets;   // Presets
  std::string preset_token;        // SetPreset
};

class PtzControl
{
public:
  PtzControl ();
  ~PtzControl ();
  PtzControl (const PtzControl &) = delete;
  PtzControl & operator= (const PtzControl &) = delete;

  using Done = std::function<void (PtzAnswer)>;
  // Runs `request` on the camera of `stream`, whose source is the onvif://
  // URI `source`; `done` runs on the main context (never once this object
  // is gone). Main context only.
  void run (const std::string & stream, const std::string & source,
      PtzRequest request, Done done);

  // Bounds of the API (checked by the caller).
  static constexpr guint kMinTimeoutMs = 100;
  static constexpr guint kMaxTimeoutMs = 10000;

private:
  struct Camera;
  struct Job;
  static void work (gpointer job, gpointer camera);
  void stop_later (const std::string & stream, guint after_ms);

  std::map<std::string, std::shared_ptr<Camera>> cameras_;   // by stream
  const std::shared_ptr<PtzControl *> self_ =
      std::make_shared<PtzControl *> (this);
};

}  // namespace camgate
