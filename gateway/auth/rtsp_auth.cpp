#include "auth/rtsp_auth.h"

#include "auth/digest_nonce.h"
#include "auth/password_hash.h"

#include <openssl/crypto.h>

#include <cstring>
#include <map>
#include <mutex>
#include <string>

using camgate::AccessControl;

struct _CamgateRtspAuth
{
  GstRTSPAuth parent;
  AccessControl *access;
  // One token per user, owned here: GstRTSPContext borrows them. Made when
  // a user is first seen (users can be replaced while the gateway runs),
  // never removed.
  std::map<std::string, GstRTSPToken *> *tokens;
  std::mutex *tokens_lock;
  camgate::DigestNonces *nonces;
  // Wrong credentials: refused with 401, never taken for anonymous.
  GstRTSPToken *wrong;
};

GST_DEBUG_CATEGORY_STATIC (camgate_rtsp_auth_debug);

G_DEFINE_TYPE_WITH_CODE (CamgateRtspAuth, camgate_rtsp_auth, GST_TYPE_RTSP_AUTH,
    GST_DEBUG_CATEGORY_INIT (camgate_rtsp_auth_debug, "camgatertspauth", 0,
        "camgate RTSP authentication (Basic/Digest against the access control)"));
#define GST_CAT_DEFAULT camgate_rtsp_auth_debug

namespace {

constexpr const char *kUserField = "camgate.user";
constexpr const char *kWrongField = "camgate.wrong-credentials";

gint64
now_s ()
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

// The token of `user`, a user the access control knows (or anonymous).
GstRTSPToken *
token_for (CamgateRtspAuth * self, const std::string & user)
{
  const std::string name = self->access->find (user) ? user
      : camgate::kAnonymousUser;
  std::lock_guard<std::mutex> lk (*self->tokens_lock);
  GstRTSPToken *&token = (*self->tokens)[name];
  if (!token)
    token = gst_rtsp_token_new (kUserField, G_TYPE_STRING, name.c_str (),
        nullptr);
  return token;
}

// Whether some user has an rtsp-digest (then Digest is offered).
bool
digest_users (const AccessControl & access)
{
  for (const auto & user : access.users ())
    if (!user.rtsp_digest.empty ())
      return true;
  return false;
}

// "/cam?x" of an RTSP URL, or of a bare path.
std::string
resource_of (const std::string & uri)
{
  GstRTSPUrl *url = nullptr;
  std::string out = uri;
  if (gst_rtsp_url_parse (uri.c_str (), &url) == GST_RTSP_OK && url) {
    out = std::string (url->abspath ? url->abspath : "/")
        + (url->query ? std::string ("?") + url->query : "");
    gst_rtsp_url_free (url);
  }
  while (out.size () > 1 && out.back () == '/')
    out.pop_back ();
  return out;
}

// The Digest answer's uri= must name what the request asks for: an answer
// sniffed for /cam1 must not open /cam2.
bool
same_resource (const std::string & digest_uri, GstRTSPContext * ctx)
{
  if (!ctx->request || ctx->request->type != GST_RTSP_MESSAGE_REQUEST
      || !ctx->request->type_data.request.uri)
    return false;
  return resource_of (digest_uri)
      == resource_of (ctx->request->type_data.request.uri);
}

const camgate::UserSpec *
digest_user (CamgateRtspAuth * self, GstRTSPContext * ctx,
    GstRTSPAuthParam ** params)
{
  std::map<std::string, std::string> values;
  for (; params && *params; params++)
    if ((*params)->name && (*params)->value)
      values.emplace ((*params)->name, (*params)->value);
  const std::string & user_name = values["username"];
  const camgate::UserSpec *user = self->access->find (user_name);
  if (!user || user->rtsp_digest.empty () || values["uri"].empty ()
      || values["response"].empty () || !self->nonces->valid (values["nonce"],
          gst_rtsp_connection_get_ip (ctx->conn), now_s ())
      || !same_resource (values["uri"], ctx))
    return nullptr;
  gchar *expected = gst_rtsp_generate_digest_auth_response_from_md5 (nullptr,
      gst_rtsp_method_as_text (ctx->method), user->rtsp_digest.c_str (),
      values["uri"].c_str (), values["nonce"].c_str ());
  bool ok = expected && values["response"].size () == strlen (expected)
      && CRYPTO_memcmp (expected, values["response"].data (),
          strlen (expected)) == 0;
  g_free (expected);
  return ok ? user : nullptr;
}

// Publishing: ANNOUNCE, RECORD, or a SETUP of a record transport.
bool
wants_publish (GstRTSPContext * ctx)
{
  if (ctx->method & (GST_RTSP_ANNOUNCE | GST_RTSP_RECORD))
    return true;
  gchar *transport = nullptr;
  if (ctx->method != GST_RTSP_SETUP || !ctx->request
      || gst_rtsp_message_get_header (ctx->request, GST_RTSP_HDR_TRANSPORT,
          &transport, 0) != GST_RTSP_OK)
    return false;
  gchar *lower = g_ascii_strdown (transport, -1);
  bool record = strstr (lower, "mode=record") || strstr (lower,
      "mode=\"record\"");
  g_free (lower);
  return record;
}

// "/cam/stream=0" -> "cam"
std::string
stream_of (GstRTSPContext * ctx)
{
  std::string path = ctx->uri && ctx->uri->abspath ? ctx->uri->abspath : "";
  size_t start = path.find_first_not_of ('/');
  if (start == std::string::npos)
    return {};
  return path.substr (start, path.find ('/', start) - start);
}

void
send_refusal (GstRTSPAuth * auth, GstRTSPContext * ctx, GstRTSPStatusCode code)
{
  gst_rtsp_message_init_response (ctx->response, code,
      gst_rtsp_status_as_text (code), ctx->request);
  if (code == GST_RTSP_STS_UNAUTHORIZED)
    GST_RTSP_AUTH_GET_CLASS (auth)->generate_authenticate_header (auth, ctx);
  gst_rtsp_client_send_message (ctx->client, ctx->session, ctx->response);
}

}  // namespace

static gboolean
camgate_rtsp_auth_authenticate (GstRTSPAuth * auth, GstRTSPContext * ctx)
{
  auto *self = CAMGATE_RTSP_AUTH (auth);
  // No credentials: anonymous, whose permissions decide; wrong ones: 401.
  ctx->token = token_for (self, camgate::kAnonymousUser);
  GstRTSPAuthCredential **credentials = gst_rtsp_message_parse_auth_credentials
      (ctx->request, GST_RTSP_HDR_AUTHORIZATION);
  const std::string address = gst_rtsp_connection_get_ip (ctx->conn);
  // Too many wrong passwords from this address: its credentials are not
  // even checked until the minute is over.
  if (credentials && self->access->blocked_for_s (address)) {
    gst_rtsp_auth_credentials_free (credentials);
    ctx->token = self->wrong;
    return TRUE;
  }
  bool tried = false;
  for (auto c = credentials; c && *c; c++) {
    const camgate::UserSpec *user = nullptr;
    if ((*c)->scheme == GST_RTSP_AUTH_BASIC && (*c)->authorization) {
      tried = true;
      user = self->access->login_basic ((*c)->authorization);
    } else if ((*c)->scheme == GST_RTSP_AUTH_DIGEST) {
      tried = true;
      user = digest_user (self, ctx, (*c)->params);
    }
    if (user) {
      ctx->token = token_for (self, user->name);
      tried = false;
      break;
    }
  }
  if (tried) {
    GST_INFO_OBJECT (self, "wrong credentials from %s", address.c_str ());
    self->access->record_failure (address);
    ctx->token = self->wrong;
  }
  if (credentials)
    gst_rtsp_auth_credentials_free (credentials);
  return TRUE;
}

static gboolean
camgate_rtsp_auth_check (GstRTSPAuth * auth, GstRTSPContext * ctx,
    const gchar * check)
{
  auto *self = CAMGATE_RTSP_AUTH (auth);
  if (g_str_equal (check, GST_RTSP_AUTH_CHECK_CONNECT))
    return GST_RTSP_AUTH_CLASS (camgate_rtsp_auth_parent_class)->check (auth,
        ctx, check);
  if (g_str_equal (check, GST_RTSP_AUTH_CHECK_TRANSPORT_CLIENT_SETTINGS))
    return FALSE;
  if (!g_str_has_prefix (check, "auth.check.media.factory.")
      || !self->access->enabled ())
    return TRUE;

  if (!ctx->token)
    camgate_rtsp_auth_authenticate (auth, ctx);
  if (ctx->token == self->wrong) {
    send_refusal (auth, ctx, GST_RTSP_STS_UNAUTHORIZED);
    return FALSE;
  }
  const gchar *name = gst_rtsp_token_get_string (ctx->token, kUserField);
  camgate::Identity who { self->access->find (name ? name : ""), {} };
  const unsigned need = wants_publish (ctx) ? camgate::kPermPublish
      : camgate::kPermRead;
  if (self->access->allowed (who, stream_of (ctx), need))
    return TRUE;
  const bool anonymous = !name || g_str_equal (name, camgate::kAnonymousUser);
  GST_INFO_OBJECT (self, "%s may not %s stream %s", name ? name : "anonymous",
      need == camgate::kPermPublish ? "publish to" : "read",
      stream_of (ctx).c_str ());
  send_refusal (auth, ctx, anonymous ? GST_RTSP_STS_UNAUTHORIZED
      : GST_RTSP_STS_FORBIDDEN);
  return FALSE;
}

static void
camgate_rtsp_auth_generate_authenticate_header (GstRTSPAuth * auth,
    GstRTSPContext * ctx)
{
  auto *self = CAMGATE_RTSP_AUTH (auth);
  std::string basic = std::string ("Basic realm=\"") + camgate::kAuthRealm
      + "\"";
  std::string digest = std::string ("Digest realm=\"") + camgate::kAuthRealm
      + "\", nonce=\"" + self->nonces->make (
      gst_rtsp_connection_get_ip (ctx->conn), now_s ()) + "\"";
  // Digest first: clients that take the first challenge take the better one.
  // Offered only when some user can answer it (most clients, rtspsrc and
  // ffmpeg included, never fall back to Basic once they tried Digest).
  if (digest_users (*self->access))
    gst_rtsp_message_add_header (ctx->response, GST_RTSP_HDR_WWW_AUTHENTICATE,
        digest.c_str ());
  gst_rtsp_message_add_header (ctx->response, GST_RTSP_HDR_WWW_AUTHENTICATE,
      basic.c_str ());
}

static void
camgate_rtsp_auth_finalize (GObject * object)
{
  auto *self = CAMGATE_RTSP_AUTH (object);
  for (auto & [name, token] : *self->tokens)
    gst_rtsp_token_unref (token);
  gst_rtsp_token_unref (self->wrong);
  delete self->tokens;
  delete self->tokens_lock;
  delete self->nonces;
  G_OBJECT_CLASS (camgate_rtsp_auth_parent_class)->finalize (object);
}

static void
camgate_rtsp_auth_class_init (CamgateRtspAuthClass * klass)
{
  G_OBJECT_CLASS (klass)->finalize = camgate_rtsp_auth_finalize;
  auto *auth_class = GST_RTSP_AUTH_CLASS (klass);
  auth_class->authenticate = camgate_rtsp_auth_authenticate;
  auth_class->check = camgate_rtsp_auth_check;
  auth_class->generate_authenticate_header =
      camgate_rtsp_auth_generate_authenticate_header;
}

static void
camgate_rtsp_auth_init (CamgateRtspAuth * self)
{
  self->tokens = new std::map<std::string, GstRTSPToken *> ();
  self->tokens_lock = new std::mutex ();
  self->wrong = gst_rtsp_token_new (kUserField, G_TYPE_STRING, "",
      kWrongField, G_TYPE_BOOLEAN, TRUE, nullptr);
  self->nonces = new camgate::DigestNonces ();
}

const gchar *
camgate_rtsp_auth_user (GstRTSPContext * ctx)
{
  if (!ctx || !ctx->auth || !CAMGATE_IS_RTSP_AUTH (ctx->auth))
    return nullptr;
  if (!ctx->token)
    camgate_rtsp_auth_authenticate (ctx->auth, ctx);
  const gchar *name = gst_rtsp_token_get_string (ctx->token, kUserField);
  return name && !g_str_equal (name, camgate::kAnonymousUser) ? name : "";
}

GstRTSPAuth *
camgate_rtsp_auth_new (AccessControl & access)
{
  auto *self = CAMGATE_RTSP_AUTH (g_object_new (CAMGATE_TYPE_RTSP_AUTH,
          nullptr));
  self->access = &access;
  return GST_RTSP_AUTH (self);
}
