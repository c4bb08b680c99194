// PTZ through the API: a simulated ONVIF device with a PTZ service records
// what camgate asked it; users without `control` are refused, and streams
// whose camera cannot steer say so.
#include "auth/password_hash.h"
#include "fake_camera.h"
#include "fake_onvif.h"
#include "helpers.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

using namespace camgate::testing;
using camgate::hash_password;
using namespace std::chrono_literals;

namespace {

class Ptz : public ::testing::Test
{
protected:
  void SetUp () override
  {
    ASSERT_TRUE (camera_.start ());
    // Media2 with PTZ (its profiles name the configuration "PTZ"), and a
    // Media1-only camera without PTZ.
    steering_ = std::make_unique<FakeOnvifDevice> (FakeOnvifOptions {
          .rtsp_uri = camera_.uri (), .media2 = true, .ptz = true });
    fixed_ = std::make_unique<FakeOnvifDevice> (FakeOnvifOptions {
          .rtsp_uri = camera_.uri () });
    ASSERT_TRUE (steering_->start ());
    ASSERT_TRUE (fixed_->start ());
    // Sources that are never played: PTZ does not need the stream running.
    pipes_.write ("door.yaml", "source: { uri: '" + steering_->onvif_uri ()
        + "', on-demand: true }\n");
    pipes_.write ("hall.yaml", "source: { uri: '" + fixed_->onvif_uri ()
        + "', on-demand: true }\n");
    pipes_.write ("yard.yaml", "source: { uri: '" + camera_.uri ()
        + "', on-demand: true }\n");
    dir_.write ("gateway.yaml", "pipelines: " + pipes_.path () + "\nusers:\n"
        "  - name: ops\n    password-hash: \"" + hash_password ("ops-pw")
        + "\"\n    permissions: { \"*\": [read, control] }\n"
        "  - name: guard\n    password-hash: \"" + hash_password ("guard-pw")
        + "\"\n    permissions: { \"*\": [read, api] }\n");
    gateway_ = std::make_unique<GatewayProcess> (std::vector<std::string> {
          "--config", dir_.path () + "/gateway.yaml" });
    ASSERT_TRUE (gateway_->wait_for_log ("stream door:", 15s))
        << gateway_->log ();
  }

  HttpReply ptz (const std::string & stream, const std::string & body,
      const std::string & user = "ops")
  {
    return http_request (gateway_->http_port (), "POST", "/api/v1/streams/"
        + stream + "/ptz", body, { { "Authorization", basic_auth (user,
                    user + "-pw") } });
  }

  // Waits until the device was asked `call` (as FakeOnvifDevice words it).
  bool device_was_asked (const std::string & call,
      std::chrono::milliseconds limit = 5s)
  {
    return wait_until ([&]() {
          auto calls = steering_->ptz_calls ();
          return std::find (calls.begin (), calls.end (), call)
              != calls.end (); }, limit);
  }

  std::string calls () const
  {
    std::string out;
    for (const auto & c : steering_->ptz_calls ())
      out += c + "; ";
    return out;
  }

  FakeCamera camera_ { { .audio = false } };
  std::unique_ptr<FakeOnvifDevice> steering_, fixed_;
  TempDir dir_, pipes_;
  std::unique_ptr<GatewayProcess> gateway_;
};

TEST_F (Ptz, MovesStopsAndPresetsReachTheCamera)
{
  // A move stops by itself after its timeout, even if no stop comes.
  auto reply = ptz ("door", R"({"move": {"pan": 0.5, "tilt": -0.25},
      "timeout": "300ms"})");
  EXPECT_EQ (reply.status, 200) << reply.body;
  EXPECT_TRUE (device_was_asked ("ContinuousMove pan=0.5 tilt=-0.25 zoom=- "
          "timeout=PT0.3S")) << calls ();
  EXPECT_TRUE (device_was_asked ("Stop pan-tilt=true zoom=true", 3s))
      << calls ();

  // Hold to zoom, release: the release's stop, and no second one later.
  const size_t before = steering_->ptz_calls ().size ();
  EXPECT_EQ (ptz ("door", R"({"move": {"zoom": 1}, "timeout": "1s"})")
      .status, 200);
  EXPECT_EQ (ptz ("door", R"({"stop": true})").status, 200);
  std::this_thread::sleep_for (1500ms);
  auto after = steering_->ptz_calls ();
  ASSERT_EQ (after.size (), before + 2) << calls ();
  EXPECT_EQ (after[before], "ContinuousMove pan=- tilt=- zoom=1 timeout=PT1S");
  EXPECT_EQ (after[before + 1], "Stop pan-tilt=true zoom=true");

  reply = ptz ("door", R"({"goto-preset": "1"})");
  EXPECT_EQ (reply.status, 200) << reply.body;
  EXPECT_TRUE (device_was_asked ("GotoPreset 1")) << calls ();
  reply = ptz ("door", R"({"goto-preset": "nope"})");
  EXPECT_EQ (reply.status, 404) << reply.body;
  EXPECT_NE (reply.body.find ("no preset 'nope'"), std::string::npos);

  reply = ptz ("door", R"({"set-preset": "gate <west>"})");
  EXPECT_EQ (reply.status, 200) << reply.body;
  EXPECT_NE (reply.body.find ("\"preset\" : \"2\""), std::string::npos)
      << reply.body;
  reply = http_request (gateway_->http_port (), "GET",
      "/api/v1/streams/door/ptz/presets", "", { { "Authorization",
              basic_auth ("ops", "ops-pw") } });
  EXPECT_EQ (reply.status, 200) << reply.body;
  EXPECT_NE (reply.body.find ("\"token\" : \"1\",\n      \"name\" : \"Home\""),
      std::string::npos) << reply.body;
  EXPECT_NE (reply.body.find ("\"name\" : \"gate <west>\""),
      std::string::npos) << reply.body;
  EXPECT_EQ (steering_->auth_failures (), 0);
}

TEST_F (Ptz, RefusalsAndCamerasThatCannotSteerAreClear)
{
  // `read` and `api` are not `control`.
  auto reply = ptz ("door", R"({"stop": true})", "guard");
  EXPECT_EQ (reply.status, 403) << reply.body;
  reply = http_request (gateway_->http_port (), "GET",
      "/api/v1/streams/door/ptz/presets", "", { { "Authorization",
              basic_auth ("guard", "guard-pw") } });
  EXPECT_EQ (reply.status, 403) << reply.body;
  reply = http_request (gateway_->http_port (), "POST",
      "/api/v1/streams/door/ptz", R"({"stop": true})");
  EXPECT_EQ (reply.status, 401) << reply.body;
  EXPECT_TRUE (steering_->ptz_calls ().empty ()) << calls ();

  reply = ptz ("hall", R"({"stop": true})");
  EXPECT_EQ (reply.status, 409) << reply.body;
  EXPECT_NE (reply.body.find ("no PTZ service"), std::string::npos)
      << reply.body;
  reply = ptz ("yard", R"({"stop": true})");
  EXPECT_EQ (reply.status, 409) << reply.body;
  EXPECT_NE (reply.body.find ("not an ONVIF camera"), std::string::npos)
      << reply.body;
  EXPECT_EQ (ptz ("nowhere", R"({"stop": true})").status, 404);

  for (const char *bad : { R"({"move": {"pan": 2}})", R"({"move": {}})",
          R"({"move": {"pan": "left"}})", R"({"move": {"roll": 1}})",
          R"({"move": {"pan": 0.1}, "timeout": "1h"})",
          R"({"move": {"pan": 0.1}, "timeout": 500})",
          R"({"stop": true, "move": {"pan": 0.1}})", R"({"stop": false})",
          R"({"goto-preset": ""})", R"({"stop": true, "timeout": "1s"})",
          R"({"fly": 1})", "[]", "{" }) {
    reply = ptz ("door", bad);
    EXPECT_EQ (reply.status, 400) << bad << ": " << reply.body;
    EXPECT_NE (reply.body.find ("\"error\""), std::string::npos) << bad;
  }
  EXPECT_TRUE (steering_->ptz_calls ().empty ()) << calls ();
  EXPECT_TRUE (gateway_->running ());
}

}  // namespace
