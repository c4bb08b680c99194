/**
 * SECTION:element-onvifsrc
 * @title: onvifsrc
 * @short_description: plays an ONVIF camera from its device address
 *
 * onvifsrc is a bin around rtspsrc. On READY to PAUSED it asks the device
 * at #GstOnvifSrc:location (`onvif://user:password@host[:port][/profile]`)
 * for the RTSP URI of a profile — the one the URI names, or the largest
 * H.264/H.265 one — over SOAP with WS-Security UsernameToken or HTTP
 * Digest, on a thread of its own so that a slow camera never blocks the
 * state change. It hands the URI (its host rewritten to the device's when
 * #GstOnvifSrc:rewrite-host is set) and the credentials to the rtspsrc
 * inside, and exposes rtspsrc's pads under the same names. A device that
 * refuses the credentials is a RESOURCE/NOT_AUTHORIZED error; one that
 * cannot be reached or has no such profile, RESOURCE/OPEN_READ. It is the
 * URI handler for `onvif://`, so uridecodebin and playbin take such URIs.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 onvifsrc location=onvif://admin:secret@192.168.1.20
 *     ! rtph264depay ! h264parse ! avdec_h264 ! autovideosink
 * ]|
 *
 * Since: 0.1
 */
#include "gstonvifsrc.h"

#include "onvif_client.h"

#include <mutex>
#include <string>
#include <thread>

GST_DEBUG_CATEGORY_STATIC (gst_onvif_src_debug);
#define GST_CAT_DEFAULT gst_onvif_src_debug

enum
{
  PROP_0,
  PROP_LOCATION,
  PROP_REWRITE_HOST,
  PROP_TIMEOUT,
  PROP_RTSPSRC,
  PROP_STREAM_URI,
};

constexpr gboolean kDefaultRewriteHost = TRUE;
constexpr guint kDefaultTimeout = 5;

struct GstOnvifSrcPrivate
{
  std::mutex lock;                 // guards the properties
  std::string location;
  std::string stream_uri;
  gboolean rewrite_host = kDefaultRewriteHost;
  guint timeout = kDefaultTimeout;
  // The SOAP exchange runs on its own thread so that a slow or dead camera
  // never blocks the application's state change; rtspsrc's state stays
  // locked until it has a URI.
  std::thread resolver;
  GCancellable *cancellable = nullptr;
};

struct _GstOnvifSrc
{
  GstBin parent;
  GstElement *rtspsrc;
  GstOnvifSrcPrivate *priv;
};

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src_%u",
    GST_PAD_SRC, GST_PAD_SOMETIMES, GST_STATIC_CAPS ("application/x-rtp"));

static void gst_onvif_src_uri_handler_init (gpointer iface, gpointer data);

#define gst_onvif_src_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstOnvifSrc, gst_onvif_src, GST_TYPE_BIN,
    G_IMPLEMENT_INTERFACE (GST_TYPE_URI_HANDLER,
        gst_onvif_src_uri_handler_init);
    GST_DEBUG_CATEGORY_INIT (gst_onvif_src_debug, "onvifsrc", 0,
        "ONVIF camera source"));
GST_ELEMENT_REGISTER_DEFINE (onvifsrc, "onvifsrc", GST_RANK_NONE,
    GST_TYPE_ONVIF_SRC);

static void
on_pad_added (GstElement *, GstPad * pad, GstOnvifSrc * self)
{
  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
    return;
  // Same name as rtspsrc's pad (recv_rtp_src_<stream>_<ssrc>_<pt>), so what
  // works on rtspsrc's pads works here.
  GstPad *ghost = gst_ghost_pad_new (GST_PAD_NAME (pad), pad);
  gst_pad_set_active (ghost, TRUE);
  gst_element_add_pad (GST_ELEMENT (self), ghost);
}

static void
on_pad_removed (GstElement *, GstPad * pad, GstOnvifSrc * self)
{
  GstPad *ghost = gst_element_get_static_pad (GST_ELEMENT (self),
      GST_PAD_NAME (pad));
  if (ghost) {
    gst_element_remove_pad (GST_ELEMENT (self), ghost);
    gst_object_unref (ghost);
  }
}

static void
on_no_more_pads (GstElement *, GstOnvifSrc * self)
{
  gst_element_no_more_pads (GST_ELEMENT (self));
}

/* Asks the device for the stream URI; posts an error and fails otherwise. */
static gboolean
resolve (GstOnvifSrc * self, GCancellable * cancellable)
{
  std::string location;
  bool rewrite;
  guint timeout;
  {
    std::lock_guard<std::mutex> lk (self->priv->lock);
    location = self->priv->location;
    rewrite = self->priv->rewrite_host;
    timeout = self->priv->timeout;
  }

  std::string device_url, profile, error, uri;
  camgate::onvif::Credentials credentials;
  if (!camgate::onvif::parse_onvif_uri (location, device_url, credentials,
          profile, error)) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND, ("%s", error.c_str ()),
        (nullptr));
    return FALSE;
  }
  camgate::onvif::OnvifClient client (device_url, credentials, timeout);
  client.set_cancellable (cancellable);
  std::vector<camgate::onvif::Profile> profiles;
  bool ok = client.connect (error) && client.profiles (profiles, error);
  if (ok) {
    const camgate::onvif::Profile *chosen = nullptr;
    if (profile.empty ()) {
      chosen = camgate::onvif::main_profile (profiles);
    } else {
      for (const auto & p : profiles)
        if (p.token == profile)
          chosen = &p;
      if (!chosen) {
        std::string known;
        for (const auto & p : profiles)
          known += (known.empty () ? "" : ", ") + p.token;
        error = "the device has no profile '" + profile + "' (it has " + known
            + ")";
        ok = false;
      }
    }
    if (ok) {
      ok = client.stream_uri (chosen->token, uri, error);
      GST_INFO_OBJECT (self, "profile %s (%s %dx%d): %s", chosen->token.c_str (),
          chosen->encoding.c_str (), chosen->width, chosen->height,
          uri.c_str ());
    }
  }
  if (!ok && g_cancellable_is_cancelled (cancellable))
    return FALSE;
  if (!ok) {
    const bool auth = error.find ("credentials") != std::string::npos;
    if (auth)
      GST_ELEMENT_ERROR (self, RESOURCE, NOT_AUTHORIZED,
          ("ONVIF %s: %s", device_url.c_str (), error.c_str ()), (nullptr));
    else
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
          ("ONVIF %s: %s", device_url.c_str (), error.c_str ()), (nullptr));
    return FALSE;
  }
  if (rewrite)
    uri = camgate::onvif::rewrite_host (uri, client.host ());
  {
    std::lock_guard<std::mutex> lk (self->priv->lock);
    self->priv->stream_uri = uri;
  }
  g_object_set (self->rtspsrc, "location", uri.c_str (), nullptr);
  if (!credentials.empty ())
    g_object_set (self->rtspsrc, "user-id", credentials.user.c_str (),
        "user-pw", credentials.password.c_str (), nullptr);
  return TRUE;
}

static void
stop_resolver (GstOnvifSrc * self)
{
  if (!self->priv->resolver.joinable ())
    return;
  g_cancellable_cancel (self->priv->cancellable);
  self->priv->resolver.join ();
  g_clear_object (&self->priv->cancellable);
}

static void
start_resolver (GstOnvifSrc * self)
{
  gst_element_set_locked_state (self->rtspsrc, TRUE);
  self->priv->cancellable = g_cancellable_new ();
  GCancellable *cancellable = self->priv->cancellable;
  self->priv->resolver = std::thread ([self, cancellable]() {
        if (resolve (self, cancellable)) {
          gst_element_set_locked_state (self->rtspsrc, FALSE);
          gst_element_sync_state_with_parent (self->rtspsrc);
        }
      });
}

static GstStateChangeReturn
gst_onvif_src_change_state (GstElement * element, GstStateChange transition)
{
  auto *self = GST_ONVIF_SRC (element);
  if (!self->rtspsrc) {
    GST_ELEMENT_ERROR (self, CORE, MISSING_PLUGIN,
        ("rtspsrc is missing (gstreamer1.0-plugins-good)"), (nullptr));
    return GST_STATE_CHANGE_FAILURE;
  }
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED)
    start_resolver (self);
  else if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    stop_resolver (self);
  GstStateChangeReturn ret =
      GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE)
    return ret;
  // A live source: nothing to preroll until the camera sends.
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED
      || transition == GST_STATE_CHANGE_PLAYING_TO_PAUSED)
    return GST_STATE_CHANGE_NO_PREROLL;
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    gst_element_set_locked_state (self->rtspsrc, FALSE);
  return ret;
}

static void
gst_onvif_src_set_property (GObject * object, guint id, const GValue * value,
    GParamSpec * pspec)
{
  auto *priv = GST_ONVIF_SRC (object)->priv;
  std::lock_guard<std::mutex> lk (priv->lock);
  switch (id) {
    case PROP_LOCATION:
      priv->location = g_value_get_string (value) ? g_value_get_string (value)
          : "";
      break;
    case PROP_REWRITE_HOST:
      priv->rewrite_host = g_value_get_boolean (value);
      break;
    case PROP_TIMEOUT:
      priv->timeout = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
gst_onvif_src_get_property (GObject * object, guint id, GValue * value,
    GParamSpec * pspec)
{
  auto *self = GST_ONVIF_SRC (object);
  std::lock_guard<std::mutex> lk (self->priv->lock);
  switch (id) {
    case PROP_LOCATION:
      g_value_set_string (value, self->priv->location.c_str ());
      break;
    case PROP_REWRITE_HOST:
      g_value_set_boolean (value, self->priv->rewrite_host);
      break;
    case PROP_TIMEOUT:
      g_value_set_uint (value, self->priv->timeout);
      break;
    case PROP_RTSPSRC:
      g_value_set_object (value, self->rtspsrc);
      break;
    case PROP_STREAM_URI:
      g_value_set_string (value, self->priv->stream_uri.c_str ());
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
gst_onvif_src_finalize (GObject * object)
{
  auto *self = GST_ONVIF_SRC (object);
  stop_resolver (self);
  delete self->priv;
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_onvif_src_class_init (GstOnvifSrcClass * klass)
{
  auto *gobject_class = G_OBJECT_CLASS (klass);
  auto *element_class = GST_ELEMENT_CLASS (klass);
  gobject_class->set_property = gst_onvif_src_set_property;
  gobject_class->get_property = gst_onvif_src_get_property;
  gobject_class->finalize = gst_onvif_src_finalize;
  element_class->change_state = GST_DEBUG_FUNCPTR (gst_onvif_src_change_state);

  g_object_class_install_property (gobject_class, PROP_LOCATION,
      g_param_spec_string ("location", "Location",
          "onvif://[user:password@]host[:port][/profile-token]: the device, "
          "its credentials (for ONVIF and RTSP) and optionally the profile "
          "(default: the largest H.264/H.265 one)", "",
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY)));
  g_object_class_install_property (gobject_class, PROP_REWRITE_HOST,
      g_param_spec_boolean ("rewrite-host", "Rewrite host",
          "Replace the host of the stream URI the device reports with the "
          "host the device was reached on (cameras behind NAT report their "
          "private address)", kDefaultRewriteHost,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY)));
  g_object_class_install_property (gobject_class, PROP_TIMEOUT,
      g_param_spec_uint ("timeout", "Timeout",
          "Seconds to wait for each SOAP reply", 1, 60, kDefaultTimeout,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY)));
  g_object_class_install_property (gobject_class, PROP_RTSPSRC,
      g_param_spec_object ("rtspsrc", "rtspsrc",
          "The rtspsrc inside, to set its properties (protocols, latency...)",
          GST_TYPE_ELEMENT,
          (GParamFlags) (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));
  g_object_class_install_property (gobject_class, PROP_STREAM_URI,
      g_param_spec_string ("stream-uri", "Stream URI",
          "The RTSP URI the device gave (after host rewriting), once resolved",
          "", (GParamFlags) (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));

  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "ONVIF camera source",
      "Source/Network", "Finds an ONVIF camera's RTSP stream (SOAP, "
      "WS-Security) and plays it with rtspsrc",
      "camgate <https://github.com/camgate>");
}

static void
gst_onvif_src_init (GstOnvifSrc * self)
{
  self->priv = new GstOnvifSrcPrivate ();
  self->rtspsrc = gst_element_factory_make ("rtspsrc", "rtspsrc");
  if (self->rtspsrc) {
    gst_bin_add (GST_BIN (self), self->rtspsrc);
    g_signal_connect (self->rtspsrc, "pad-added", G_CALLBACK (on_pad_added),
        self);
    g_signal_connect (self->rtspsrc, "pad-removed",
        G_CALLBACK (on_pad_removed), self);
    g_signal_connect (self->rtspsrc, "no-more-pads",
        G_CALLBACK (on_no_more_pads), self);
  }
  GST_OBJECT_FLAG_SET (self, GST_ELEMENT_FLAG_SOURCE);
}

static GstURIType
uri_type (GType)
{
  return GST_URI_SRC;
}

static const gchar *const *
uri_protocols (GType)
{
  static const gchar *protocols[] = { "onvif", nullptr };
  return protocols;
}

static gchar *
uri_get (GstURIHandler * handler)
{
  auto *self = GST_ONVIF_SRC (handler);
  std::lock_guard<std::mutex> lk (self->priv->lock);
  return g_strdup (self->priv->location.c_str ());
}

static gboolean
uri_set (GstURIHandler * handler, const gchar * uri, GError ** error)
{
  std::string device, profile, problem;
  camgate::onvif::Credentials credentials;
  if (!camgate::onvif::parse_onvif_uri (uri ? uri : "", device, credentials,
          profile, problem)) {
    g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI, "%s",
        problem.c_str ());
    return FALSE;
  }
  g_object_set (handler, "location", uri, nullptr);
  return TRUE;
}

static void
gst_onvif_src_uri_handler_init (gpointer iface, gpointer)
{
  auto *i = static_cast<GstURIHandlerInterface *> (iface);
  i->get_type = uri_type;
  i->get_protocols = uri_protocols;
  i->get_uri = uri_get;
  i->set_uri = uri_set;
}
