// The webhooks' settings, which events each receiver takes, and the
// signature a receiver checks.
#include "config/gateway_config.h"
#include "events/webhooks.h"

#include <glib.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

using namespace camgate;

TEST (Webhooks, SettingsAreReadAndBadOnesNamed)
{
  gchar *dir = g_dir_make_tmp ("camgate-webhooks-XXXXXX", nullptr);
  const std::string path = std::string (dir) + "/camgate.yaml";
  std::ofstream (path) << "webhooks:\n"
      "  - url: https://hooks.example/camgate\n    secret: s\n"
      "    events: [stream.*, publisher.connected]\n    queue: 50\n"
      "  - { url: http://10.0.0.9:8080/x }\n";
  GatewayConfig config;
  std::vector<ConfigError> errors;
  EXPECT_TRUE (load_gateway_config (path, config, errors))
      << (errors.empty () ? "" : errors[0].to_string ());
  ASSERT_EQ (config.webhooks.size (), 2u);
  EXPECT_EQ (config.webhooks[0].secret, "s");
  EXPECT_EQ (config.webhooks[0].events.size (), 2u);
  EXPECT_EQ (config.webhooks[0].queue, 50u);
  EXPECT_EQ (config.webhooks[1].queue, 1000u);
  EXPECT_TRUE (config.webhooks[1].events.empty ());

  std::ofstream (path) << "webhooks:\n  - url: ftp://x/y\n  - secret: s\n"
      "  - { url: http://x/, queue: 0, colour: red }\n";
  GatewayConfig bad;
  errors.clear ();
  EXPECT_FALSE (load_gateway_config (path, bad, errors));
  std::string all;
  for (const auto & e : errors)
    all += e.to_string () + "\n";
  EXPECT_NE (all.find ("webhooks[0].url: expected http:// or https://"),
      std::string::npos) << all;
  EXPECT_NE (all.find ("webhooks[1]: needs a url"), std::string::npos) << all;
  EXPECT_NE (all.find ("webhooks[2].queue"), std::string::npos) << all;
  EXPECT_NE (all.find ("colour"), std::string::npos) << all;
  std::filesystem::remove_all (dir);
  g_free (dir);
}

TEST (Webhooks, EachReceiverTakesTheEventsItNamed)
{
  EXPECT_TRUE (Webhooks::wants ({}, "stream.state"));
  EXPECT_TRUE (Webhooks::wants ({ "stream.*" }, "stream.state"));
  EXPECT_FALSE (Webhooks::wants ({ "stream.*" }, "streams.state"));
  EXPECT_FALSE (Webhooks::wants ({ "stream.*" }, "publisher.gone"));
  EXPECT_TRUE (Webhooks::wants ({ "stream.*", "publisher.gone" },
          "publisher.gone"));
  EXPECT_FALSE (Webhooks::wants ({ "publisher.gone" }, "publisher.gone.x"));
}

TEST (Webhooks, SignatureIsHmacSha256OfTimestampAndBody)
{
  // As Python's hmac module computes it for "1700000000.{"id":1}".
  EXPECT_EQ (Webhooks::signature ("Jefe", "1700000000", "{\"id\":1}"),
      "sha256=05b728475104591e6ba9301ccd86c0f18c79ea7330ef9b9869435607a745d2bf");
  EXPECT_NE (Webhooks::signature ("Jefe", "1", "{}"),
      Webhooks::signature ("Jefe", "2", "{}"));
  EXPECT_NE (Webhooks::signature ("Jefe", "1", "{}"),
      Webhooks::signature ("jefe", "1", "{}"));
}
