#include "snapshot/snapshot_output.h"

#include "media/main_context.h"
#include "media_codec.h"

#include <gst/app/gstappsink.h>

namespace camgate {

SnapshotOutput::SnapshotOutput (const std::string & stream,
    std::shared_ptr<RtpFanout> fanout)
    : FanoutOutput (stream, "snapshot", std::move (fanout))
{
}

void
SnapshotOutput::when_next_jpeg (std::function<void ()> callback)
{
  on_next_jpeg_.push_back (std::move (callback));
}

void
SnapshotOutput::run_jpeg_callbacks ()
{
  auto callbacks = std::move (on_next_jpeg_);
  on_next_jpeg_.clear ();
  for (auto & callback : callbacks)
    callback ();
}

SnapshotOutput::~SnapshotOutput ()
{
  *alive_ = false;
  stop ();
  if (jpeg_)
    g_bytes_unref (jpeg_);
}

GBytes *
SnapshotOutput::latest (gint64 & made_us) const
{
  std::lock_guard<std::mutex> lk (lock_);
  made_us = made_us_;
  return jpeg_ ? g_bytes_ref (jpeg_) : nullptr;
}

bool
SnapshotOutput::describe (const RtpFanout::Layout & layout,
    std::string & description, std::string & error)
{
  for (size_t i = 0; i < layout.caps.size (); i++) {
    const GstStructure *s = gst_caps_get_structure (layout.caps[i], 0);
    const MediaCodec *codec = codec_for_caps (s);
    if (!codec || !codec->video)
      continue;
    description = track_source (i) + " ! " + depayload_chain (*codec)
        + " ! queue max-size-buffers=2 leaky=downstream name=keyframes ! "
        + codec->decoder + " max-threads=1 ! videoconvert ! jpegenc quality=85 "
        "! appsink name=jpeg sync=false max-buffers=1 drop=true "
        "emit-signals=true";
    return true;
  }
  error = "no H.264 or H.265 video to take a snapshot of";
  return false;
}

GstPadProbeReturn
SnapshotOutput::drop_delta_frames (GstPad *, GstPadProbeInfo * info, gpointer)
{
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  return GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT)
      ? GST_PAD_PROBE_DROP : GST_PAD_PROBE_OK;
}

void
SnapshotOutput::started (GstElement * pipeline)
{
  GstElement *queue = gst_bin_get_by_name (GST_BIN (pipeline), "keyframes");
  GstPad *pad = gst_element_get_static_pad (queue, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, drop_delta_frames,
      nullptr, nullptr);
  gst_object_unref (pad);
  gst_object_unref (queue);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "jpeg");
  g_signal_connect (sink, "new-sample", G_CALLBACK (on_sample), this);
  gst_object_unref (sink);
}

GstFlowReturn
SnapshotOutput::on_sample (GstElement * sink, gpointer data)
{
  auto *self = static_cast<SnapshotOutput *> (data);
  GstSample *sample = gst_app_sink_pull_sample (GST_APP_SINK (sink));
  if (!sample)
    return GST_FLOW_OK;
  GstBuffer *buffer = gst_sample_get_buffer (sample);
  GstMapInfo map;
  if (buffer && gst_buffer_map (buffer, &map, GST_MAP_READ)) {
    GBytes *bytes = g_bytes_new (map.data, map.size);
    gst_buffer_unmap (buffer, &map);
    std::lock_guard<std::mutex> lk (self->lock_);
    if (self->jpeg_)
      g_bytes_unref (self->jpeg_);
    self->jpeg_ = bytes;
    self->made_us_ = g_get_monotonic_time ();
  }
  gst_sample_unref (sample);
  // Waiting requests are answered on the main context.
  invoke_on_main ([alive = self->alive_, self]() {
        if (*alive)
          self->run_jpeg_callbacks ();
      });
  return GST_FLOW_OK;
}

}  // namespace camgate
