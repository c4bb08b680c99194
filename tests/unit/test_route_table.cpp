// The HTTP API's routes as a table: every route names the access it needs,
// and a stream's routes are always checked against that stream.
#include "http/http_server.h"
#include "http/route_table.h"
#include "outputs/stream_outputs.h"
#include "rtsp/rtsp_server.h"
#include "stream/stream_manager.h"

#include <gtest/gtest.h>

#include <set>

using namespace camgate;

TEST (RouteTable, EveryApiRouteIsGuarded)
{
  RtspServer rtsp;
  StreamManager streams (rtsp, GatewayConfig {}, make_stream_outputs);
  AccessControl access;
  HttpServer http (streams, access, { 0, 0 });
  const auto & routes = http.api_routes ().routes ();
  ASSERT_GT (routes.size (), 10u);
  // The only doors open to anyone (a camera's events come with the secret
  // token of their subscription instead of a user), and those whose handler
  // decides per item (lists filtered by the caller's permissions; a name
  // that comes in the body).
  const std::set<std::string> open = { "GET /api/v1/info",
    "POST /api/v1/onvif/events/{token}" };
  const std::set<std::string> per_item = { "GET /api/v1/streams",
    "POST /api/v1/streams", "POST /api/v1/cameras/{id}/add",
    "GET /api/v1/events" };
  std::set<std::string> seen;
  for (const auto & r : routes) {
    const std::string key = std::string (r.method) + " " + r.pattern;
    EXPECT_TRUE (seen.insert (key).second) << key << " twice";
    EXPECT_TRUE (r.handler) << key;
    switch (r.access) {
      case Route::Access::Public:
        EXPECT_TRUE (open.count (key)) << key << " is public";
        break;
      case Route::Access::PerItem:
        EXPECT_TRUE (per_item.count (key)) << key << " checks in its handler";
        break;
      case Route::Access::Needs:
        EXPECT_NE (r.any_of, 0u) << key;
        EXPECT_STRNE (r.what, "") << key;
        break;
    }
    // A route about one stream is authorised on that stream.
    if (std::string (r.pattern).find ("{stream}") != std::string::npos) {
      EXPECT_EQ (r.access, Route::Access::Needs) << key;
      EXPECT_NE (std::string (r.what).find ("{stream}"), std::string::npos)
          << key;
    }
    // Steering a camera needs `control`, and nothing else gives it.
    if (std::string (r.pattern).find ("/ptz") != std::string::npos) {
      EXPECT_EQ (r.any_of, unsigned (kPermControl)) << key;
    }
    // Deleting recordings is for admins only.
    if (std::string (r.method) == "DELETE"
        && std::string (r.pattern).rfind ("/api/v1/recordings", 0) == 0) {
      EXPECT_EQ (r.any_of, unsigned (kPermAdmin)) << key;
    }
  }
}

TEST (RouteTable, FindsRoutesMethodsAndParameters)
{
  RouteTable table;
  auto nothing = [](const RouteRequest &) {};
  table.add ({ "GET", "/api/v1/things/{stream}", Route::Access::Needs,
        kPermRead, "see '{stream}'", nothing });
  table.add ({ "DELETE", "/api/v1/things/{stream}", Route::Access::Needs,
        kPermAdmin, "delete '{stream}'", nothing });
  table.add ({ "GET", "/api/v1/things/{stream}/files/{file}",
        Route::Access::Needs, kPermRead, "see '{stream}'", nothing });
  const Route *route = nullptr;
  std::map<std::string, std::string> params;
  std::string allow;
  EXPECT_EQ (table.find ("HEAD", "/api/v1/things/cam/", &route, params, allow),
      RouteTable::Found::Route);
  EXPECT_STREQ (route->method, "GET");
  EXPECT_EQ (params["stream"], "cam");
  EXPECT_EQ (table.find ("GET", "/api/v1/things/cam/files/a.mp4", &route,
          params, allow), RouteTable::Found::Route);
  EXPECT_EQ (params["file"], "a.mp4");
  EXPECT_EQ (table.find ("PUT", "/api/v1/things/cam", &route, params, allow),
      RouteTable::Found::WrongMethod);
  EXPECT_EQ (allow, "GET, HEAD, DELETE");
  // Empty segments and other shapes match nothing.
  for (const char *path : { "/api/v1/things//files/x", "/api/v1/things",
          "/api/v1/things/cam/files", "/api/v1/things/cam/extra/x/y" })
    EXPECT_EQ (table.find ("GET", path, &route, params, allow),
        RouteTable::Found::Nothing) << path;
}
