#include "onvif/ptz_control.h"

#include "media/main_context.h"
#include "onvif_client.h"

#include <utility>

namespace camgate {

namespace {

// Per SOAP call; a request makes up to five (a new session, then the call).
constexpr guint kCallTimeoutS = 5;
// Requests waiting for one camera: more are refused, not queued.
constexpr guint kMaxWaiting = 16;

}  // namespace

struct PtzControl::Camera
{
  explicit Camera (std::string onvif_uri);
  ~Camera ();

  PtzAnswer perform (const PtzRequest & request);
  bool open_session (PtzAnswer & answer);

  const std::string source;
  GCancellable *const cancellable = g_cancellable_new ();
  GThreadPool *queue = nullptr;
  // The queue's thread only.
  std::unique_ptr<onvif::OnvifClient> client;
  std::string profile;
  // Main context only: counts moves and stops, so that a move's own stop
  // is sent only if nothing was asked after it.
  uint64_t commands = 0;
  guint stop_timer = 0;
};

struct PtzControl::Job
{
  PtzRequest request;
  Done done;                       // empty for a move's own stop
  std::weak_ptr<PtzControl *> control;
};

PtzControl::Camera::Camera (std::string onvif_uri)
    : source (std::move (onvif_uri))
{
  queue = g_thread_pool_new_full (&PtzControl::work, this, [](gpointer job) {
        delete static_cast<Job *> (job);
      }, 1, FALSE, nullptr);
}

PtzControl::Camera::~Camera ()
{
  if (stop_timer)
    g_source_remove (stop_timer);
  g_cancellable_cancel (cancellable);
  // Requests not started are dropped (their HTTP requests answered 503 as
  // their holders go); the one in flight ends at once, cancelled.
  g_thread_pool_free (queue, TRUE, TRUE);
  g_object_unref (cancellable);
}

bool
PtzControl::Camera::open_session (PtzAnswer & answer)
{
  if (client)
    return true;
  std::string device_url, wanted, error;
  onvif::Credentials credentials;
  if (!onvif::parse_onvif_uri (source, device_url, credentials, wanted,
          error)) {
    answer = { 409, error };
    return false;
  }
  auto session = std::make_unique<onvif::OnvifClient> (device_url,
      credentials, kCallTimeoutS);
  session->set_cancellable (cancellable);
  std::vector<onvif::Profile> profiles;
  if (!session->connect (error) || (!session->ptz_service ().empty ()
          && !session->profiles (profiles, error))) {
    answer = { 502, "the camera's ONVIF service failed: " + error };
    return false;
  }
  if (session->ptz_service ().empty ()) {
    answer = { 409, "the camera has no PTZ service" };
    return false;
  }
  // The profile named in the URI, else the one the stream plays if it has
  // PTZ, else the first that has.
  const onvif::Profile *chosen = nullptr;
  const onvif::Profile *played = onvif::main_profile (profiles);
  for (const auto & p : profiles)
    if (wanted.empty () ? p.ptz && !chosen : p.token == wanted)
      chosen = &p;
  if (wanted.empty () && played && played->ptz)
    chosen = played;
  if (!chosen || !chosen->ptz) {
    answer = { 409, wanted.empty () ? "no media profile of the camera has a "
          "PTZ configuration" : "the camera's profile '" + wanted
          + "' has no PTZ configuration" };
    return false;
  }
  profile = chosen->token;
  client = std::move (session);
  return true;
}

PtzAnswer
PtzControl::Camera::perform (const PtzRequest & request)
{
  PtzAnswer answer;
  if (!open_session (answer))
    return answer;
  using Kind = PtzRequest::Kind;
  std::unique_ptr<onvif::XmlDocument> reply;
  std::string error;
  bool ok = false;
  switch (request.kind) {
    case Kind::Move:
      ok = client->ptz ("ContinuousMove", onvif::ptz_continuous_move (profile,
              request.velocity, request.timeout_ms), reply, error);
      break;
    case Kind::Stop:
      ok = client->ptz ("Stop", onvif::ptz_stop (profile), reply, error);
      break;
    case Kind::GotoPreset:
      ok = client->ptz ("GotoPreset", onvif::ptz_goto_preset (profile,
              request.preset), reply, error);
      break;
    case Kind::SetPreset:
      ok = client->ptz ("SetPreset", onvif::ptz_set_preset (profile,
              request.preset), reply, error);
      if (ok)
        answer.preset_token = onvif::parse_set_preset (reply->root ());
      break;
    case Kind::Presets:
      ok = client->ptz ("GetPresets", onvif::ptz_get_presets (profile), reply,
          error);
      if (ok)
        answer.presets = onvif::parse_presets (reply->root ());
      break;
  }
  if (ok)
    return answer;
  // ter:NoToken: the device answered fine, about a preset it does not have.
  if (request.kind == Kind::GotoPreset
      && error.find (":NoToken") != std::string::npos)
    return { 404, "the camera has no preset '" + request.preset + "'" };
  client.reset ();                 // a fresh session for the next request
  return { 502, "the camera failed: " + error };
}

PtzControl::PtzControl () = default;
PtzControl::~PtzControl () = default;

void
PtzControl::work (gpointer data, gpointer camera_data)
{
  std::unique_ptr<Job> job (static_cast<Job *> (data));
  auto *camera = static_cast<Camera *> (camera_data);
  PtzAnswer answer = camera->perform (job->request);
  // The callback (and the HTTP request it holds) is only touched on the
  // main context.
  Done done = std::exchange (job->done, nullptr);
  if (!done)
    return;
  invoke_on_main ([control = job->control, done = std::move (done),
          answer = std::move (answer)]() {
        if (control.lock ())
          done (answer);
      });
}

void
PtzControl::run (const std::string & stream, const std::string & source,
    PtzRequest request, Done done)
{
  auto & camera = cameras_[stream];
  if (!camera || camera->source != source)
    camera = std::make_shared<Camera> (source);
  if (g_thread_pool_unprocessed (camera->queue) >= kMaxWaiting)
    return done ({ 503, "too many PTZ requests are waiting for this camera" });
  using Kind = PtzRequest::Kind;
  if (request.kind == Kind::Move || request.kind == Kind::Stop) {
    camera->commands++;
    if (camera->stop_timer)
      g_source_remove (camera->stop_timer);
    camera->stop_timer = 0;
  }
  if (request.kind == Kind::Move)
    stop_later (stream, request.timeout_ms);
  g_thread_pool_push (camera->queue, new Job { std::move (request),
          std::move (done), self_ }, nullptr);
}

void
PtzControl::stop_later (const std::string & stream, guint after_ms)
{
  auto & camera = cameras_[stream];
  struct Due
  {
    std::weak_ptr<Camera> camera;
    uint64_t commands;
    std::weak_ptr<PtzControl *> control;
  };
  camera->stop_timer = g_timeout_add_full (G_PRIORITY_DEFAULT, after_ms,
      [](gpointer data) -> gboolean {
        auto *due = static_cast<Due *> (data);
        auto camera = due->camera.lock ();
        if (!camera)
          return G_SOURCE_REMOVE;
        camera->stop_timer = 0;
        if (camera->commands == due->commands)
          g_thread_pool_push (camera->queue, new Job { PtzRequest {
                    PtzRequest::Kind::Stop }, {}, due->control }, nullptr);
        return G_SOURCE_REMOVE;
      }, new Due { camera, camera->commands, self_ }, [](gpointer data) {
        delete static_cast<Due *> (data);
      });
}

}  // namespace camgate
