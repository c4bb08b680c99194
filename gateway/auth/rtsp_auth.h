// CamgateRtspAuth: gst-rtsp-server authentication and authorisation from
// AccessControl. Basic is checked against the users' password hashes,
// Digest against their `rtsp-digest` (HA1) with stateless, signed nonces.
// Watching a stream needs `read`; ANNOUNCE, RECORD and a SETUP with
// mode=record need `publish`. A refused anonymous request gets 401 with the
// challenges, a refused user 403. It also carries the RTSPS certificate.
#pragma once

#include "auth/access_control.h"

#include <gst/rtsp-server/rtsp-server.h>

G_BEGIN_DECLS

#define CAMGATE_TYPE_RTSP_AUTH (camgate_rtsp_auth_get_type ())
G_DECLARE_FINAL_TYPE (CamgateRtspAuth, camgate_rtsp_auth, CAMGATE, RTSP_AUTH,
    GstRTSPAuth);

G_END_DECLS

// `access` must outlive the object.
GstRTSPAuth *camgate_rtsp_auth_new (camgate::AccessControl & access);

// Who sends the request of `ctx` (authenticated now if it was not yet):
// the user's name, "" for anonymous or wrong credentials, or nullptr when
// the server has no CamgateRtspAuth (no users: everyone is anonymous).
const gchar *camgate_rtsp_auth_user (GstRTSPContext * ctx);
