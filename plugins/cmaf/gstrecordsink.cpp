#include "gstrecordsink.h"

#include "gstcmafmeta.h"
#include "isobmff/fragment_reader.h"
#include "utc_time.h"

#include <glib/gstdio.h>

#include <cerrno>
#include <cstring>
#include <map>
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
};

constexpr guint64 kDefaultMaxDuration = 60 * GST_SECOND;
constexpr guint64 kDefaultFsyncInterval = GST_SECOND;
constexpr const char *kDefaultLocation = "recording-%Y%m%dT%H%M%SZ.mp4";
// After a failed write, the next attempt waits this long.
constexpr gint64 kRetryUs = 5 * G_USEC_PER_SEC;

struct _GstRecordSink
{
  GstBaseSink parent;
  GMutex lock;                     // guards the strings read by properties
  std::string *location;
  std::string *current_file;
  std::string *status;
  guint64 max_duration;
  guint64 fsync_interval;

  GstBuffer *header;
  int fd;
  // Per track: the decode time of the file's first fragment, subtracted
  // from every fragment's tfdt so that each file starts at 0.
  std::map<guint32, guint64> *file_base;
  GstClockTime file_duration;
  GstClockTime since_sync;
  gint64 retry_after_us;
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

static void
post (GstRecordSink * self, const char *event, const std::string & file,
    const std::string & reason = {})
{
  GstStructure *s = gst_structure_new ("camgate-recording",
      "event", G_TYPE_STRING, event, "file", G_TYPE_STRING, file.c_str (),
      "duration", G_TYPE_UINT64, (guint64) self->file_duration, nullptr);
  if (!reason.empty ())
    gst_structure_set (s, "reason", G_TYPE_STRING, reason.c_str (), nullptr);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

static void
set_status (GstRecordSink * self, const std::string & status,
    const std::string & file)
{
  g_mutex_lock (&self->lock);
  *self->status = status;
  *self->current_file = file;
  g_mutex_unlock (&self->lock);
}

static void
close_file (GstRecordSink * self)
{
  if (self->fd < 0)
    return;
  fdatasync (self->fd);
  close (self->fd);
  self->fd = -1;
  g_mutex_lock (&self->lock);
  std::string file = *self->current_file;
  g_mutex_unlock (&self->lock);
  GST_INFO_OBJECT (self, "closed %s (%" GST_TIME_FORMAT ")", file.c_str (),
      GST_TIME_ARGS (self->file_duration));
  post (self, "closed", file);
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
  g_mutex_lock (&self->lock);
  std::string tmpl = *self->location;
  g_mutex_unlock (&self->lock);
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
  bool ok = write_buffer (fd, self->header, error)
      && write_all (fd, box, sizeof box, error)
      && write_all (fd, reinterpret_cast<const guint8 *> (payload.data ()),
      payload.size (), error);
  if (!ok) {
    close (fd);
    g_unlink (path.c_str ());
    error = "cannot write " + path + ": " + error;
    return false;
  }
  self->fd = fd;
  self->file_base->clear ();
  self->file_duration = 0;
  self->since_sync = 0;
  set_status (self, "recording", path);
  GST_INFO_OBJECT (self, "opened %s", path.c_str ());
  post (self, "opened", path);
  return true;
}

static void
pause_on_error (GstRecordSink * self, const std::string & error)
{
  GST_WARNING_OBJECT (self, "recording paused: %s", error.c_str ());
  g_mutex_lock (&self->lock);
  std::string file = *self->current_file;
  g_mutex_unlock (&self->lock);
  if (self->fd >= 0) {
    // Keep what was written: it is complete up to its last fragment.
    close (self->fd);
    self->fd = -1;
  }
  set_status (self, "paused: " + error, "");
  post (self, "error", file, error);
  self->retry_after_us = g_get_monotonic_time () + kRetryUs;
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
    gst_buffer_replace (&self->header, buffer);
    return GST_FLOW_OK;
  }
  const bool segment_start = meta->flags & GST_CMAF_CHUNK_SEGMENT_START;
  if (segment_start && self->header
      && (self->fd < 0 || self->file_duration >= self->max_duration)
      && g_get_monotonic_time () >= self->retry_after_us) {
    close_file (self);
    std::string error;
    if (!open_file (self, meta->duration, error)) {
      pause_on_error (self, error);
      return GST_FLOW_OK;
    }
    if (self->retry_after_us) {
      self->retry_after_us = 0;
      post (self, "resumed", *self->current_file);
    }
  }
  if (self->fd < 0)
    return GST_FLOW_OK;            // until a segment (keyframe) starts a file
  std::string error;
  GstMapInfo map;
  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return GST_FLOW_OK;
  // A private copy to rebase: the chunk may be shared with other sinks.
  guint8 *copy = static_cast<guint8 *> (g_memdup2 (map.data, map.size));
  const gsize size = map.size;
  gst_buffer_unmap (buffer, &map);
  rebase_decode_times (copy, size, *self->file_base);
  // Where the last whole fragment ends: a chunk the disk took only part of
  // is cut off again, so the file still ends on a whole fragment.
  const off_t whole = lseek (self->fd, 0, SEEK_CUR);
  const bool written = write_all (self->fd, copy, size, error);
  g_free (copy);
  if (!written) {
    if (whole < 0 || ftruncate (self->fd, whole) != 0)
      GST_WARNING_OBJECT (self, "could not cut a partly written fragment "
          "off: %s", g_strerror (errno));
    pause_on_error (self, error);
    return GST_FLOW_OK;
  }
  self->file_duration += meta->duration;
  self->since_sync += meta->duration;
  if (self->fsync_interval && self->since_sync >= self->fsync_interval) {
    fdatasync (self->fd);
    self->since_sync = 0;
  }
  return GST_FLOW_OK;
}

static gboolean
gst_record_sink_stop (GstBaseSink * sink)
{
  auto *self = GST_RECORD_SINK (sink);
  close_file (self);
  gst_clear_buffer (&self->header);
  set_status (self, "stopped", "");
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
  g_mutex_lock (&self->lock);
  switch (id) {
    case PROP_LOCATION:
      *self->location = g_value_get_string (value) ? g_value_get_string (value)
          : kDefaultLocation;
      break;
    case PROP_MAX_DURATION:
      self->max_duration = g_value_get_uint64 (value);
      break;
    case PROP_FSYNC_INTERVAL:
      self->fsync_interval = g_value_get_uint64 (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
  g_mutex_unlock (&self->lock);
}

static void
gst_record_sink_get_property (GObject * object, guint id, GValue * value,
    GParamSpec * pspec)
{
  auto *self = GST_RECORD_SINK (object);
  g_mutex_lock (&self->lock);
  switch (id) {
    case PROP_LOCATION:
      g_value_set_string (value, self->location->c_str ());
      break;
    case PROP_MAX_DURATION:
      g_value_set_uint64 (value, self->max_duration);
      break;
    case PROP_FSYNC_INTERVAL:
      g_value_set_uint64 (value, self->fsync_interval);
      break;
    case PROP_CURRENT_FILE:
      g_value_set_string (value, self->current_file->c_str ());
      break;
    case PROP_STATUS:
      g_value_set_string (value, self->status->c_str ());
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
  g_mutex_unlock (&self->lock);
}

static void
gst_record_sink_finalize (GObject * object)
{
  auto *self = GST_RECORD_SINK (object);
  if (self->fd >= 0)
    close (self->fd);
  gst_clear_buffer (&self->header);
  delete self->file_base;
  delete self->location;
  delete self->current_file;
  delete self->status;
  g_mutex_clear (&self->lock);
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
  sink_class->render = gst_record_sink_render;
  sink_class->stop = gst_record_sink_stop;
  sink_class->event = gst_record_sink_event;

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
  g_object_class_install_property (gobject_class, PROP_CURRENT_FILE,
      g_param_spec_string ("current-file", "Current file",
          "The file being written (\"\" when none)", "", ro));
  g_object_class_install_property (gobject_class, PROP_STATUS,
      g_param_spec_string ("status", "Status",
          "\"recording\", \"paused: <reason>\" or \"stopped\"", "stopped", ro));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_set_static_metadata (element_class,
      "Recording sink", "Sink/File",
      "Writes cmafchunkmux's output as time-named fragmented MP4 files",
      "camgate <https://github.com/camgate>");
}

static void
gst_record_sink_init (GstRecordSink * self)
{
  g_mutex_init (&self->lock);
  self->location = new std::string (kDefaultLocation);
  self->current_file = new std::string ();
  self->status = new std::string ("stopped");
  self->max_duration = kDefaultMaxDuration;
  self->fsync_interval = kDefaultFsyncInterval;
  self->fd = -1;
  self->file_base = new std::map<guint32, guint64> ();
  // Files are written as data comes: no clock sync, no preroll wait.
  gst_base_sink_set_sync (GST_BASE_SINK (self), FALSE);
  gst_base_sink_set_async_enabled (GST_BASE_SINK (self), FALSE);
}
