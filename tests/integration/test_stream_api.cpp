// The stream management API against a live gateway: create, change and
// delete streams (their pipeline files change and hot reload applies them),
// bad input (400 with camgate check's reasons, no file left), snapshots.
#include "helpers.h"

#include <gio/gio.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

using namespace camgate::testing;
using namespace std::chrono_literals;

namespace {

std::string
file_text (const std::string & path)
{
  std::ifstream in (path);
  return std::string ((std::istreambuf_iterator<char> (in)),
      std::istreambuf_iterator<char> ());
}

class StreamApi : public ::testing::Test
{
protected:
  void SetUp () override
  {
    gateway_ = GatewayProcess::with_pipelines (dir_, { { "first.yaml",
              "source: test\n" } });
    ASSERT_TRUE (gateway_->ready ()) << gateway_->log ();
    ASSERT_TRUE (gateway_->wait_running ("first")) << gateway_->log ();
  }

  HttpReply call (const std::string & method, const std::string & target,
      const std::string & body = {})
  {
    return http_request (gateway_->http_port (), method, target, body,
        { { "Content-Type", "application/json" } });
  }

  std::vector<std::string> files () const
  {
    std::vector<std::string> out;
    for (const auto & e : std::filesystem::directory_iterator (dir_.path ()))
      out.push_back (e.path ().filename ().string ());
    std::sort (out.begin (), out.end ());
    return out;
  }

  TempDir dir_;
  std::unique_ptr<GatewayProcess> gateway_;
};

}  // namespace

TEST_F (StreamApi, CreateChangeDeleteRoundTrip)
{
  auto created = call ("POST", "/api/v1/streams", R"({"name": "lobby",
      "source": "test", "outputs": {"hls": {"segment": "1s"}}})");
  ASSERT_EQ (created.status, 201) << created.body;
  EXPECT_EQ (header_value (created, "Location"), "/api/v1/streams/lobby");
  EXPECT_NE (created.body.find ("\"name\" : \"lobby\""), std::string::npos);
  EXPECT_NE (file_text (dir_.path () + "/lobby.yaml").find ("segment: 1s"),
      std::string::npos);
  // It runs and plays, like a stream from a hand-written file.
  ASSERT_TRUE (gateway_->wait_running ("lobby")) << gateway_->log ();
  {
    Viewer viewer (gateway_->url ("lobby"), "tcp");
    EXPECT_TRUE (viewer.wait_frames (10, 20s)) << viewer.error ();
  }
  EXPECT_EQ (call ("POST", "/api/v1/streams", R"({"name": "lobby",
      "source": "test"})").status, 409);

  // PATCH merges: HLS off, recording on; the file says so.
  auto patched = call ("PATCH", "/api/v1/streams/lobby",
      R"({"outputs": {"hls": null, "webrtc": false}})");
  ASSERT_EQ (patched.status, 200) << patched.body;
  EXPECT_NE (patched.body.find ("\"hls\" : false"), std::string::npos)
      << patched.body;
  EXPECT_NE (patched.body.find ("\"webrtc\" : false"), std::string::npos);
  std::string text = file_text (dir_.path () + "/lobby.yaml");
  EXPECT_EQ (text.find ("hls"), std::string::npos) << text;
  EXPECT_NE (text.find ("source: test"), std::string::npos) << text;

  // PUT replaces the whole definition.
  auto replaced = call ("PUT", "/api/v1/streams/lobby", R"({"source": "publish"})");
  ASSERT_EQ (replaced.status, 200) << replaced.body;
  EXPECT_NE (replaced.body.find ("\"kind\" : \"publish\""), std::string::npos);
  EXPECT_EQ (file_text (dir_.path () + "/lobby.yaml"), "source: publish\n");

  auto removed = call ("DELETE", "/api/v1/streams/lobby");
  EXPECT_EQ (removed.status, 200) << removed.body;
  EXPECT_EQ (files (), std::vector<std::string> { "first.yaml" });
  EXPECT_EQ (call ("GET", "/api/v1/streams/lobby").status, 404);
  EXPECT_EQ (call ("DELETE", "/api/v1/streams/lobby").status, 404);
  EXPECT_TRUE (gateway_->running ());
}

TEST_F (StreamApi, BadInputIsA400WithReasonsAndLeavesNoFile)
{
  auto bad = call ("POST", "/api/v1/streams", R"({"name": "door",
      "source": {"uri": "http://camera/1"}, "health": {"max-gop": "soon"}})");
  EXPECT_EQ (bad.status, 400);
  EXPECT_NE (bad.body.find ("source.uri: unsupported scheme 'http'"),
      std::string::npos) << bad.body;
  EXPECT_NE (bad.body.find ("health.max-gop"), std::string::npos) << bad.body;
  EXPECT_EQ (call ("POST", "/api/v1/streams", "{\"name\": ").status, 400);
  EXPECT_EQ (call ("POST", "/api/v1/streams", R"({"source": "test"})").status,
      400);
  EXPECT_EQ (call ("POST", "/api/v1/streams", R"({"name": "../../etc/x",
      "source": "test"})").status, 400);
  EXPECT_EQ (call ("PATCH", "/api/v1/streams/first",
          R"({"name": "second"})").status, 400);
  EXPECT_EQ (call ("PATCH", "/api/v1/streams/first",
          R"({"source": {"transport": "pigeon"}})").status, 400);
  EXPECT_EQ (call ("PUT", "/api/v1/streams/nobody", R"({"source": "test"})")
      .status, 404);
  EXPECT_EQ (call ("POST", "/api/v1/streams/first").status, 405);
  // Wrong JSON types are reasons, not crashes.
  for (const char *body : { R"({"name": 5, "source": "test"})",
           R"({"name": {"a": 1}, "source": "test"})",
           R"({"name": "x", "source": [1, {"b": null}]})" })
    EXPECT_EQ (call ("POST", "/api/v1/streams", body).status, 400) << body;
  for (const char *body : { R"({"user": 5, "password": []})",
           R"({"ttl": {"x": 1}})", R"({"ttl": "forever"})", "[]" })
    EXPECT_NE (call ("POST", "/api/v1/auth/token", body).status, 200) << body;
  EXPECT_TRUE (gateway_->running ());
  // Nothing was written, the first stream runs on.
  EXPECT_EQ (files (), std::vector<std::string> { "first.yaml" });
  EXPECT_EQ (file_text (dir_.path () + "/first.yaml"), "source: test\n");
  auto first = call ("GET", "/api/v1/streams/first");
  EXPECT_NE (first.body.find ("\"state\" : \"running\""), std::string::npos)
      << first.body;
}

TEST_F (StreamApi, SnapshotIsAJpegOfTheLatestKeyframe)
{
  // A client that leaves while it waits for the first keyframe is forgotten.
  {
    GSocketClient *client = g_socket_client_new ();
    GSocketConnection *conn = g_socket_client_connect_to_host (client,
        ("127.0.0.1:" + std::to_string (gateway_->http_port ())).c_str (), 0,
        nullptr, nullptr);
    ASSERT_TRUE (conn);
    const std::string request = "GET /api/v1/streams/first/snapshot.jpg "
        "HTTP/1.0\r\n\r\n";
    g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM
            (conn)), request.data (), request.size (), nullptr, nullptr,
        nullptr);
    g_io_stream_close (G_IO_STREAM (conn), nullptr, nullptr);
    g_object_unref (conn);
    g_object_unref (client);
  }
  auto first = call ("GET", "/api/v1/streams/first/snapshot.jpg");
  ASSERT_EQ (first.status, 200) << first.body;
  EXPECT_EQ (header_value (first, "Content-Type"), "image/jpeg");
  ASSERT_GT (first.body.size (), 1000u);
  EXPECT_EQ (static_cast<unsigned char> (first.body[0]), 0xFF);
  EXPECT_EQ (static_cast<unsigned char> (first.body[1]), 0xD8);
  // 640x360 (the test source): the SOF0 marker carries the size.
  auto sof = first.body.find ("\xFF\xC0");
  ASSERT_NE (sof, std::string::npos);
  auto u16 = [&](size_t at) {
    return (static_cast<unsigned char> (first.body[at]) << 8)
        | static_cast<unsigned char> (first.body[at + 1]);
  };
  EXPECT_EQ (u16 (sof + 5), 360);
  EXPECT_EQ (u16 (sof + 7), 640);
  // A second request is answered from the latest keyframe, at once.
  auto again = call ("GET", "/api/v1/streams/first/snapshot.jpg");
  EXPECT_EQ (again.status, 200);
  EXPECT_EQ (call ("GET", "/api/v1/streams/nobody/snapshot.jpg").status, 404);
  EXPECT_TRUE (gateway_->running ());
  EXPECT_EQ (gateway_->log ().find ("CRITICAL"), std::string::npos)
      << gateway_->log ();
}
