/* recordsink: writes cmafchunkmux's output as a series of fragmented MP4
 * files, for recording.
 *
 *   ... ! cmafchunkmux chunk-duration=1000000000 segment-duration=60000000000
 *       ! recordsink location=rec/%Y-%m-%d/%H-%M-%S.mp4
 *
 * Each file is the CMAF header, a `uuid` box with the file's absolute start
 * time, and whole fragments: it plays while being written and, after a
 * crash, up to its last complete fragment. A new file starts at the first
 * segment (keyframe) after `max-duration`; each opened and closed file is
 * a "recordsink-file" element message (event, file, duration). A write
 * error (disk full) closes the file with what it holds and is posted as a
 * RESOURCE/WRITE warning; `status` goes to paused (`last-error` says why)
 * until a segment start can be written again (event "resumed").
 * `recording` FALSE closes the file and keeps the last `pre-roll` of media
 * in memory (from a keyframe); TRUE again starts a file with it: event
 * recording with pre-roll. */
#pragma once

#include <gst/base/gstbasesink.h>

G_BEGIN_DECLS

typedef enum
{
  GST_RECORD_SINK_STATUS_STOPPED,
  GST_RECORD_SINK_STATUS_RECORDING,
  GST_RECORD_SINK_STATUS_PAUSED,
} GstRecordSinkStatus;

#define GST_TYPE_RECORD_SINK_STATUS (gst_record_sink_status_get_type ())
GType gst_record_sink_status_get_type (void);

#define GST_TYPE_RECORD_SINK (gst_record_sink_get_type ())
G_DECLARE_FINAL_TYPE (GstRecordSink, gst_record_sink, GST, RECORD_SINK,
    GstBaseSink);

GST_ELEMENT_REGISTER_DECLARE (recordsink);

// The 16-byte user type of the uuid box holding "start=<RFC 3339 UTC>".
extern const guint8 gst_record_sink_start_uuid[16];

G_END_DECLS
