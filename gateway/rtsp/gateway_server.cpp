#include "rtsp/gateway_server.h"

namespace {

// Requests are handled start to finish on one thread, so the refusal a
// factory records is read back by the same request's error reply.
thread_local GstRTSPStatusCode refusal = GST_RTSP_STS_OK;

}  // namespace

void
camgate_rtsp_refuse_request (GstRTSPStatusCode code)
{
  refusal = code;
}

struct _CamgateRtspClient
{
  GstRTSPClient parent;
};

G_DEFINE_TYPE (CamgateRtspClient, camgate_rtsp_client, GST_TYPE_RTSP_CLIENT);

static GstRTSPStatusCode
camgate_rtsp_client_adjust_error_code (GstRTSPClient *, GstRTSPContext *,
    GstRTSPStatusCode code)
{
  GstRTSPStatusCode recorded = refusal;
  refusal = GST_RTSP_STS_OK;
  if (recorded != GST_RTSP_STS_OK && code == GST_RTSP_STS_BAD_REQUEST)
    return recorded;
  return code;
}

static GstRTSPStatusCode
camgate_rtsp_client_reset_refusal (GstRTSPClient *, GstRTSPContext *)
{
  refusal = GST_RTSP_STS_OK;
  return GST_RTSP_STS_OK;
}

static void
camgate_rtsp_client_class_init (CamgateRtspClientClass * klass)
{
  auto client_class = GST_RTSP_CLIENT_CLASS (klass);
  client_class->adjust_error_code = camgate_rtsp_client_adjust_error_code;
  // A refusal must never leak into a later request on the same thread.
  client_class->pre_options_request = camgate_rtsp_client_reset_refusal;
  client_class->pre_describe_request = camgate_rtsp_client_reset_refusal;
}

static void
camgate_rtsp_client_init (CamgateRtspClient *)
{
}

struct _CamgateRtspServer
{
  GstRTSPServer parent;
};

G_DEFINE_TYPE (CamgateRtspServer, camgate_rtsp_server, GST_TYPE_RTSP_SERVER);

static GstRTSPClient *
camgate_rtsp_server_create_client (GstRTSPServer * server)
{
  // As gst-rtsp-server's default, with our client class.
  auto client = GST_RTSP_CLIENT (g_object_new (CAMGATE_TYPE_RTSP_CLIENT,
          nullptr));
  GstRTSPSessionPool *pool = gst_rtsp_server_get_session_pool (server);
  GstRTSPMountPoints *mounts = gst_rtsp_server_get_mount_points (server);
  GstRTSPAuth *auth = gst_rtsp_server_get_auth (server);
  GstRTSPThreadPool *threads = gst_rtsp_server_get_thread_pool (server);
  gst_rtsp_client_set_session_pool (client, pool);
  gst_rtsp_client_set_mount_points (client, mounts);
  gst_rtsp_client_set_auth (client, auth);
  gst_rtsp_client_set_thread_pool (client, threads);
  gst_rtsp_client_set_content_length_limit (client,
      gst_rtsp_server_get_content_length_limit (server));
  g_object_unref (pool);
  g_object_unref (mounts);
  if (auth)
    g_object_unref (auth);
  g_object_unref (threads);
  return client;
}

static void
camgate_rtsp_server_class_init (CamgateRtspServerClass * klass)
{
  GST_RTSP_SERVER_CLASS (klass)->create_client =
      camgate_rtsp_server_create_client;
}

static void
camgate_rtsp_server_init (CamgateRtspServer *)
{
}

GstRTSPServer *
camgate_rtsp_server_new ()
{
  return GST_RTSP_SERVER (g_object_new (CAMGATE_TYPE_RTSP_SERVER, nullptr));
}
