#include "rtsp/gateway_server.h"

#include "auth/password_hash.h"
#include "auth/rtsp_auth.h"
#include "rtsp/gop_replay.h"

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

namespace {

// Who made a session: only that connection, or the same signed-in user on
// another connection, may use its id.
struct SessionOwner
{
  guint64 client;
  std::string user;                // "" = anonymous: the connection only
};

constexpr const char *kOwnerKey = "camgate-session-owner";
std::atomic<guint64> next_client_id { 1 };

// Requests are handled start to finish on one thread, so the refusal a
// factory records is read back by the same request's error reply.
thread_local GstRTSPStatusCode refusal = GST_RTSP_STS_OK;
// The Location of a redirect refusal.
thread_local std::string redirect_location;

}  // namespace

void
camgate_rtsp_refuse_request (GstRTSPStatusCode code)
{
  refusal = code;
  redirect_location.clear ();
}

void
camgate_rtsp_redirect_request (const char *location)
{
  refusal = GST_RTSP_STS_MOVE_TEMPORARILY;
  redirect_location = location;
}

// Medias kept prepared for the request being handled, until its response
// goes out (see camgate_rtsp_client_hold_prepared).
struct HeldMedias
{
  std::mutex lock;
  std::vector<GstRTSPMedia *> medias;

  void release ()
  {
    std::vector<GstRTSPMedia *> released;
    {
      std::lock_guard<std::mutex> lk (lock);
      released.swap (medias);
    }
    for (GstRTSPMedia *media : released) {
      gst_rtsp_media_unprepare (media);
      g_object_unref (media);
    }
  }
};

struct _CamgateRtspClient
{
  GstRTSPClient parent;
  guint64 id;
  HeldMedias *held;
};

GST_DEBUG_CATEGORY_STATIC (camgate_rtsp_client_debug);

G_DEFINE_TYPE_WITH_CODE (CamgateRtspClient, camgate_rtsp_client, GST_TYPE_RTSP_CLIENT,
    GST_DEBUG_CATEGORY_INIT (camgate_rtsp_client_debug, "camgatertspclient", 0,
        "camgate RTSP client connection (status codes, session ownership)"));

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
  redirect_location.clear ();
  return GST_RTSP_STS_OK;
}

static void
camgate_rtsp_client_new_session (GstRTSPClient * client,
    GstRTSPSession * session)
{
  const gchar *user = camgate_rtsp_auth_user (gst_rtsp_context_get_current ());
  g_object_set_data_full (G_OBJECT (session), kOwnerKey, new SessionOwner {
        CAMGATE_RTSP_CLIENT (client)->id, user ? user : "" },
      [](gpointer owner) { delete static_cast<SessionOwner *> (owner); });
}

// A request naming a session someone else made is answered as if the
// session did not exist.
static GstRTSPStatusCode
camgate_rtsp_client_check_session (GstRTSPClient * client,
    GstRTSPContext * ctx)
{
  refusal = GST_RTSP_STS_OK;
  if (!ctx->session)
    return GST_RTSP_STS_OK;
  auto *owner = static_cast<SessionOwner *> (g_object_get_data (G_OBJECT
          (ctx->session), kOwnerKey));
  if (!owner || owner->client == CAMGATE_RTSP_CLIENT (client)->id)
    return GST_RTSP_STS_OK;
  const gchar *user = camgate_rtsp_auth_user (ctx);
  if (!owner->user.empty () && user && owner->user == user)
    return GST_RTSP_STS_OK;
  GST_CAT_INFO_OBJECT (camgate_rtsp_client_debug, client,
      "session %s used by a connection that did not make it",
      gst_rtsp_session_get_sessionid (ctx->session));
  return GST_RTSP_STS_SESSION_NOT_FOUND;
}

bool
camgate_rtsp_client_hold_prepared (GstRTSPClient * client,
    GstRTSPMedia * media)
{
  // A reusable media that finished unpreparing would really be prepared,
  // on a thread that never runs.
  if (!CAMGATE_IS_RTSP_CLIENT (client) || gst_rtsp_media_is_reusable (media))
    return false;
  // Preparing a prepared media only counts one more user, atomically with
  // the status check under the media's state lock, and stops the thread it
  // was handed; a media being unprepared in the meantime refuses, leaving
  // the thread (which never ran) to us.
  GstRTSPThread *unused = gst_rtsp_thread_new (GST_RTSP_THREAD_TYPE_MEDIA);
  gst_rtsp_thread_ref (unused);
  const bool held = gst_rtsp_media_prepare (media, unused);
  if (!held)
    gst_rtsp_thread_stop (unused);
  gst_rtsp_thread_unref (unused);
  if (!held)
    return false;
  HeldMedias *holds = CAMGATE_RTSP_CLIENT (client)->held;
  std::lock_guard<std::mutex> lk (holds->lock);
  holds->medias.push_back (GST_RTSP_MEDIA (g_object_ref (media)));
  return true;
}

static GstRTSPStatusCode
camgate_rtsp_client_adjust_play_response (GstRTSPClient *,
    GstRTSPContext * ctx)
{
  camgate::announce_gop_replay (ctx);
  return GST_RTSP_STS_OK;
}

static void
camgate_rtsp_client_replay_gop (GstRTSPClient *, GstRTSPContext * ctx,
    gpointer)
{
  camgate::send_gop_replay (ctx);
}

// Every response, error or not, ends the request that may have held medias
// (and a redirect's reply says where to go).
static void
camgate_rtsp_client_release_held (GstRTSPClient * client, GstRTSPContext *,
    GstRTSPMessage * message, gpointer)
{
  CAMGATE_RTSP_CLIENT (client)->held->release ();
  GstRTSPStatusCode code = GST_RTSP_STS_OK;
  if (!redirect_location.empty () && message
      && gst_rtsp_message_parse_response (message, &code, nullptr, nullptr)
      == GST_RTSP_OK && code == GST_RTSP_STS_MOVE_TEMPORARILY)
    gst_rtsp_message_add_header (message, GST_RTSP_HDR_LOCATION,
        redirect_location.c_str ());
  redirect_location.clear ();
}

static void
camgate_rtsp_client_finalize (GObject * object)
{
  auto self = CAMGATE_RTSP_CLIENT (object);
  self->held->release ();
  delete self->held;
  G_OBJECT_CLASS (camgate_rtsp_client_parent_class)->finalize (object);
}

static void
camgate_rtsp_client_class_init (CamgateRtspClientClass * klass)
{
  G_OBJECT_CLASS (klass)->finalize = camgate_rtsp_client_finalize;
  auto client_class = GST_RTSP_CLIENT_CLASS (klass);
  client_class->adjust_error_code = camgate_rtsp_client_adjust_error_code;
  // A refusal must never leak into a later request on the same thread.
  client_class->pre_options_request = camgate_rtsp_client_reset_refusal;
  client_class->pre_describe_request = camgate_rtsp_client_reset_refusal;
  client_class->new_session = camgate_rtsp_client_new_session;
  // A viewer joining a running stream gets its kept GOP (see gop_replay.h).
  client_class->adjust_play_response = camgate_rtsp_client_adjust_play_response;
  for (auto hook : { &GstRTSPClientClass::pre_setup_request,
          &GstRTSPClientClass::pre_play_request,
          &GstRTSPClientClass::pre_pause_request,
          &GstRTSPClientClass::pre_teardown_request,
          &GstRTSPClientClass::pre_set_parameter_request,
          &GstRTSPClientClass::pre_get_parameter_request,
          &GstRTSPClientClass::pre_record_request })
    client_class->*hook = camgate_rtsp_client_check_session;
}

static void
camgate_rtsp_client_init (CamgateRtspClient * self)
{
  self->id = next_client_id++;
  self->held = new HeldMedias ();
  g_signal_connect (self, "send-message",
      G_CALLBACK (camgate_rtsp_client_release_held), nullptr);
  g_signal_connect (self, "play-request",
      G_CALLBACK (camgate_rtsp_client_replay_gop), nullptr);
}

// Session ids are the key to a session: drawn from a cryptographic source
// (gst-rtsp-server's default uses g_random).
struct _CamgateRtspSessionPool
{
  GstRTSPSessionPool parent;
};

GST_DEBUG_CATEGORY_STATIC (camgate_rtsp_session_pool_debug);

G_DEFINE_TYPE_WITH_CODE (CamgateRtspSessionPool, camgate_rtsp_session_pool, GST_TYPE_RTSP_SESSION_POOL,
    GST_DEBUG_CATEGORY_INIT (camgate_rtsp_session_pool_debug, "camgatertspsessionpool", 0,
        "camgate RTSP session pool (sessions bound to their connection)"));

static gchar *
camgate_rtsp_session_pool_create_session_id (GstRTSPSessionPool *)
{
  const std::string id = camgate::random_hex (12);
  // nullptr: gst-rtsp-server answers 503.
  return id.empty () ? nullptr : g_strdup (id.c_str ());
}

static void
camgate_rtsp_session_pool_class_init (CamgateRtspSessionPoolClass * klass)
{
  GST_RTSP_SESSION_POOL_CLASS (klass)->create_session_id =
      camgate_rtsp_session_pool_create_session_id;
}

static void
camgate_rtsp_session_pool_init (CamgateRtspSessionPool *)
{
}

struct _CamgateRtspServer
{
  GstRTSPServer parent;
};

GST_DEBUG_CATEGORY_STATIC (camgate_rtsp_server_debug);

G_DEFINE_TYPE_WITH_CODE (CamgateRtspServer, camgate_rtsp_server, GST_TYPE_RTSP_SERVER,
    GST_DEBUG_CATEGORY_INIT (camgate_rtsp_server_debug, "camgatertspserver", 0,
        "camgate RTSP server"));

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
camgate_rtsp_server_init (CamgateRtspServer * self)
{
  GstRTSPSessionPool *pool = GST_RTSP_SESSION_POOL (g_object_new
      (CAMGATE_TYPE_RTSP_SESSION_POOL, nullptr));
  gst_rtsp_server_set_session_pool (GST_RTSP_SERVER (self), pool);
  g_object_unref (pool);
}

GstRTSPServer *
camgate_rtsp_server_new ()
{
  return GST_RTSP_SERVER (g_object_new (CAMGATE_TYPE_RTSP_SERVER, nullptr));
}
