/**
 * SECTION:element-recordsink
 * @title: recordsink
 * @short_description: records cmafchunkmux's output as time-named MP4 files
 *
 * recordsink writes the CMAF chunks of cmafchunkmux as a series of
 * fragmented MP4 files named by #GstRecordSink:location, a strftime()
 * template of each file's start time in UTC (folders are created; an
 * existing file is never replaced). Each file is the CMAF header, a `uuid`
 * box holding `start=<RFC 3339 time>`, and whole fragments whose decode
 * times start at 0: it plays while it is written and, after a crash, up to
 * its last complete fragment. A new file starts at the first segment
 * (keyframe) after #GstRecordSink:max-duration; the file is flushed to disk
 * every #GstRecordSink:fsync-interval of media.
 *
 * For recording on events, #GstRecordSink:recording FALSE closes the file
 * and keeps the last #GstRecordSink:pre-roll of media in memory, from a
 * keyframe (whole segments; 64 MiB at most); set TRUE again, it starts the
 * next file with what it kept, so the file shows what led to the event.
 *
 * It posts `recordsink-file` element messages with `event` (`opened`,
 * `closed`, `resumed`), `file` (string) and `duration` (guint64, ns).
 *
 * A write error (a full disk, a folder it cannot create) never stops the
 * pipeline: the file keeps what it holds up to its last whole fragment, a
 * RESOURCE/WRITE warning is posted, #GstRecordSink:status becomes `paused`
 * and #GstRecordSink:last-error says why. The next segment start after 5 s
 * tries again.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 -m videotestsrc is-live=true ! x264enc tune=zerolatency
 *     key-int-max=30 ! h264parse ! cmafchunkmux
 *     segment-duration=60000000000 ! recordsink
 *     location=rec/%Y-%m-%d/%H-%M-%S.mp4
 * ]|
 *
 * Since: 0.1
 */
#include "gstrecordsink.h"

#include "gstcmafmeta.h"
#include "isobmff/fragment_reader.h"
#include "utc_time.h"

#include <glib/gstdio.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <fcntl.h>
#include <string>
#include <unistd.h>

GST_DEBUG_CATEGORY_STATIC (gst_record_sink_debug);
#define GST_CAT_DEFAULT gst_record_sink_debug

const guint8 gst_record_sink_start_uuid[16] = { 0xca, 0x46, 0x9a, 0x7e, 0x52,
  0x45, 0x43, 0x4f, 0x52, 0x44, 0x53, 0x54, 0x41, 0x52, 0x54, 0x31 };

enum
{
  PROP_0,
  PROP_LOCATION,
  PROP_MAX_DURATION,
  PROP_FSYNC_INTERVAL,
  PROP_CURRENT_FILE,
  PROP_STATUS,
  PROP_LAST_ERROR,
  PROP_RECORDING,
  PROP_PRE_ROLL,
};

constexpr guint64 kDefaultMaxDuration = 60 * GST_SECOND;
constexpr guint64 kDefaultFsyncInterval = GST_SECOND;
constexpr const char *kDefaultLocation = "recording-%Y%m%dT%H%M%SZ.mp4";
// After a failed write, the next attempt waits this long.
constexpr gint64 kRetryUs = 5 * G_USEC_PER_SEC;
constexpr guint64 kMaxPreRoll = 60 * GST_SECOND;
// Whatever pre-roll asks, chunks kept while not recording never hold more.
constexpr gsize kMaxPreRollBytes = 64 * 1024 * 1024;

// A chunk kept while not recording, for the pre-roll of the next file.
struct KeptChunk
{
  GstBuffer *buffer;
  GstClockTime duration;
  bool segment_start;
};

struct GstRecordSinkPrivate
{
  std::mutex lock;                 // guards what properties read
  std::string location = kDefaultLocation;
  std::string current_file;
  std::string last_error;
  GstRecordSinkStatus status = GST_RECORD_SINK_STATUS_STOPPED;
  guint64 max_duration = kDefaultMaxDuration;
  guint64 fsync_interval = kDefaultFsyncInterval;
  bool recording = true;
  guint64 pre_roll = 0;

  // Streaming thread only.
  GstBuffer *header = nullptr;
  int fd = -1;
  // Per track: the decode time of the file's first fragment, subtracted
  // from every fragment's tfdt so that each file starts at 0.
  std::map<guint32, guint64> file_base;
  GstClockTime file_duration = 0;
  GstClockTime since_sync = 0;
  gint64 retry_after_us = 0;
  // While not recording: whole segments (each from a keyframe), the
  // oldest dropped once the others still cover pre_roll.
  std::deque<KeptChunk> kept;
  GstClockTime kept_duration = 0;
  gsize kept_bytes = 0;
};

struct _GstRecordSink
{
  GstBaseSink parent;
  GstRecordSinkPrivate *priv;
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("video/quicktime, variant = (string) iso-fragmented"));

#define gst_record_sink_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstRecordSink, gst_record_sink, GST_TYPE_BASE_SINK,
    GST_DEBUG_CATEGORY_INIT (gst_record_sink_debug, "recordsink", 0,
        "Segmented fragmented-MP4 recording"));
GST_ELEMENT_REGISTER_DEFINE (recordsink, "recordsink", GST_RANK_NONE,
    GST_TYPE_RECORD_SINK);

GType
gst_record_sink_status_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { GST_RECORD_SINK_STATUS_STOPPED, "Not writing (no data yet, or stopped)",
        "stopped" },
    { GST_RECORD_SINK_STATUS_RECORDING, "Writing a file", "recording" },
    { GST_RECORD_SINK_STATUS_PAUSED, "Paused after a write error (see "
          "last-error); retried at the next segment", "paused" },
    { 0, nullptr, nullptr },
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstRecordSinkStatus",
            values));
  return type;
}

// "recordsink-file": a file was opened, closed, or writing resumed in it.
static void
post_file (GstRecordSink * self, const char *event, const std::string & file)
{
  GstStructure *s = gst_structure_new ("recordsink-file",
      "event", G_TYPE_STRING, event, "file", G_TYPE_STRING, file.c_str (),
      "duration", G_TYPE_UINT64, (guint64) self->priv->file_duration, nullptr);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

static void
set_status (GstRecordSink * self, GstRecordSinkStatus status,
    const std::string & file, const std::string & error = {})
{
  std::lock_guard<std::mutex> lk (self->priv->lock);
  self->priv->status = status;
  self->priv->current_file = file;
  if (!error.empty ())
    self->priv->last_error = error;
}

static std::string
current_file (GstRecordSink * self)
{
  std::lock_guard<std::mutex> lk (self->priv->lock);
  return self->priv->current_file;
}

static void
close_file (GstRecordSink * self)
{
  if (self->priv->fd < 0)
    return;
  fdatasync (self->priv->fd);
  close (self->priv->fd);
  self->priv->fd = -1;
  const std::string file = current_file (self);
  GST_INFO_OBJECT (self, "closed %s (%" GST_TIME_FORMAT ")", file.c_str (),
      GST_TIME_ARGS (self->priv->file_duration));
  post_file (self, "closed", file);
}

static bool
write_all (int fd, const guint8 * data, gsize size, std::string & error)
{
  while (size > 0) {
    ssize_t n = write (fd, data, size);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      error = g_strerror (errno);
      return false;
    }
    data += n;
    size -= n;
  }
  return true;
}

// Rebases each track's tfdt in a chunk's fragments on the file's first one.
static void
rebase_decode_times (guint8 * data, gsize size,
    std::map<guint32, guint64> & base)
{
  namespace isobmff = camgate::isobmff;
  for (const auto & box : isobmff::read_boxes (data, 0, size)) {
    isobmff::MovieFragment fragment;
    if (box.type != isobmff::fourcc ("moof")
        || !isobmff::read_movie_fragment (data, box, fragment))
      continue;
    for (const auto & traf : fragment.trafs) {
      if (!traf.has_decode_time)
        continue;
      auto it = base.emplace (traf.track_id, traf.decode_time).first;
      isobmff::write_decode_time (data, traf, traf.decode_time >= it->second
          ? traf.decode_time - it->second : 0);
    }
  }
}

static bool
write_buffer (int fd, GstBuffer * buffer, std::string & error)
{
  GstMapInfo map;
  if (!gst_buffer_map (buffer, &map, GST_MAP_READ)) {
    error = "cannot read the buffer";
    return false;
  }
  bool ok = write_all (fd, map.data, map.size, error);
  gst_buffer_unmap (buffer, &map);
  return ok;
}

// The path for a file starting now (UTC); never an existing file.
static std::string
next_path (GstRecordSink * self)
{
  std::string tmpl;
  {
    std::lock_guard<std::mutex> lk (self->priv->lock);
    tmpl = self->priv->location;
  }
  GDateTime *now = g_date_time_new_now_utc ();
  gchar *path = g_date_time_format (now, tmpl.c_str ());
  g_date_time_unref (now);
  std::string out = path ? path : "recording.mp4";
  g_free (path);
  std::string candidate = out;
  for (int i = 1; g_file_test (candidate.c_str (), G_FILE_TEST_EXISTS); i++) {
    auto dot = out.rfind ('.');
    candidate = (dot == std::string::npos ? out : out.substr (0, dot)) + "-"
        + std::to_string (i) + (dot == std::string::npos ? "" : out.substr (dot));
  }
  return candidate;
}

// `first_chunk`: the duration of the fragment about to be written, which
// the muxer hands over once it is complete: the file's media started that
// much before now.
static bool
open_file (GstRecordSink * self, GstClockTime first_chunk, std::string & error)
{
  const std::string path = next_path (self);
  gchar *dir = g_path_get_dirname (path.c_str ());
  if (g_mkdir_with_parents (dir, 0755) != 0) {
    error = std::string ("cannot create ") + dir + ": " + g_strerror (errno);
    g_free (dir);
    return false;
  }
  g_free (dir);
  int fd = g_open (path.c_str (), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    error = "cannot create " + path + ": " + g_strerror (errno);
    return false;
  }
  // The header, then the absolute start time (a uuid box players skip).
  const gint64 start_us = g_get_real_time ()
      - (GST_CLOCK_TIME_IS_VALID (first_chunk) ? first_chunk / GST_USECOND : 0);
  const std::string payload = "start=" + camgate::format_utc_time (start_us, 6);
  const guint32 size = 8 + 16 + payload.size ();
  guint8 box[8 + 16];
  GST_WRITE_UINT32_BE (box, size);
  memcpy (box + 4, "uuid", 4);
  memcpy (box + 8, gst_record_sink_start_uuid, 16);
  bool ok = write_buffer (fd, self->priv->header, error)
      && write_all (fd, box, sizeof box, error)
      && write_all (fd, reinterpret_cast<const guint8 *> (payload.data ()),
      payload.size (), error);
  if (!ok) {
    close (fd);
    g_unlink (path.c_str ());
    error = "cannot write " + path + ": " + error;
    return false;
  }
  self->priv->fd = fd;
  self->priv->file_base.clear ();
  self->priv->file_duration = 0;
  self->priv->since_sync = 0;
  set_status (self, GST_RECORD_SINK_STATUS_RECORDING, path);
  GST_INFO_OBJECT (self, "opened %s", path.c_str ());
  post_file (self, "opened", path);
  return true;
}

// A write error pauses recording, never the pipeline: what was written is
// kept, and the next segment start tries again after kRetryUs.
static void
pause_on_error (GstRecordSink * self, const std::string & error)
{
  const std::string file = current_file (self);
  if (self->priv->fd >= 0) {
    // Keep what was written: it is complete up to its last fragment.
    close (self->priv->fd);
    self->priv->fd = -1;
  }
  set_status (self, GST_RECORD_SINK_STATUS_PAUSED, "", error);
  GST_ELEMENT_WARNING (self, RESOURCE, WRITE, ("Recording paused: %s",
          error.c_str ()), ("file %s", file.empty () ? "(none)"
          : file.c_str ()));
  self->priv->retry_after_us = g_get_monotonic_time () + kRetryUs;
}

static void
forget_kept (GstRecordSink * self)
{
  for (auto & chunk : self->priv->kept)
    gst_buffer_unref (chunk.buffer);
  self->priv->kept.clear ();
  self->priv->kept_duration = 0;
  self->priv->kept_bytes = 0;
}

// Not recording: keeps the chunk for the next file's pre-roll. The kept
// chunks always start at a segment start, so a file made from them starts
// at a keyframe.
static void
keep_chunk (GstRecordSink * self, GstBuffer * buffer, GstClockTime duration,
    bool segment_start, guint64 pre_roll)
{
  auto & p = *self->priv;
  if (p.kept.empty () && !segment_start)
    return;
  p.kept.push_back ({ gst_buffer_ref (buffer), duration, segment_start });
  p.kept_duration += duration;
  p.kept_bytes += gst_buffer_get_size (buffer);
  // Drop the oldest segment while what follows it still covers pre-roll
  // (or the memory bound is passed).
  for (;;) {
    auto next = p.kept.begin () + 1;
    while (next != p.kept.end () && !next->segment_start)
      next++;
    if (next == p.kept.end ())
      break;
    GstClockTime first = 0;
    gsize first_bytes = 0;
    for (auto it = p.kept.begin (); it != next; it++) {
      first += it->duration;
      first_bytes += gst_buffer_get_size (it->buffer);
    }
    if (p.kept_duration - first < pre_roll && p.kept_bytes <= kMaxPreRollBytes)
      break;
    for (auto it = p.kept.begin (); it != next; it++)
      gst_buffer_unref (it->buffer);
    p.kept.erase (p.kept.begin (), next);
    p.kept_duration -= first;
    p.kept_bytes -= first_bytes;
  }
}

// Writes one chunk to the open file (its decode times rebased on the
// file's start); on a write error pauses recording and returns false.
static bool
write_chunk (GstRecordSink * self, GstBuffer * buffer, GstClockTime duration)
{
  std::string error;
  GstMapInfo map;
  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return true;
  // A private copy to rebase: the chunk may be shared with other sinks.
  guint8 *copy = static_cast<guint8 *> (g_memdup2 (map.data, map.size));
  const gsize size = map.size;
  gst_buffer_unmap (buffer, &map);
  rebase_decode_times (copy, size, self->priv->file_base);
  // Where the last whole fragment ends: a chunk the disk took only part of
  // is cut off again, so the file still ends on a whole fragment.
  const off_t whole = lseek (self->priv->fd, 0, SEEK_CUR);
  const bool written = write_all (self->priv->fd, copy, size, error);
  g_free (copy);
  if (!written) {
    if (whole < 0 || ftruncate (self->priv->fd, whole) != 0)
      GST_WARNING_OBJECT (self, "could not cut a partly written fragment "
          "off: %s", g_strerror (errno));
    pause_on_error (self, error);
    return false;
  }
  self->priv->file_duration += duration;
  self->priv->since_sync += duration;
  if (self->priv->fsync_interval && self->priv->since_sync >= self->priv->fsync_interval) {
    fdatasync (self->priv->fd);
    self->priv->since_sync = 0;
  }
  return true;
}

static GstFlowReturn
gst_record_sink_render (GstBaseSink * sink, GstBuffer * buffer)
{
  auto *self = GST_RECORD_SINK (sink);
  GstCmafChunkMeta *meta = gst_buffer_get_cmaf_chunk_meta (buffer);
  if (!meta) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT, ("recordsink takes "
            "cmafchunkmux's output"), ("buffer without GstCmafChunkMeta"));
    return GST_FLOW_ERROR;
  }
  if (meta->flags & GST_CMAF_CHUNK_HEADER) {
    gst_buffer_replace (&self->priv->header, buffer);
    forget_kept (self);            // the kept chunks belong to the old header
    return GST_FLOW_OK;
  }
  bool recording;
  guint64 pre_roll;
  {
    std::lock_guard<std::mutex> lk (self->priv->lock);
    recording = self->priv->recording;
    pre_roll = self->priv->pre_roll;
  }
  const bool segment_start = meta->flags & GST_CMAF_CHUNK_SEGMENT_START;
  if (!recording) {
    close_file (self);
    if (self->priv->status == GST_RECORD_SINK_STATUS_RECORDING)
      set_status (self, GST_RECORD_SINK_STATUS_STOPPED, "");
    keep_chunk (self, buffer, meta->duration, segment_start, pre_roll);
    return GST_FLOW_OK;
  }
  // The pre-roll kept while not recording starts the new file.
  const bool from_kept = self->priv->fd < 0 && !self->priv->kept.empty ();
  if ((segment_start || from_kept) && self->priv->header
      && (self->priv->fd < 0 || self->priv->file_duration >= self->priv->max_duration)
      && g_get_monotonic_time () >= self->priv->retry_after_us) {
    close_file (self);
    std::string error;
    const GstClockTime before = from_kept ? self->priv->kept_duration : 0;
    if (!open_file (self, before + meta->duration, error)) {
      forget_kept (self);
      pause_on_error (self, error);
      return GST_FLOW_OK;
    }
    if (self->priv->retry_after_us) {
      self->priv->retry_after_us = 0;
      post_file (self, "resumed", current_file (self));
    }
  }
  bool ok = self->priv->fd >= 0;
  for (auto & chunk : self->priv->kept)
    ok = ok && write_chunk (self, chunk.buffer, chunk.duration);
  forget_kept (self);
  if (ok)
    write_chunk (self, buffer, meta->duration);
  return GST_FLOW_OK;
}

static gboolean
gst_record_sink_stop (GstBaseSink * sink)
{
  auto *self = GST_RECORD_SINK (sink);
  close_file (self);
  gst_clear_buffer (&self->priv->header);
  forget_kept (self);
  set_status (self, GST_RECORD_SINK_STATUS_STOPPED, "");
  return TRUE;
}

static gboolean
gst_record_sink_event (GstBaseSink * sink, GstEvent * event)
{
  auto *self = GST_RECORD_SINK (sink);
  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS)
    close_file (self);
  return GST_BASE_SINK_CLASS (parent_class)->event (sink, event);
}

static void
gst_record_sink_set_property (GObject * object, guint id, const GValue * value,
    GParamSpec * pspec)
{
  auto *self = GST_RECORD_SINK (object);
  std::lock_guard<std::mutex> lk (self->priv->lock);
  switch (id) {
    case PROP_LOCATION:
      self->priv->location = g_value_get_string (value) ? g_value_get_string (value)
          : kDefaultLocation;
      break;
    case PROP_MAX_DURATION:
      self->priv->max_duration = g_value_get_uint64 (value);
      break;
    case PROP_FSYNC_INTERVAL:
      self->priv->fsync_interval = g_value_get_uint64 (value);
      break;
    case PROP_RECORDING:
      self->priv->recording = g_value_get_boolean (value);
      break;
    case PROP_PRE_ROLL:
      self->priv->pre_roll = g_value_get_uint64 (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
gst_record_sink_get_property (GObject * object, guint id, GValue * value,
    GParamSpec * pspec)
{
  auto *self = GST_RECORD_SINK (object);
  std::lock_guard<std::mutex> lk (self->priv->lock);
  switch (id) {
    case PROP_LOCATION:
      g_value_set_string (value, self->priv->location.c_str ());
      break;
    case PROP_MAX_DURATION:
      g_value_set_uint64 (value, self->priv->max_duration);
      break;
    case PROP_FSYNC_INTERVAL:
      g_value_set_uint64 (value, self->priv->fsync_interval);
      break;
    case PROP_CURRENT_FILE:
      g_value_set_string (value, self->priv->current_file.c_str ());
      break;
    case PROP_STATUS:
      g_value_set_enum (value, self->priv->status);
      break;
    case PROP_LAST_ERROR:
      g_value_set_string (value, self->priv->last_error.c_str ());
      break;
    case PROP_RECORDING:
      g_value_set_boolean (value, self->priv->recording);
      break;
    case PROP_PRE_ROLL:
      g_value_set_uint64 (value, self->priv->pre_roll);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
gst_record_sink_finalize (GObject * object)
{
  auto *self = GST_RECORD_SINK (object);
  if (self->priv->fd >= 0)
    close (self->priv->fd);
  gst_clear_buffer (&self->priv->header);
  forget_kept (self);
  delete self->priv;
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_record_sink_class_init (GstRecordSinkClass * klass)
{
  auto *gobject_class = G_OBJECT_CLASS (klass);
  auto *element_class = GST_ELEMENT_CLASS (klass);
  auto *sink_class = GST_BASE_SINK_CLASS (klass);
  gobject_class->set_property = gst_record_sink_set_property;
  gobject_class->get_property = gst_record_sink_get_property;
  gobject_class->finalize = gst_record_sink_finalize;
  sink_class->render = GST_DEBUG_FUNCPTR (gst_record_sink_render);
  sink_class->stop = GST_DEBUG_FUNCPTR (gst_record_sink_stop);
  sink_class->event = GST_DEBUG_FUNCPTR (gst_record_sink_event);

  const auto rw = (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
      | GST_PARAM_MUTABLE_READY);
  const auto ro = (GParamFlags) (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_property (gobject_class, PROP_LOCATION,
      g_param_spec_string ("location", "Location",
          "File path template, strftime() of the file's start time in UTC "
          "(folders are created; an existing file is never replaced)",
          kDefaultLocation, rw));
  g_object_class_install_property (gobject_class, PROP_MAX_DURATION,
      g_param_spec_uint64 ("max-duration", "Maximum duration",
          "A new file starts at the first segment (keyframe) after this "
          "(ns)", GST_SECOND, G_MAXUINT64, kDefaultMaxDuration, rw));
  g_object_class_install_property (gobject_class, PROP_FSYNC_INTERVAL,
      g_param_spec_uint64 ("fsync-interval", "fsync interval",
          "Flush to disk after this much media (ns; 0 = leave it to the "
          "kernel)", 0, G_MAXUINT64, kDefaultFsyncInterval, rw));
  const auto live = (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
      | GST_PARAM_MUTABLE_PLAYING);
  g_object_class_install_property (gobject_class, PROP_RECORDING,
      g_param_spec_boolean ("recording", "Recording",
          "Write files. While FALSE the open file is closed and the last "
          "pre-roll of media is kept in memory: it starts the next file",
          TRUE, live));
  g_object_class_install_property (gobject_class, PROP_PRE_ROLL,
      g_param_spec_uint64 ("pre-roll", "Pre-roll",
          "While not recording, keep at least this much media (ns, from a "
          "keyframe; 64 MiB at most) to start the next file with",
          0, kMaxPreRoll, 0, live));
  g_object_class_install_property (gobject_class, PROP_CURRENT_FILE,
      g_param_spec_string ("current-file", "Current file",
          "The file being written (\"\" when none)", "", ro));
  g_object_class_install_property (gobject_class, PROP_STATUS,
      g_param_spec_enum ("status", "Status", "Whether files are being "
          "written", GST_TYPE_RECORD_SINK_STATUS,
          GST_RECORD_SINK_STATUS_STOPPED, ro));
  g_object_class_install_property (gobject_class, PROP_LAST_ERROR,
      g_param_spec_string ("last-error", "Last error",
          "Why recording last paused (\"\" if it never did)", "", ro));
  gst_type_mark_as_plugin_api (GST_TYPE_RECORD_SINK_STATUS,
      (GstPluginAPIFlags) 0);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_set_static_metadata (element_class,
      "Recording sink", "Sink/File",
      "Writes cmafchunkmux's output as time-named fragmented MP4 files",
      "camgate <https://github.com/camgate>");
}

static void
gst_record_sink_init (GstRecordSink * self)
{
  self->priv = new GstRecordSinkPrivate ();
  // Files are written as data comes: no clock sync, no preroll wait.
  gst_base_sink_set_sync (GST_BASE_SINK (self), FALSE);
  gst_base_sink_set_async_enabled (GST_BASE_SINK (self), FALSE);
}
