#include "hls/hls_output.h"

#include "gstcmafsink.h"

#include <gst/app/gstappsrc.h>

namespace camgate {

namespace {

// Depayload (and where needed transcode) chain for one RTP track, ending in
// what cmafsink takes; empty when the codec cannot go into CMAF.
std::string
chain_for (const GstStructure * s, bool & video)
{
  std::string encoding = gst_structure_get_string (s, "encoding-name")
      ? gst_structure_get_string (s, "encoding-name") : "";
  video = false;
  if (encoding == "H264") {
    video = true;
    return "rtph264depay ! h264parse config-interval=-1 "
        "! video/x-h264,stream-format=avc,alignment=au";
  }
  if (encoding == "H265") {
    video = true;
    return "rtph265depay ! h265parse config-interval=-1 "
        "! video/x-h265,stream-format=hvc1,alignment=au";
  }
  if (encoding == "MPEG4-GENERIC")
    return "rtpmp4gdepay ! aacparse ! audio/mpeg,stream-format=raw";
  if (encoding == "MP4A-LATM")
    return "rtpmp4adepay ! aacparse ! audio/mpeg,stream-format=raw";
  if (encoding == "OPUS")
    return "rtpopusdepay ! opusparse";
  // G.711 cannot go into CMAF for browsers: AAC, for this output only.
  const char *aac = " ! audioconvert ! audioresample ! voaacenc bitrate=64000 "
      "! aacparse ! audio/mpeg,stream-format=raw";
  if (encoding == "PCMA")
    return std::string ("rtppcmadepay ! alawdec") + aac;
  if (encoding == "PCMU")
    return std::string ("rtppcmudepay ! mulawdec") + aac;
  return "";
}

// The fanout hands a video frame over as one buffer list stamped on its
// first packet: give every packet the frame's time for the depayloader.
GstPadProbeReturn
stamp_list (GstPad *, GstPadProbeInfo * info, gpointer)
{
  if (!(info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST))
    return GST_PAD_PROBE_OK;
  GstBufferList *list = GST_PAD_PROBE_INFO_BUFFER_LIST (info);
  if (gst_buffer_list_length (list) < 2)
    return GST_PAD_PROBE_OK;
  GstClockTime pts = GST_BUFFER_PTS (gst_buffer_list_get (list, 0));
  list = gst_buffer_list_make_writable (list);
  for (guint i = 1; i < gst_buffer_list_length (list); i++) {
    GstBuffer *buffer = gst_buffer_list_get_writable (list, i);
    GST_BUFFER_PTS (buffer) = pts;
    GST_BUFFER_DTS (buffer) = pts;
  }
  GST_PAD_PROBE_INFO_DATA (info) = list;
  return GST_PAD_PROBE_OK;
}

}  // namespace

HlsOutput::HlsOutput (std::string stream, HlsSpec spec,
    std::shared_ptr<RtpFanout> fanout)
    : stream_ (std::move (stream)), spec_ (spec), fanout_ (std::move (fanout))
{
}

HlsOutput::~HlsOutput ()
{
  stop ();
}

std::shared_ptr<hls::SegmentStore>
HlsOutput::store () const
{
  std::lock_guard<std::mutex> lk (lock_);
  return store_;
}

std::string
HlsOutput::last_error () const
{
  std::lock_guard<std::mutex> lk (lock_);
  return last_error_;
}

void
HlsOutput::stop ()
{
  if (bus_watch_) {
    g_source_remove (bus_watch_);
    bus_watch_ = 0;
  }
  if (output_id_) {
    fanout_->detach (output_id_);
    output_id_ = 0;
  }
  if (pipeline_) {
    gst_element_set_state (pipeline_, GST_STATE_NULL);
    gst_clear_object (&pipeline_);
  }
}

void
HlsOutput::update ()
{
  auto layout = fanout_->layout ();
  if (!layout)
    return;
  // Running, or failed, for this layout already: nothing to do until it
  // changes.
  if ((pipeline_ || failed_) && layout->generation == generation_) {
    layout->release ();
    return;
  }
  stop ();
  generation_ = layout->generation;
  std::string error;
  failed_ = !build (*layout, error);
  layout->release ();
  if (failed_) {
    g_warning ("stream %s: HLS output: %s", stream_.c_str (), error.c_str ());
    std::lock_guard<std::mutex> lk (lock_);
    last_error_ = error;
    stop ();
  }
}

bool
HlsOutput::build (const RtpFanout::Layout & layout, std::string & error)
{
  std::string description = "cmafsink name=sink part-duration="
      + std::to_string ((guint64) spec_.part_ms * GST_MSECOND)
      + " segment-duration=" + std::to_string ((guint64) spec_.segment_ms
      * GST_MSECOND) + " window=" + std::to_string (spec_.window);
  bool have_video = false, have_audio = false;
  std::vector<int> track_index;
  for (size_t i = 0; i < layout.caps.size (); i++) {
    bool video = false;
    std::string chain = chain_for (gst_caps_get_structure (layout.caps[i], 0),
        video);
    // One video and one audio track: the rest is not packaged.
    if (chain.empty () || (video && have_video) || (!video && have_audio)) {
      track_index.push_back (-1);
      continue;
    }
    (video ? have_video : have_audio) = true;
    description += " appsrc name=src" + std::to_string (i) + " is-live=true "
        "format=time do-timestamp=true max-bytes=4194304 block=false "
        "leaky-type=downstream ! rtpjitterbuffer latency=0 mode=none ! "
        + chain + " ! sink." + (video ? "video" : "audio");
    track_index.push_back (static_cast<int> (i));
  }
  if (!have_video && !have_audio) {
    error = "no track can be packaged in CMAF";
    return false;
  }

  GError *gerror = nullptr;
  pipeline_ = gst_parse_launch_full (description.c_str (), nullptr,
      GST_PARSE_FLAG_FATAL_ERRORS, &gerror);
  if (!pipeline_) {
    error = gerror ? gerror->message : "cannot build the packaging pipeline";
    g_clear_error (&gerror);
    return false;
  }
  gst_object_ref_sink (pipeline_);
  g_object_set (pipeline_, "name", ("hls-" + stream_).c_str (), nullptr);

  // Every track gets an appsrc; tracks not packaged get one that drops.
  std::vector<GstAppSrc *> srcs;
  std::vector<GstElement *> owned;
  for (size_t i = 0; i < layout.caps.size (); i++) {
    GstElement *src = nullptr;
    if (track_index[i] >= 0) {
      src = gst_bin_get_by_name (GST_BIN (pipeline_),
          ("src" + std::to_string (i)).c_str ());
      g_object_set (src, "caps", layout.caps[i], nullptr);
      GstPad *pad = gst_element_get_static_pad (src, "src");
      gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER_LIST, stamp_list,
          nullptr, nullptr);
      gst_object_unref (pad);
    } else {
      // Never started: pushes into it are refused and dropped.
      src = GST_ELEMENT (gst_object_ref_sink (gst_element_factory_make (
                  "appsrc", nullptr)));
    }
    owned.push_back (src);
    srcs.push_back (GST_APP_SRC (src));
  }
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline_), "sink");
  {
    std::lock_guard<std::mutex> lk (lock_);
    store_ = gst_cmaf_sink_get_store (GST_CMAF_SINK (sink));
    last_error_.clear ();
  }
  gst_object_unref (sink);

  GstBus *bus = gst_element_get_bus (pipeline_);
  bus_watch_ = gst_bus_add_watch (bus, on_bus, this);
  gst_object_unref (bus);
  if (gst_element_set_state (pipeline_, GST_STATE_PLAYING)
      == GST_STATE_CHANGE_FAILURE) {
    error = "the packaging pipeline cannot start";
  } else {
    output_id_ = fanout_->attach (generation_, srcs);
    if (!output_id_)
      error = "the source changed while the output was built";
  }
  for (auto *e : owned)
    gst_object_unref (e);
  if (error.empty ())
    g_message ("stream %s: HLS/DASH output started", stream_.c_str ());
  return error.empty ();
}

gboolean
HlsOutput::on_bus (GstBus *, GstMessage * message, gpointer data)
{
  auto *self = static_cast<HlsOutput *> (data);
  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR) {
    GError *error = nullptr;
    gst_message_parse_error (message, &error, nullptr);
    g_warning ("stream %s: HLS output failed: %s", self->stream_.c_str (),
        error ? error->message : "unknown error");
    {
      std::lock_guard<std::mutex> lk (self->lock_);
      self->last_error_ = error ? error->message : "unknown error";
    }
    g_clear_error (&error);
    // Rebuilt on the next update(), as for a layout change.
    self->bus_watch_ = 0;
    self->failed_ = false;
    self->generation_ = 0;
    if (self->output_id_) {
      self->fanout_->detach (self->output_id_);
      self->output_id_ = 0;
    }
    gst_element_set_state (self->pipeline_, GST_STATE_NULL);
    gst_clear_object (&self->pipeline_);
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

}  // namespace camgate
