/**
 * SECTION:element-rtmpserversrc
 * @title: rtmpserversrc
 * @short_description: receives a stream published over RTMP
 *
 * The server side of RTMP for one publisher: handshake, chunk stream, the
 * NetConnection/NetStream commands up to `publish`, then the publisher's
 * video (H.264 as FLV codec 7 or Enhanced RTMP 'avc1', H.265 as Enhanced
 * RTMP 'hvc1') and AAC audio on the sometimes pads `video` and `audio`,
 * timestamped from the publisher's clock on the running time of its first
 * message. The pads appear together once the tracks the publisher's
 * metadata declared have their configuration (or after 3 s of media), then
 * no-more-pads.
 *
 * The #GstRtmpServerSrc::publish signal decides whether to take the
 * publisher (application and stream name, with any `?query`); refused, it
 * is answered `NetStream.Publish.BadName` with the reason, and the element
 * posts an error. A publisher that leaves ends the stream (EOS); silence
 * for #GstRtmpServerSrc:timeout seconds is an error.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 rtmpserversrc port=1935 name=s s.video ! h264parse !
 *     avdec_h264 ! videoconvert ! autovideosink
 * ]|
 * and `ffmpeg -re -i clip.mp4 -c copy -f flv rtmp://127.0.0.1/live/cam`.
 *
 * Since: 0.1
 */
#include "gstrtmpserversrc.h"

#include "flv_media.h"
#include "rtmp_server_session.h"

#include <gio/gio.h>
#include <gst/pbutils/codec-utils.h>

#include <deque>
#include <memory>

GST_DEBUG_CATEGORY_STATIC (gst_rtmp_server_src_debug);
#define GST_CAT_DEFAULT gst_rtmp_server_src_debug

#define DEFAULT_PORT 1935
#define DEFAULT_ADDRESS "0.0.0.0"
#define DEFAULT_TIMEOUT 10
// Media held while the tracks are not all known yet.
#define MAX_HELD_BUFFERS 2000
#define TRACKS_WAIT_MS 3000

enum
{
  PROP_0,
  PROP_PORT,
  PROP_ADDRESS,
  PROP_SOCKET,
  PROP_CONNECTION,
  PROP_TIMEOUT,
  PROP_STREAM_NAME,
};

enum
{
  SIGNAL_PUBLISH,
  LAST_SIGNAL,
};

static guint signals[LAST_SIGNAL];

namespace {

enum Track { kVideo = 0, kAudio = 1, kTracks = 2 };

struct Held
{
  Track track;
  GstBuffer *buffer;
};

// What the serving thread keeps (created and used there only).
struct Serving
{
  camgate::rtmp::ServerSession session;
  GstCaps *caps[kTracks] = { nullptr, nullptr };
  bool caps_sent[kTracks] = { false, false };
  bool declared = false;            // metadata said which tracks come
  bool declared_track[kTracks] = { false, false };
  bool pads_made = false;
  bool told_unsupported[kTracks] = { false, false };   // warned once
  std::deque<Held> held;
  // Timestamps: the publisher's first message time and its running time
  // here, and the 32-bit millisecond clock unwrapped.
  bool started = false;
  uint32_t last_ms = 0;
  int64_t unwrapped_ms = 0;
  GstClockTime base = 0;
  bool eos = false;                 // the publisher is gone

  ~Serving ()
  {
    for (auto *c : caps)
      if (c)
        gst_caps_unref (c);
    for (auto & h : held)
      gst_buffer_unref (h.buffer);
  }
};

}  // namespace

struct _GstRtmpServerSrc
{
  GstElement parent;

  // Properties (object lock).
  gint port;
  gchar *address;
  GSocket *socket;
  GIOStream *connection;
  guint timeout;
  gchar *stream_name;

  GThread *thread;
  GCancellable *cancellable;
  GstPad *pads[kTracks];
  GstClockTime no_more_pads_at;
};

static GstStaticPadTemplate video_template = GST_STATIC_PAD_TEMPLATE ("video",
    GST_PAD_SRC, GST_PAD_SOMETIMES,
    GST_STATIC_CAPS ("video/x-h264, stream-format=avc, alignment=au; "
        "video/x-h265, stream-format=hvc1, alignment=au"));
static GstStaticPadTemplate audio_template = GST_STATIC_PAD_TEMPLATE ("audio",
    GST_PAD_SRC, GST_PAD_SOMETIMES,
    GST_STATIC_CAPS ("audio/mpeg, mpegversion=4, stream-format=raw, "
        "framed=true"));

#define gst_rtmp_server_src_parent_class parent_class
G_DEFINE_TYPE (GstRtmpServerSrc, gst_rtmp_server_src, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE (rtmpserversrc, "rtmpserversrc", GST_RANK_NONE,
    GST_TYPE_RTMP_SERVER_SRC);

static GstCaps *
config_caps (const camgate::rtmp::FlvMedia & m)
{
  GstBuffer *codec_data = gst_buffer_new_memdup (m.data, m.size);
  GstCaps *caps = nullptr;
  if (m.codec == "H264")
    caps = gst_caps_new_simple ("video/x-h264", "stream-format",
        G_TYPE_STRING, "avc", "alignment", G_TYPE_STRING, "au", nullptr);
  else if (m.codec == "H265")
    caps = gst_caps_new_simple ("video/x-h265", "stream-format",
        G_TYPE_STRING, "hvc1", "alignment", G_TYPE_STRING, "au", nullptr);
  else {
    caps = gst_caps_new_simple ("audio/mpeg", "mpegversion", G_TYPE_INT, 4,
        "stream-format", G_TYPE_STRING, "raw", "framed", G_TYPE_BOOLEAN,
        TRUE, nullptr);
    const gint rate = gst_codec_utils_aac_get_sample_rate (m.data, m.size);
    const gint channels = gst_codec_utils_aac_get_channels (m.data, m.size);
    if (rate > 0)
      gst_caps_set_simple (caps, "rate", G_TYPE_INT, rate, nullptr);
    if (channels > 0)
      gst_caps_set_simple (caps, "channels", G_TYPE_INT, channels, nullptr);
  }
  gst_caps_set_simple (caps, "codec_data", GST_TYPE_BUFFER, codec_data,
      nullptr);
  gst_buffer_unref (codec_data);
  return caps;
}

// The running time of `element` now (0 before it has a clock).
static GstClockTime
running_time_now (GstElement * element)
{
  GstClock *clock = gst_element_get_clock (element);
  if (!clock)
    return 0;
  const GstClockTime now = gst_clock_get_time (clock);
  gst_object_unref (clock);
  const GstClockTime base = gst_element_get_base_time (element);
  return now > base ? now - base : 0;
}

// `ms` of the publisher's clock (32 bits, wrapping) on the running time.
static GstClockTime
running_time_of (GstRtmpServerSrc * self, Serving & s, uint32_t ms)
{
  if (!s.started) {
    s.started = true;
    s.last_ms = ms;
    s.base = running_time_now (GST_ELEMENT (self));
  }
  s.unwrapped_ms += static_cast<int32_t> (ms - s.last_ms);
  s.last_ms = ms;
  const int64_t t = static_cast<int64_t> (s.base)
      + s.unwrapped_ms * static_cast<int64_t> (GST_MSECOND);
  return t > 0 ? static_cast<GstClockTime> (t) : 0;
}

static GstFlowReturn
push (GstRtmpServerSrc * self, Serving & s, Track track, GstBuffer * buffer)
{
  GstPad *pad = self->pads[track];
  if (!pad) {
    gst_buffer_unref (buffer);
    return GST_FLOW_OK;
  }
  if (!s.caps_sent[track]) {
    gst_pad_push_event (pad, gst_event_new_caps (s.caps[track]));
    s.caps_sent[track] = true;
  }
  const GstFlowReturn flow = gst_pad_push (pad, buffer);
  return flow == GST_FLOW_NOT_LINKED ? GST_FLOW_OK : flow;
}

// Whether the tracks to expose are known: what the metadata declared has
// its configuration (or both have), or media came for a while.
static bool
tracks_known (const Serving & s)
{
  const bool any = s.caps[kVideo] || s.caps[kAudio];
  if (!any)
    return false;
  if (s.caps[kVideo] && s.caps[kAudio])
    return true;
  if (s.declared && (!s.declared_track[kVideo] || s.caps[kVideo])
      && (!s.declared_track[kAudio] || s.caps[kAudio]))
    return true;
  return s.started && s.unwrapped_ms >= TRACKS_WAIT_MS;
}

static GstFlowReturn
make_pads (GstRtmpServerSrc * self, Serving & s)
{
  const guint group = gst_util_group_id_next ();
  for (int t = 0; t < kTracks; t++) {
    if (!s.caps[t])
      continue;
    GstPad *pad = gst_pad_new_from_static_template (t == kVideo
        ? &video_template : &audio_template, t == kVideo ? "video" : "audio");
    gst_pad_use_fixed_caps (pad);
    gst_pad_set_active (pad, TRUE);
    gchar *id = gst_pad_create_stream_id (pad, GST_ELEMENT (self),
        t == kVideo ? "video" : "audio");
    GstEvent *start = gst_event_new_stream_start (id);
    gst_event_set_group_id (start, group);
    gst_pad_push_event (pad, start);
    g_free (id);
    gst_pad_push_event (pad, gst_event_new_caps (s.caps[t]));
    s.caps_sent[t] = true;
    GstSegment segment;
    gst_segment_init (&segment, GST_FORMAT_TIME);
    gst_pad_push_event (pad, gst_event_new_segment (&segment));
    self->pads[t] = pad;
    gst_element_add_pad (GST_ELEMENT (self), pad);
  }
  gst_element_no_more_pads (GST_ELEMENT (self));
  s.pads_made = true;
  GstFlowReturn flow = GST_FLOW_OK;
  while (!s.held.empty () && flow == GST_FLOW_OK) {
    Held h = s.held.front ();
    s.held.pop_front ();
    flow = push (self, s, h.track, h.buffer);
  }
  return flow;
}

// One audio or video message of the publisher.
static GstFlowReturn
handle_media (GstRtmpServerSrc * self, Serving & s,
    camgate::rtmp::SessionEvent & event)
{
  using camgate::rtmp::FlvMedia;
  const bool video = event.message_type == camgate::rtmp::kVideo;
  FlvMedia m = video
      ? camgate::rtmp::parse_flv_video (event.payload.data (),
          event.payload.size ())
      : camgate::rtmp::parse_flv_audio (event.payload.data (),
          event.payload.size ());
  const Track track = video ? kVideo : kAudio;
  switch (m.kind) {
    case FlvMedia::Kind::Skip:
      return GST_FLOW_OK;
    case FlvMedia::Kind::Malformed:
      GST_WARNING_OBJECT (self, "malformed %s message dropped",
          video ? "video" : "audio");
      return GST_FLOW_OK;
    case FlvMedia::Kind::Unsupported:
      if (!s.caps[track] && !s.told_unsupported[track]) {
        s.told_unsupported[track] = true;
        GST_ELEMENT_WARNING (self, STREAM, CODEC_NOT_FOUND,
            ("The publisher sends %s, which is not supported: only H.264, "
                "H.265 and AAC", m.codec.c_str ()), (nullptr));
      }
      return GST_FLOW_OK;
    case FlvMedia::Kind::Config: {
      GstCaps *caps = config_caps (m);
      if (s.caps[track] && gst_caps_is_equal (caps, s.caps[track])) {
        gst_caps_unref (caps);
        return GST_FLOW_OK;
      }
      if (s.caps[track])
        gst_caps_unref (s.caps[track]);
      s.caps[track] = caps;
      s.caps_sent[track] = false;
      GST_INFO_OBJECT (self, "%s: %" GST_PTR_FORMAT, video ? "video"
          : "audio", caps);
      return GST_FLOW_OK;
    }
    case FlvMedia::Kind::Frame:
      break;
  }
  if (!s.caps[track] || m.size == 0)
    return GST_FLOW_OK;          // frames before their configuration
  const GstClockTime dts = running_time_of (self, s, event.timestamp);
  const size_t offset = m.data - event.payload.data ();
  const size_t size = m.size;
  auto *bytes = new std::vector<uint8_t> (std::move (event.payload));
  GstBuffer *buffer = gst_buffer_new_wrapped_full (GST_MEMORY_FLAG_READONLY,
      bytes->data (), bytes->size (), offset, size, bytes, [](gpointer p) {
        delete static_cast<std::vector<uint8_t> *> (p);
      });
  GST_BUFFER_DTS (buffer) = dts;
  const int64_t pts = static_cast<int64_t> (dts)
      + m.composition_ms * static_cast<int64_t> (GST_MSECOND);
  GST_BUFFER_PTS (buffer) = pts > 0 ? static_cast<GstClockTime> (pts) : 0;
  if (video && !m.keyframe)
    GST_BUFFER_FLAG_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT);

  if (!s.pads_made) {
    if (s.held.size () >= MAX_HELD_BUFFERS) {
      gst_buffer_unref (s.held.front ().buffer);
      s.held.pop_front ();
    }
    s.held.push_back ({ track, buffer });
    return tracks_known (s) ? make_pads (self, s) : GST_FLOW_OK;
  }
  return push (self, s, track, buffer);
}

// The publisher's `publish`: taken unless a handler of the publish signal
// refuses it. False when refused.
static bool
handle_publish (GstRtmpServerSrc * self, Serving & s,
    const camgate::rtmp::SessionEvent & event)
{
  gchar *refusal = nullptr;
  g_signal_emit (self, signals[SIGNAL_PUBLISH], 0, event.app.c_str (),
      event.name.c_str (), &refusal);
  if (refusal) {
    s.session.refuse_publish ("NetStream.Publish.BadName", refusal);
    g_free (refusal);
    return false;
  }
  GST_OBJECT_LOCK (self);
  g_free (self->stream_name);
  self->stream_name = g_strdup (event.name.c_str ());
  GST_OBJECT_UNLOCK (self);
  s.session.accept_publish ();
  gst_element_post_message (GST_ELEMENT (self), gst_message_new_element
      (GST_OBJECT (self), gst_structure_new ("rtmp-publish", "app",
              G_TYPE_STRING, event.app.c_str (), "name", G_TYPE_STRING,
              event.name.c_str (), nullptr)));
  return true;
}

// The connection to serve: the stream given (RTMPS: a TLS connection),
// the socket given, or the first to the port. The socket's timeout bounds
// every read and write (on a given stream, its owner set it).
static GIOStream *
connection (GstRtmpServerSrc * self, GError ** error)
{
  GST_OBJECT_LOCK (self);
  GIOStream *stream = self->connection ? G_IO_STREAM (g_object_ref
      (self->connection)) : nullptr;
  GSocket *given = self->socket ? G_SOCKET (g_object_ref (self->socket))
      : nullptr;
  gchar *address = g_strdup (self->address);
  const gint port = self->port;
  const guint timeout = self->timeout;
  GST_OBJECT_UNLOCK (self);
  if (stream) {
    g_clear_object (&given);
    g_free (address);
    return stream;
  }
  if (!given) {
    GInetAddress *inet = g_inet_address_new_from_string (address);
    if (!inet) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
          "not an IP address");
      g_free (address);
      return nullptr;
    }
    GSocketAddress *where = g_inet_socket_address_new (inet, port);
    GSocket *listener = g_socket_new (g_inet_address_get_family (inet),
        G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
    g_object_unref (inet);
    if (listener && g_socket_bind (listener, where, TRUE, error)
        && g_socket_listen (listener, error))
      given = g_socket_accept (listener, self->cancellable, error);
    g_object_unref (where);
    if (listener)
      g_object_unref (listener);
  }
  g_free (address);
  if (!given)
    return nullptr;
  g_socket_set_timeout (given, timeout);
  g_socket_set_blocking (given, TRUE);
  stream = G_IO_STREAM (g_socket_connection_factory_create_connection
      (given));
  g_object_unref (given);
  return stream;
}

static gpointer
serve (gpointer data)
{
  auto *self = GST_RTMP_SERVER_SRC (data);
  GError *error = nullptr;
  GIOStream *stream = connection (self, &error);
  if (!stream) {
    if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
          ("Cannot take an RTMP publisher"), ("%s", error->message));
    g_clear_error (&error);
    return nullptr;
  }
  GInputStream *input = g_io_stream_get_input_stream (stream);
  GOutputStream *output = g_io_stream_get_output_stream (stream);

  auto s = std::make_unique<Serving> ();
  std::vector<uint8_t> in (64 * 1024);
  GstFlowReturn flow = GST_FLOW_OK;
  std::string failure;
  bool refused = false;
  while (flow == GST_FLOW_OK && !refused) {
    const gssize n = g_input_stream_read (input, in.data (), in.size (),
        self->cancellable, &error);
    if (n < 0) {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        failure = error->message;
      break;
    }
    if (n == 0) {
      s->eos = true;
      break;
    }
    bool ok = s->session.receive (in.data (), static_cast<size_t> (n));
    for (bool answered = true; answered && !refused;) {
      answered = false;
      for (auto & event : s->session.take_events ()) {
        using Type = camgate::rtmp::SessionEvent::Type;
        if (event.type == Type::Publish) {
          refused = !handle_publish (self, *s, event);
          answered = true;
        } else if (event.type == Type::Metadata) {
          s->declared = true;
          s->declared_track[kVideo] = event.has_video;
          s->declared_track[kAudio] = event.has_audio;
        } else if (event.type == Type::Media && flow == GST_FLOW_OK)
          flow = handle_media (self, *s, event);
        else if (event.type == Type::Unpublish)
          s->eos = true;
      }
      // What came after the publish, now that it is answered.
      if (answered && !refused)
        ok = s->session.receive (nullptr, 0) && ok;
    }
    const std::vector<uint8_t> out = s->session.take_output ();
    if (!out.empty () && !g_output_stream_write_all (output, out.data (),
            out.size (), nullptr, self->cancellable, &error)) {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        failure = error->message;
      break;
    }
    if (!ok && !refused) {
      failure = s->session.error ();
      break;
    }
    if (s->eos)
      break;
  }
  g_clear_error (&error);
  g_io_stream_close (stream, nullptr, nullptr);
  g_object_unref (stream);

  if (refused) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_AUTHORIZED,
        ("The RTMP publisher was refused"), ("%s",
            s->session.error ().c_str ()));
  } else if (!failure.empty ()) {
    GST_ELEMENT_ERROR (self, RESOURCE, READ, ("The RTMP publisher failed"),
        ("%s", failure.c_str ()));
  } else if (flow != GST_FLOW_OK && flow != GST_FLOW_FLUSHING) {
    GST_ELEMENT_FLOW_ERROR (self, flow);
  } else if (s->eos) {
    if (!s->pads_made && (s->caps[kVideo] || s->caps[kAudio]))
      make_pads (self, *s);
    if (!s->pads_made)
      GST_ELEMENT_ERROR (self, STREAM, FAILED,
          ("The RTMP publisher left without sending media"), (nullptr));
    for (GstPad *pad : self->pads)
      if (pad)
        gst_pad_push_event (pad, gst_event_new_eos ());
  }
  return nullptr;
}

static void
stop_serving (GstRtmpServerSrc * self)
{
  if (self->thread) {
    g_cancellable_cancel (self->cancellable);
    // Unblocks a push stuck downstream.
    for (GstPad *pad : self->pads)
      if (pad)
        gst_pad_set_active (pad, FALSE);
    g_thread_join (self->thread);
    self->thread = nullptr;
  }
  for (GstPad *& pad : self->pads) {
    if (pad)
      gst_element_remove_pad (GST_ELEMENT (self), pad);
    pad = nullptr;
  }
  g_clear_object (&self->cancellable);
}

static GstStateChangeReturn
gst_rtmp_server_src_change_state (GstElement * element,
    GstStateChange transition)
{
  auto self = GST_RTMP_SERVER_SRC (element);
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
    self->cancellable = g_cancellable_new ();
    self->thread = g_thread_new ("rtmpserversrc", serve, self);
  }
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    stop_serving (self);
  GstStateChangeReturn ret = GST_ELEMENT_CLASS (parent_class)->change_state
      (element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE)
    return ret;
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED
      || transition == GST_STATE_CHANGE_PLAYING_TO_PAUSED)
    return GST_STATE_CHANGE_NO_PREROLL;
  return ret;
}

static void
gst_rtmp_server_src_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  auto self = GST_RTMP_SERVER_SRC (object);
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_PORT:
      self->port = g_value_get_int (value);
      break;
    case PROP_ADDRESS:
      g_free (self->address);
      self->address = g_value_dup_string (value);
      if (!self->address)
        self->address = g_strdup (DEFAULT_ADDRESS);
      break;
    case PROP_SOCKET:
      g_clear_object (&self->socket);
      self->socket = G_SOCKET (g_value_dup_object (value));
      break;
    case PROP_CONNECTION:
      g_clear_object (&self->connection);
      self->connection = G_IO_STREAM (g_value_dup_object (value));
      break;
    case PROP_TIMEOUT:
      self->timeout = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_rtmp_server_src_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  auto self = GST_RTMP_SERVER_SRC (object);
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_PORT:
      g_value_set_int (value, self->port);
      break;
    case PROP_ADDRESS:
      g_value_set_string (value, self->address);
      break;
    case PROP_SOCKET:
      g_value_set_object (value, self->socket);
      break;
    case PROP_CONNECTION:
      g_value_set_object (value, self->connection);
      break;
    case PROP_TIMEOUT:
      g_value_set_uint (value, self->timeout);
      break;
    case PROP_STREAM_NAME:
      g_value_set_string (value, self->stream_name);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_rtmp_server_src_finalize (GObject * object)
{
  auto self = GST_RTMP_SERVER_SRC (object);
  g_free (self->address);
  g_free (self->stream_name);
  g_clear_object (&self->socket);
  g_clear_object (&self->connection);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_rtmp_server_src_class_init (GstRtmpServerSrcClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->set_property = gst_rtmp_server_src_set_property;
  gobject_class->get_property = gst_rtmp_server_src_get_property;
  gobject_class->finalize = gst_rtmp_server_src_finalize;
  element_class->change_state = gst_rtmp_server_src_change_state;

  const auto flags = static_cast<GParamFlags> (G_PARAM_READWRITE
      | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  g_object_class_install_property (gobject_class, PROP_PORT,
      g_param_spec_int ("port", "Port", "TCP port to take one publisher on "
          "(without a socket)", 0, 65535, DEFAULT_PORT, flags));
  g_object_class_install_property (gobject_class, PROP_ADDRESS,
      g_param_spec_string ("address", "Address", "IP address to listen on "
          "(without a socket)", DEFAULT_ADDRESS, flags));
  g_object_class_install_property (gobject_class, PROP_SOCKET,
      g_param_spec_object ("socket", "Socket", "An accepted connection to "
          "serve instead of listening", G_TYPE_SOCKET, flags));
  g_object_class_install_property (gobject_class, PROP_CONNECTION,
      g_param_spec_object ("connection", "Connection", "An accepted "
          "connection as a stream to serve instead of listening (RTMPS: a "
          "GTlsServerConnection); its owner sets its socket's timeout",
          G_TYPE_IO_STREAM, flags));
  g_object_class_install_property (gobject_class, PROP_TIMEOUT,
      g_param_spec_uint ("timeout", "Timeout", "Seconds without a byte from "
          "the publisher before it is given up (0 = never)", 0, 3600,
          DEFAULT_TIMEOUT, flags));
  g_object_class_install_property (gobject_class, PROP_STREAM_NAME,
      g_param_spec_string ("stream-name", "Stream name", "The name the "
          "publisher published, with any ?query (once taken)", nullptr,
          static_cast<GParamFlags> (G_PARAM_READABLE
              | G_PARAM_STATIC_STRINGS)));

  /**
   * GstRtmpServerSrc::publish:
   * @src: the element
   * @app: the application the publisher connected to
   * @name: the stream name it publishes, with any `?query`
   *
   * Emitted from the element's thread when the publisher asks to publish.
   * Return %NULL to take it, or why it is refused (a new string).
   */
  signals[SIGNAL_PUBLISH] = g_signal_new ("publish",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
      g_signal_accumulator_first_wins, nullptr, nullptr, G_TYPE_STRING, 2,
      G_TYPE_STRING, G_TYPE_STRING);

  gst_element_class_add_static_pad_template (element_class, &video_template);
  gst_element_class_add_static_pad_template (element_class, &audio_template);
  gst_element_class_set_static_metadata (element_class, "RTMP server source",
      "Source/Network", "Receives a stream published over RTMP (H.264, "
      "H.265 by Enhanced RTMP, AAC)", "camgate");
  GST_DEBUG_CATEGORY_INIT (gst_rtmp_server_src_debug, "rtmpserversrc", 0,
      "RTMP publisher source");
}

static void
gst_rtmp_server_src_init (GstRtmpServerSrc * self)
{
  self->port = DEFAULT_PORT;
  self->address = g_strdup (DEFAULT_ADDRESS);
  self->timeout = DEFAULT_TIMEOUT;
  GST_OBJECT_FLAG_SET (self, GST_ELEMENT_FLAG_SOURCE);
}
