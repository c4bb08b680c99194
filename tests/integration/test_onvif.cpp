// ONVIF end to end: a simulated ONVIF device (WS-Discovery + SOAP, stream
// URI pointing at the fake RTSP camera under a NAT address) found by
// `camgate discover` and by onvifdeviceprovider, and played through camgate
// from an onvif:// pipeline file.
#include "commands.h"
#include "fake_camera.h"
#include "fake_onvif.h"
#include "gstonvifdeviceprovider.h"
#include "gstonvifsrc.h"
#include "helpers.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

using namespace camgate::testing;
using namespace std::chrono_literals;

namespace {

class Onvif : public ::testing::Test
{
protected:
  void SetUp () override
  {
    ASSERT_TRUE (camera_.start ());
    device_ = std::make_unique<FakeOnvifDevice> (FakeOnvifOptions {
          .rtsp_uri = camera_.uri (), .media2 = true });
    ASSERT_TRUE (device_->start ());
  }

  std::string onvif_uri (const std::string & password = "secret") const
  {
    return "onvif://admin:" + password + "@127.0.0.1:"
        + std::to_string (device_->soap_port ());
  }

  FakeCamera camera_ { { .fps = 15, .gop_frames = 15, .audio = false } };
  std::unique_ptr<FakeOnvifDevice> device_;
};

}  // namespace

TEST_F (Onvif, DiscoverListsTheCameraAndWritesAPipelineFile)
{
  TempDir dir;
  const std::string command = camgate_binary () + " discover --timeout 1s "
      "--target " + device_->target () + " --user admin --password secret "
      "--write " + dir.path () + "/cams 2>&1";
  int status = -1;
  std::string output = run_command (command, &status);
  EXPECT_EQ (status, 0) << output;
  EXPECT_GT (device_->probes_answered (), 0);
  EXPECT_NE (output.find ("camgate FakeCam"), std::string::npos) << output;
  // Both profiles, the largest marked main, URIs rewritten to the host the
  // device answered on and unescaped.
  EXPECT_NE (output.find ("profile: main (main)  H264 640x480 15 fps  "
          "rtsp://127.0.0.1:" + std::to_string (camera_.port ())
          + "/cam?profile=main&transport=unicast"), std::string::npos)
      << output;
  EXPECT_NE (output.find ("profile: sub  H264 320x240"), std::string::npos);
  const std::string file = dir.path () + "/cams/fakecam.yaml";
  ASSERT_TRUE (std::filesystem::exists (file)) << output;
  std::ifstream in (file);
  std::string text ((std::istreambuf_iterator<char> (in)), {});
  EXPECT_NE (text.find ("uri: " + onvif_uri () + "/main"), std::string::npos)
      << text;
  // The written file is a valid pipeline file.
  EXPECT_NE (run_command (camgate_binary () + " check " + file, &status)
      .find ("ok"), std::string::npos);

  // A second run keeps the existing file.
  std::ofstream (file) << "source: test\n";
  output = run_command (command, &status);
  EXPECT_NE (output.find ("kept:"), std::string::npos) << output;
  std::ifstream again (file);
  std::string kept ((std::istreambuf_iterator<char> (again)), {});
  EXPECT_EQ (kept, "source: test\n");
}

TEST_F (Onvif, DiscoverReportsAWrongPassword)
{
  int status = -1;
  std::string output = run_command (camgate_binary () + " discover --timeout 1s "
      "--target " + device_->target () + " --user admin --password nope 2>&1",
      &status);
  EXPECT_EQ (status, 1);
  EXPECT_NE (output.find ("refused the credentials for user 'admin'"),
      std::string::npos) << output;
}

TEST_F (Onvif, OnvifUriPlaysThroughCamgate)
{
  TempDir dir;
  auto gateway = GatewayProcess::with_pipelines (dir, { { "door.yaml",
            "source:\n  uri: " + onvif_uri () + "\n  transport: tcp\n" } });
  ASSERT_TRUE (gateway->wait_running ("door")) << gateway->log ();
  Viewer viewer (gateway->url ("door"), "tcp");
  EXPECT_TRUE (viewer.wait_frames (10, 15s)) << viewer.error ()
      << gateway->log ();
  EXPECT_EQ (device_->auth_failures (), 0);
}

TEST_F (Onvif, WrongPasswordIsAClearStreamError)
{
  TempDir dir;
  auto gateway = GatewayProcess::with_pipelines (dir, { { "door.yaml",
            "source:\n  uri: " + onvif_uri ("wrong") + "\n" } });
  ASSERT_TRUE (gateway->ready ()) << gateway->log ();
  EXPECT_TRUE (wait_until ([&]() {
        auto reply = http_request (gateway->http_port (), "GET",
            "/api/v1/streams/door");
        return reply.body.find ("refused the credentials") != std::string::npos;
      }, 10s)) << gateway->log ();
  EXPECT_GT (device_->auth_failures (), 0);
  // The password stays out of the API and the log.
  EXPECT_EQ (gateway->log ().find ("wrong@"), std::string::npos);
  EXPECT_TRUE (gateway->running ());
}

TEST (OnvifDigest, HttpDigestDevicePlays)
{
  FakeCamera camera ({ .audio = false });
  ASSERT_TRUE (camera.start ());
  FakeOnvifDevice device ({ .rtsp_uri = camera.uri (), .http_digest = true });
  ASSERT_TRUE (device.start ());
  GstElement *pipeline = gst_parse_launch (("onvifsrc location=onvif://admin:"
          "secret@127.0.0.1:" + std::to_string (device.soap_port ())
          + " ! rtph264depay name=depay ! avdec_h264 ! fakesink name=out").c_str (),
      nullptr);
  ASSERT_NE (pipeline, nullptr);
  // onvifsrc's pads come late: link by hand.
  GstElement *src = gst_bin_get_by_interface (GST_BIN (pipeline),
      GST_TYPE_URI_HANDLER);
  // Named: default names count up across the whole process.
  GstElement *depay = gst_bin_get_by_name (GST_BIN (pipeline), "depay");
  ASSERT_NE (depay, nullptr);
  g_signal_connect (src, "pad-added", G_CALLBACK (+[](GstElement *, GstPad * pad,
              gpointer depay) {
            GstPad *sink = gst_element_get_static_pad (GST_ELEMENT (depay),
                "sink");
            if (!gst_pad_is_linked (sink))
              gst_pad_link (pad, sink);
            gst_object_unref (sink);
          }), depay);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "out");
  std::atomic<int> frames { 0 };
  g_object_set (sink, "signal-handoffs", TRUE, nullptr);
  g_signal_connect (sink, "handoff", G_CALLBACK (+[](GstElement *, GstBuffer *,
              GstPad *, gpointer n) {
            static_cast<std::atomic<int> *> (n)->fetch_add (1);
          }), &frames);
  gst_object_unref (sink);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  GstBus *bus = gst_element_get_bus (pipeline);
  std::string error;
  wait_until ([&]() {
        if (GstMessage *m = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR)) {
          GError *e = nullptr;
          gst_message_parse_error (m, &e, nullptr);
          error = e->message;
          g_clear_error (&e);
          gst_message_unref (m);
          return true;
        }
        return frames >= 10;
      }, 15s);
  EXPECT_TRUE (error.empty ()) << error;
  EXPECT_GE (frames, 10);
  gchar *uri = nullptr;
  g_object_get (src, "stream-uri", &uri, nullptr);
  EXPECT_EQ (std::string (uri).rfind ("rtsp://127.0.0.1:", 0), 0u) << uri;
  g_free (uri);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (depay);
  gst_object_unref (src);
  gst_object_unref (pipeline);
}

TEST_F (Onvif, DeviceProviderSeesHelloAndBye)
{
  GstDeviceProvider *provider = gst_device_provider_factory_get_by_name (
      "onvifdeviceprovider");
  ASSERT_NE (provider, nullptr);
  g_object_set (provider, "targets", device_->target ().c_str (), "user",
      "admin", "password", "secret", nullptr);
  GstBus *bus = gst_device_provider_get_bus (provider);
  ASSERT_TRUE (gst_device_provider_start (provider));
  GstMessage *added = gst_bus_timed_pop_filtered (bus, 10 * GST_SECOND,
      GST_MESSAGE_DEVICE_ADDED);
  ASSERT_NE (added, nullptr);
  GstDevice *device = nullptr;
  gst_message_parse_device_added (added, &device);
  gchar *name = gst_device_get_display_name (device);
  EXPECT_STREQ (name, "FakeCam");
  g_free (name);
  GstStructure *props = gst_device_get_properties (device);
  EXPECT_STREQ (gst_structure_get_string (props, "onvif.model"), "FakeCam");
  EXPECT_STREQ (gst_structure_get_string (props, "onvif.endpoint"),
      device_->endpoint ().c_str ());
  gst_structure_free (props);
  GstElement *src = gst_device_create_element (device, nullptr);
  ASSERT_NE (src, nullptr);
  EXPECT_TRUE (GST_IS_ONVIF_SRC (src));
  gst_object_unref (gst_object_ref_sink (src));
  gst_object_unref (device);
  gst_message_unref (added);

  device_->send_bye ();
  GstMessage *removed = gst_bus_timed_pop_filtered (bus, 5 * GST_SECOND,
      GST_MESSAGE_DEVICE_REMOVED);
  EXPECT_NE (removed, nullptr);
  if (removed)
    gst_message_unref (removed);
  // Hello brings it back without a probe.
  device_->send_hello ();
  GstMessage *again = gst_bus_timed_pop_filtered (bus, 5 * GST_SECOND,
      GST_MESSAGE_DEVICE_ADDED);
  EXPECT_NE (again, nullptr);
  if (again)
    gst_message_unref (again);
  gst_device_provider_stop (provider);
  gst_object_unref (bus);
  gst_object_unref (provider);
}

TEST_F (Onvif, CamerasApiListsWhatTheGatewayFound)
{
  TempDir dir;
  dir.write ("camgate.yaml", "onvif:\n  targets: [" + device_->target ()
      + "]\n  user: admin\n  password: secret\n");
  GatewayProcess gateway ({ "--config", dir.path () + "/camgate.yaml" });
  ASSERT_TRUE (gateway.ready ()) << gateway.log ();
  HttpReply reply;
  EXPECT_TRUE (wait_until ([&]() {
        reply = http_request (gateway.http_port (), "GET", "/api/v1/cameras");
        return reply.body.find ("FakeCam") != std::string::npos; }, 10s))
      << reply.body << gateway.log ();
  EXPECT_NE (reply.body.find ("\"uri\" : \"onvif://127.0.0.1:"
          + std::to_string (device_->soap_port ()) + "\""), std::string::npos)
      << reply.body;
  EXPECT_NE (reply.body.find ("\"manufacturer\" : \"camgate\""),
      std::string::npos);
  // Never the password.
  EXPECT_EQ (reply.body.find ("secret"), std::string::npos);
}

TEST (OnvifHostile, GarbageAndOversizedRepliesAreRefusedCleanly)
{
  // Discovery answers that are not XML, or a whole datagram of markup.
  for (const std::string & reply : { std::string ("\x01\x02garbage<<<"),
           std::string ("<a>") + std::string (60000, 'x') }) {
    FakeOnvifDevice device ({ .discovery_reply = reply });
    ASSERT_TRUE (device.start ());
    int status = -1;
    std::string output = run_command (camgate_binary () + " discover --timeout "
        "500ms --target " + device.target () + " 2>&1", &status);
    EXPECT_EQ (status, 1) << output;
    EXPECT_NE (output.find ("no ONVIF camera answered"), std::string::npos)
        << output;
    EXPECT_GT (device.probes_answered (), 0);
  }
  // A device whose SOAP replies are 2 MiB, or not XML.
  for (const std::string & reply : { std::string (2 << 20, '<'),
           std::string ("<Envelope><Body><GetStreamUriResponse>") }) {
    FakeOnvifDevice device ({ .soap_reply = reply });
    ASSERT_TRUE (device.start ());
    int status = -1;
    std::string output = run_command (camgate_binary () + " discover --timeout "
        "500ms --target " + device.target () + " 2>&1", &status);
    EXPECT_EQ (status, 1) << output;
    EXPECT_NE (output.find ("error:"), std::string::npos) << output;
    EXPECT_TRUE (output.find ("larger than 1024 KiB") != std::string::npos
        || output.find ("not well-formed XML") != std::string::npos) << output;
  }
}

TEST_F (Onvif, DiscoveredCameraBecomesAStreamThroughTheApi)
{
  TempDir config, pipes;
  config.write ("camgate.yaml", "pipelines: " + pipes.path () + "\n"
      "onvif:\n  targets: [" + device_->target () + "]\n");
  GatewayProcess gateway ({ "--config", config.path () + "/camgate.yaml" });
  ASSERT_TRUE (gateway.ready ()) << gateway.log ();
  HttpReply list;
  ASSERT_TRUE (wait_until ([&]() {
        list = http_request (gateway.http_port (), "GET", "/api/v1/cameras");
        return list.body.find ("FakeCam") != std::string::npos; }, 10s))
      << list.body << gateway.log ();
  auto at = list.body.find ("\"id\" : \"");
  ASSERT_NE (at, std::string::npos) << list.body;
  std::string id = list.body.substr (at + 8, 12);

  EXPECT_EQ (http_request (gateway.http_port (), "POST",
          "/api/v1/cameras/nope/add", R"({"name": "x"})").status, 404);
  EXPECT_EQ (http_request (gateway.http_port (), "POST", "/api/v1/cameras/"
          + id + "/add", R"({"name": 7, "user": ["x"]})").status, 400);
  auto added = http_request (gateway.http_port (), "POST", "/api/v1/cameras/"
      + id + "/add", R"({"name": "porch", "user": "admin",
      "password": "secret"})");
  ASSERT_EQ (added.status, 201) << added.body;
  EXPECT_EQ (added.body.find ("secret"), std::string::npos) << added.body;
  std::ifstream file (pipes.path () + "/porch.yaml");
  std::string text ((std::istreambuf_iterator<char> (file)),
      std::istreambuf_iterator<char> ());
  EXPECT_NE (text.find ("onvif://admin:secret@127.0.0.1:"), std::string::npos)
      << text;
  ASSERT_TRUE (gateway.wait_running ("porch")) << gateway.log ();
  Viewer viewer (gateway.url ("porch"), "tcp");
  EXPECT_TRUE (viewer.wait_frames (10, 20s)) << viewer.error ();
  // The same name again is a conflict, not an overwrite.
  EXPECT_EQ (http_request (gateway.http_port (), "POST", "/api/v1/cameras/"
          + id + "/add", R"({"name": "porch"})").status, 409);
}

TEST (OnvifEvents, ACameraThatAnswersPullsAtOnceIsNotAskedAtNetworkSpeed)
{
  FakeCamera camera ({ .audio = false });
  ASSERT_TRUE (camera.start ());
  // Answers every PullMessages at once, empty, whatever its timeout says.
  FakeOnvifDevice device ({ .rtsp_uri = camera.uri (), .events = true,
        .pull_wait_ms = 0 });
  ASSERT_TRUE (device.start ());
  TempDir dir;
  auto gateway = GatewayProcess::with_pipelines (dir, { { "door.yaml",
            "source: { uri: '" + device.onvif_uri ()
            + "', on-demand: true }\n" } });
  ASSERT_TRUE (gateway->wait_for_log ("following the camera's events", 15s))
      << gateway->log ();
  EventReader events (gateway->http_port ());
  ASSERT_TRUE (events.wait_for ("text/event-stream", 5s)) << events.text ();
  const int before = device.pulls ();
  std::this_thread::sleep_for (3s);
  // About one a second (without the pause: thousands).
  EXPECT_LE (device.pulls () - before, 8);
  EXPECT_GE (device.pulls () - before, 1);
  // And news still gets through.
  device.set_motion (true);
  EXPECT_TRUE (events.wait_for ("event: camera.motion\ndata: [^\n]*"
          "\"state\":\"start\"", 5s)) << events.text ();
}

TEST (OnvifEvents, ACameraWithoutPullPointSendsItsEventsToTheGateway)
{
  FakeCamera camera ({ .audio = false });
  ASSERT_TRUE (camera.start ());
  // Refuses PullPoint subscriptions, takes a Basic Notification Subscribe;
  // grants 4 s, so the subscription lives only if it is renewed.
  FakeOnvifDevice device ({ .rtsp_uri = camera.uri (), .events = true,
        .pull_point = false, .event_termination_s = 4 });
  ASSERT_TRUE (device.start ());
  TempDir dir;
  auto gateway = GatewayProcess::with_pipelines (dir, { { "door.yaml",
            "source: { uri: '" + device.onvif_uri ()
            + "', on-demand: true }\n" } });
  ASSERT_TRUE (gateway->wait_for_log ("Basic Notification", 15s))
      << gateway->log ();
  EventReader events (gateway->http_port ());
  ASSERT_TRUE (events.wait_for ("text/event-stream", 5s)) << events.text ();
  // The camera sends to the gateway's HTTP port, at a path of its own.
  const std::string consumer = device.consumer ();
  const std::string origin = "http://127.0.0.1:"
      + std::to_string (gateway->http_port ());
  ASSERT_EQ (consumer.rfind (origin + "/api/v1/onvif/events/", 0), 0u)
      << consumer;
  const std::string path = consumer.substr (origin.size ());

  device.set_motion (true);
  EXPECT_TRUE (events.wait_for ("event: camera.motion\ndata: [^\n]*"
          "\"state\":\"start\"", 5s)) << events.text ();
  // Past the first grant: renewed, so the camera still sends.
  std::this_thread::sleep_for (5s);
  EXPECT_GE (device.renewals (), 1);
  device.set_motion (false);
  EXPECT_TRUE (events.wait_for ("event: camera.motion\ndata: [^\n]*"
          "\"state\":\"stop\"", 5s)) << events.text ();
  EXPECT_GE (device.notifies_sent (), 3);   // the state, start, stop
  EXPECT_TRUE (wait_until ([&] {
        return device.notifies_accepted () == device.notifies_sent (); }, 5s))
      << device.notifies_accepted () << " of " << device.notifies_sent ();

  // The token is the only credential: anyone else is refused, and nothing
  // a sender POSTs brings the gateway down.
  const int port = gateway->http_port ();
  EXPECT_EQ (http_request (port, "POST", "/api/v1/onvif/events/"
          + std::string (32, '0'), "<x/>").status, 404);
  EXPECT_EQ (http_request (port, "POST", "/api/v1/onvif/events/", "<x/>").status,
      404);
  EXPECT_EQ (http_request (port, "GET", path).status, 405);
  EXPECT_EQ (http_request (port, "POST", path, std::string (70000, '<'))
      .status, 413);
  EXPECT_EQ (http_request (port, "POST", path, "<Notify><<<").status, 200);
  EXPECT_EQ (http_request (port, "POST", path, "<!DOCTYPE x [<!ENTITY a "
          "\"aaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]><Notify>&b;</Notify>")
      .status, 200);
  EXPECT_TRUE (gateway->running ());
  // And the camera's own events still arrive.
  device.set_motion (true);
  EXPECT_TRUE (events.wait_for ("\"state\":\"stop\"[\\s\\S]*event: "
          "camera.motion\ndata: [^\n]*\"state\":\"start\"", 5s))
      << events.text ();
}
