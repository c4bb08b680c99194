// Every GObject type of the gateway has its own debug category, named so
// that GST_DEBUG=camgate*:6 shows them all.
#include "auth/rtsp_auth.h"
#include "rtsp/gateway_server.h"
#include "rtsp/relay_src.h"
#include "rtsp/stream_media_factory.h"
#include "media/health_watch.h"
#include "media/in_order_buffer.h"

#include <gtest/gtest.h>

TEST (DebugCategories, EveryGatewayTypeHasOne)
{
  // A type's category is made when the type is registered.
  for (GType type : { CAMGATE_TYPE_RTSP_AUTH, CAMGATE_TYPE_RTSP_CLIENT,
          CAMGATE_TYPE_RTSP_SESSION_POOL, CAMGATE_TYPE_RTSP_SERVER,
          CAMGATE_TYPE_RELAY_SRC, CAMGATE_TYPE_STREAM_MEDIA_FACTORY,
          CAMGATE_TYPE_IN_ORDER_BUFFER, CAMGATE_TYPE_HEALTH_WATCH })
    EXPECT_NE (type, G_TYPE_INVALID);
  for (const char *name : { "camgatertspauth", "camgatertspclient",
          "camgatertspsessionpool", "camgatertspserver", "camgaterelaysrc",
          "camgatemediafactory", "camgateinorderbuffer",
          "camgatehealthwatch" }) {
    GstDebugCategory *category = _gst_debug_get_category (name);
    ASSERT_NE (category, nullptr) << name;
    EXPECT_TRUE (g_pattern_match_simple ("camgate*",
            gst_debug_category_get_name (category)));
    EXPECT_STRNE (gst_debug_category_get_description (category), "");
  }
}
