// CamgateRtspServer / CamgateRtspClient: gst-rtsp-server with clear status
// codes and sessions bound to their owner (a session id from a
// cryptographic source, usable only on the connection that made it, or by
// the same signed-in user). gst-rtsp-server answers every media that cannot
// be built with "400 Bad Request"; our media factory records why it refused
// (no data from the camera yet, not a publish stream, a publisher already
// active) and the client sends that status instead (503, 405, ...).
#pragma once

#include <gst/rtsp-server/rtsp-server.h>

G_BEGIN_DECLS

#define CAMGATE_TYPE_RTSP_CLIENT (camgate_rtsp_client_get_type ())
G_DECLARE_FINAL_TYPE (CamgateRtspClient, camgate_rtsp_client, CAMGATE,
    RTSP_CLIENT, GstRTSPClient);

#define CAMGATE_TYPE_RTSP_SESSION_POOL (camgate_rtsp_session_pool_get_type ())
G_DECLARE_FINAL_TYPE (CamgateRtspSessionPool, camgate_rtsp_session_pool,
    CAMGATE, RTSP_SESSION_POOL, GstRTSPSessionPool);

#define CAMGATE_TYPE_RTSP_SERVER (camgate_rtsp_server_get_type ())
G_DECLARE_FINAL_TYPE (CamgateRtspServer, camgate_rtsp_server, CAMGATE,
    RTSP_SERVER, GstRTSPServer);

G_END_DECLS

GstRTSPServer *camgate_rtsp_server_new ();

// Called by the media factory, on the thread handling the request, when it
// refuses to build a media: the reply will carry `code`.
void camgate_rtsp_refuse_request (GstRTSPStatusCode code);
// As camgate_rtsp_refuse_request: the reply is "302 Moved Temporarily" to
// `location` (the client asks there instead).
void camgate_rtsp_redirect_request (const char *location);

// Called by the media factory while it hands a shared media out: keeps the
// media prepared (one more user, as a viewer would be) until the response to
// the request `client` is handling goes out, so a viewer leaving in that
// moment cannot unprepare it under the new one. False when the media is not
// prepared (any more) and must not be handed out.
bool camgate_rtsp_client_hold_prepared (GstRTSPClient * client,
    GstRTSPMedia * media);
