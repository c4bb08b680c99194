#include "transcode/rendition_ladder.h"

#include "media/departure_stamp.h"

#include "media_codec.h"
#include "service/stream_log.h"

#include <gst/app/gstappsink.h>
#include <gst/video/video.h>

#include <chrono>
#include <deque>
#include <mutex>

namespace camgate::transcode {

struct RenditionState
{
  RenditionSpec spec;
  std::shared_ptr<RtpFanout> fanout = std::make_shared<RtpFanout> ();
  std::shared_ptr<ReaderCount> readers = std::make_shared<ReaderCount> ();
  std::shared_ptr<MountTarget> target;
  std::shared_ptr<std::atomic<GstClockTime>> last_keyframe;

  // Main context: the running branch, the tee pad feeding it, and what it
  // encodes (the automatic rendition's size and bitrate come from the
  // camera's picture).
  GstElement *branch = nullptr;
  RenditionSpec encoding;
  std::shared_ptr<void> slot;      // an automatic one's, while it runs
  bool told_waiting = false;       // that it waits for a slot
  GstPad *tee_pad = nullptr;
  bool failed = false;             // its branch could not be built

  std::atomic<uint64_t> frames { 0 };
  // When the running branch started, and `frames` then (main context).
  int64_t branch_started_us = 0;
  uint64_t frames_at_start = 0;
  std::atomic<uint64_t> bytes { 0 };
  // How long frames take from the encoder's input to the payloaded output:
  // when each frame kept went in (by running time: encoders may shift the
  // PTS, e.g. 1000 hours ahead for room for negative DTS), bounded, and the
  // recent average.
  std::mutex timing_lock;
  std::deque<std::pair<GstClockTime, int64_t>> entered;
  std::atomic<int64_t> encode_latency_us { 0 };

  void note_entered (GstClockTime running_time)
  {
    std::lock_guard<std::mutex> lk (timing_lock);
    if (entered.size () >= 64)
      entered.pop_front ();
    entered.emplace_back (running_time, g_get_monotonic_time ());
  }

  void reset_timing ()
  {
    std::lock_guard<std::mutex> lk (timing_lock);
    entered.clear ();
    encode_latency_us = 0;
  }

  // Running average over ~8 frames.
  void note_encoded (GstClockTime running_time)
  {
    std::lock_guard<std::mutex> lk (timing_lock);
    while (!entered.empty () && entered.front ().first < running_time)
      entered.pop_front ();
    if (entered.empty () || entered.front ().first != running_time)
      return;
    const int64_t took = g_get_monotonic_time () - entered.front ().second;
    entered.pop_front ();
    const int64_t before = encode_latency_us;
    encode_latency_us = before ? before + (took - before) / 8 : took;
  }

  // Streaming threads: the fanout session of the running branch.
  std::mutex lock;
  bool session_open = false;
  std::vector<GstCaps *> audio_caps;   // the source's, by audio track
  // Branch thread only: the source keyframe forced last, and when the next
  // frame is due under the rendition's frame-rate cap.
  GstClockTime last_forced = GST_CLOCK_TIME_NONE;
  GstClockTime next_due = GST_CLOCK_TIME_NONE;

  ~RenditionState ()
  {
    for (auto *caps : audio_caps)
      gst_caps_unref (caps);
  }

  void end_session ()
  {
    std::lock_guard<std::mutex> lk (lock);
    if (session_open)
      fanout->end_session ();
    session_open = false;
  }
};

namespace {

// The automatic renditions every stream with WebRTC has run only while
// someone watches, but any viewer can start one: at most so many (one per
// processor unless configured) encode at once in the gateway, whatever the
// number of streams.
std::atomic<unsigned> automatic_running { 0 };
std::atomic<unsigned> automatic_limit { 0 };     // 0: one per processor

struct AutomaticSlot
{
  ~AutomaticSlot () { automatic_running--; }
};

std::shared_ptr<void>
take_automatic_slot ()
{
  const unsigned limit = automatic_limit ? automatic_limit.load ()
      : MAX (2u, g_get_num_processors ());
  if (automatic_running.fetch_add (1) >= limit) {
    automatic_running--;
    return nullptr;
  }
  return std::make_shared<AutomaticSlot> ();
}

// Audio sinks of the ladder's pipeline hand their packets to every running
// rendition as track 1 + their index.
struct AudioTag
{
  std::vector<std::shared_ptr<RenditionState>> *renditions;
  unsigned index;
};

// Each packet carries its frame's clock time (the running time of its PTS
// plus the ladder's `base_time`), which outputs that line up with the
// camera's time by (FanoutOutput::timed_by_clock).
void
push_each (GstSample * sample, RenditionState & rendition, unsigned track,
    GstClockTime base_time)
{
  const GstSegment *segment = gst_sample_get_segment (sample);
  auto push = [&](GstBuffer * buffer) {
    buffer = gst_buffer_ref (buffer);
    if (GST_CLOCK_TIME_IS_VALID (base_time) && segment
        && GST_BUFFER_PTS_IS_VALID (buffer)) {
      const GstClockTime running = gst_segment_to_running_time (segment,
          GST_FORMAT_TIME, GST_BUFFER_PTS (buffer));
      if (GST_CLOCK_TIME_IS_VALID (running)) {
        buffer = gst_buffer_make_writable (buffer);
        set_frame_clock_time (buffer, base_time + running);
      }
    }
    rendition.fanout->push (track, buffer);
  };
  if (GstBufferList *list = gst_sample_get_buffer_list (sample)) {
    for (guint i = 0; i < gst_buffer_list_length (list); i++)
      push (gst_buffer_list_get (list, i));
  } else if (GstBuffer *buffer = gst_sample_get_buffer (sample)) {
    push (buffer);
  }
}

GstFlowReturn
on_audio_sample (GstAppSink * sink, gpointer user_data)
{
  auto *tag = static_cast<AudioTag *> (user_data);
  GstSample *sample = gst_app_sink_pull_sample (sink);
  if (!sample)
    return GST_FLOW_FLUSHING;
  for (auto & rendition : *tag->renditions) {
    std::lock_guard<std::mutex> lk (rendition->lock);
    if (rendition->session_open)
      push_each (sample, *rendition, 1 + tag->index,
          gst_element_get_base_time (GST_ELEMENT (sink)));
  }
  gst_sample_unref (sample);
  return GST_FLOW_OK;
}

// The first packets of a branch open its rendition's session: the encoded
// video's caps and the source's audio make the rendition's layout.
GstFlowReturn
on_video_sample (GstAppSink * sink, gpointer user_data)
{
  auto *rendition = static_cast<RenditionState *> (user_data);
  GstSample *sample = gst_app_sink_pull_sample (sink);
  if (!sample)
    return GST_FLOW_FLUSHING;
  {
    std::lock_guard<std::mutex> lk (rendition->lock);
    if (!rendition->session_open) {
      rendition->fanout->begin_session ();
      rendition->fanout->set_track_caps (0, gst_sample_get_caps (sample));
      for (size_t i = 0; i < rendition->audio_caps.size (); i++)
        rendition->fanout->set_track_caps (1 + i, rendition->audio_caps[i]);
      rendition->fanout->end_track_setup ();
      rendition->session_open = true;
    }
  }
  GstBufferList *list = gst_sample_get_buffer_list (sample);
  GstBuffer *buffer = gst_sample_get_buffer (sample);
  rendition->bytes += list ? gst_buffer_list_calculate_size (list)
      : buffer ? gst_buffer_get_size (buffer) : 0;
  rendition->frames++;
  GstBuffer *first = list && gst_buffer_list_length (list) > 0
      ? gst_buffer_list_get (list, 0) : buffer;
  const GstSegment *segment = gst_sample_get_segment (sample);
  if (first && GST_BUFFER_PTS_IS_VALID (first) && segment)
    rendition->note_encoded (gst_segment_to_running_time (segment,
            GST_FORMAT_TIME, GST_BUFFER_PTS (first)));
  push_each (sample, *rendition, 0, gst_element_get_base_time (GST_ELEMENT
          (sink)));
  gst_sample_unref (sample);
  return GST_FLOW_OK;
}

// Before the encoder: the first frame at or after the camera's latest
// keyframe is made a keyframe too, and is always kept; other frames are
// dropped to keep under the rendition's frame rate (on an ideal timeline,
// so 25 fps capped to 10 keeps 10 a second).
GstPadProbeReturn
pace_and_force_keyframes (GstPad * pad, GstPadProbeInfo * info,
    gpointer user_data)
{
  auto *rendition = static_cast<RenditionState *> (user_data);
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  if (!GST_BUFFER_PTS_IS_VALID (buffer))
    return GST_PAD_PROBE_OK;
  const GstClockTime pts = GST_BUFFER_PTS (buffer);
  const GstClockTime keyframe = rendition->last_keyframe->load ();
  const bool key = GST_CLOCK_TIME_IS_VALID (keyframe)
      && keyframe != rendition->last_forced && pts >= keyframe;
  if (rendition->spec.fps) {
    const GstClockTime interval = GST_SECOND / rendition->spec.fps;
    GstClockTime & due = rendition->next_due;
    const bool on_time = !GST_CLOCK_TIME_IS_VALID (due) || pts >= due;
    if (!on_time && !key)
      return GST_PAD_PROBE_DROP;
    if (on_time)
      due = (!GST_CLOCK_TIME_IS_VALID (due) || pts >= due + interval)
          ? pts + interval : due + interval;
  }
  if (key) {
    rendition->last_forced = keyframe;
    gst_pad_send_event (pad, gst_video_event_new_downstream_force_key_unit
        (pts, GST_CLOCK_TIME_NONE, GST_CLOCK_TIME_NONE, TRUE, 0));
  }
  if (GstEvent *event = gst_pad_get_sticky_event (pad, GST_EVENT_SEGMENT, 0)) {
    const GstSegment *segment = nullptr;
    gst_event_parse_segment (event, &segment);
    rendition->note_entered (gst_segment_to_running_time (segment,
            GST_FORMAT_TIME, pts));
    gst_event_unref (event);
  }
  return GST_PAD_PROBE_OK;
}

GstPadProbeReturn
note_source_keyframe (GstPad *, GstPadProbeInfo * info, gpointer user_data)
{
  auto *last = static_cast<std::atomic<GstClockTime> *> (user_data);
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  if (!GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT)
      && GST_BUFFER_PTS_IS_VALID (buffer))
    last->store (GST_BUFFER_PTS (buffer));
  return GST_PAD_PROBE_OK;
}

// What a rendition is encoded as for the decoded picture on `decoded`: its
// width keeps the picture's shape at its height, even (H.264 halves the
// colour resolution); the automatic one keeps the camera's height, at a
// bitrate for its size (~0.1 bit per pixel at 30 fps, as cameras send
// H.264). False while the decoder has not said its size.
bool
encoding_for (GstPad * decoded, RenditionSpec & spec, int & width)
{
  GstCaps *caps = gst_pad_get_current_caps (decoded);
  if (!caps)
    return false;
  GstVideoInfo info;
  const bool known = gst_video_info_from_caps (&info, caps)
      && info.width > 0 && info.height > 0;
  gst_caps_unref (caps);
  if (!known)
    return false;
  if (spec.automatic) {
    spec.height = MAX (2, info.height / 2 * 2);
    spec.bitrate = CLAMP ((uint64_t) info.width * info.height * 3, 300000,
        8000000);
  }
  const double shape = (double) info.width * info.par_n
      / ((double) info.height * MAX (info.par_d, 1));
  width = MAX (2, (int) (spec.height * shape / 2 + 0.5) * 2);
  return true;
}

std::string
branch_description (const RenditionSpec & spec, int width,
    const std::string & encoder)
{
  // The frame-rate cap drops frames in a probe before the encoder (which
  // keeps the camera's keyframe frames, as videorate would not); the caps
  // only tell the encoder the rate its bitrate is spread over. 4:2:0, which
  // browser-safe profiles need, whatever the camera's chroma: the
  // capssetter hides the encoder's formats from the converter, which then
  // kept a camera's 4:4:4, and x264enc refused its own profile choice.
  const std::string rate = spec.fps ? "capssetter caps=video/x-raw,framerate="
      + std::to_string (spec.fps) + "/1 ! " : "";
  return "queue max-size-buffers=3 max-size-bytes=0 max-size-time=0 "
      "leaky=downstream ! videoscale ! videoconvert ! "
      "video/x-raw,format=(string){ I420, NV12 },width=" + std::to_string
      (width) + ",height=" + std::to_string (spec.height)
      + ",pixel-aspect-ratio=1/1 ! " + rate
      + encoder + " name=encoder ! "
      "video/x-h264,profile=(string){ main, constrained-baseline, baseline } "
      "! h264parse config-interval=-1 ! rtph264pay pt=96 "
      "mtu=1400 aggregate-mode=zero-latency ! appsink name=out sync=false "
      "buffer-list=true";
}

}  // namespace

RenditionLadder::RenditionLadder (std::string stream,
    std::shared_ptr<RtpFanout> fanout, TranscodeSpec spec)
    : FanoutOutput (stream, "transcode", std::move (fanout)),
      spec_ (std::move (spec)), last_keyframe_ (std::make_shared<std::atomic<GstClockTime>>
          (GST_CLOCK_TIME_NONE))
{
  // Configured renditions show their encoder from the start; a stream with
  // only the automatic one (most) chooses when it is first watched.
  for (const auto & r : spec_.renditions)
    if (!r.automatic)
      start_encoder_choice ();
  for (const auto & r : spec_.renditions) {
    auto state = std::make_shared<RenditionState> ();
    state->spec = r;
    state->last_keyframe = last_keyframe_;
    auto target = std::make_shared<MountTarget> ();
    target->name = stream + "/" + r.name;
    target->fanout = state->fanout;
    target->readers = state->readers;
    // The first reader waits for the encoder's first frame.
    target->start_wait_ms = 10000;
    state->target = target;
    renditions_.push_back (state);
  }
}

RenditionLadder::~RenditionLadder ()
{
  stop ();
}

void
RenditionLadder::limit_automatic (unsigned running)
{
  automatic_limit = running;
}

void
RenditionLadder::start_encoder_choice ()
{
  if (encoder_.valid ())
    return;
  encoder_ = std::async (std::launch::async, [stream = stream_,
          setting = spec_.encoder] {
        EncoderChoice choice = choose_encoder (setting);
        if (choice.element.empty ())
          log_stream (G_LOG_LEVEL_WARNING, stream, "no H.264 encoder works "
              "here, renditions stay off: %s", choice.reason.c_str ());
        else
          log_stream (G_LOG_LEVEL_MESSAGE, stream, "renditions encoded with "
              "%s: %s", choice.element.c_str (), choice.reason.c_str ());
        return choice;
      }).share ();
}

const EncoderChoice *
RenditionLadder::chosen_encoder () const
{
  if (!encoder_.valid ()
      || encoder_.wait_for (std::chrono::seconds (0)) != std::future_status::ready)
    return nullptr;
  return &encoder_.get ();
}

EncoderChoice
RenditionLadder::encoder () const
{
  const EncoderChoice *chosen = chosen_encoder ();
  if (chosen)
    return *chosen;
  return EncoderChoice { "", false, encoder_.valid () ? "being chosen"
        : "chosen when a rendition is first watched" };
}

std::vector<std::shared_ptr<MountTarget>>
RenditionLadder::rendition_targets () const
{
  std::vector<std::shared_ptr<MountTarget>> targets;
  for (const auto & r : renditions_)
    targets.push_back (r->target);
  return targets;
}

std::vector<std::shared_ptr<MountTarget>>
RenditionLadder::mount_targets () const
{
  // Not the automatic one: RTSP players take the camera's H.265 as it is,
  // and a DESCRIBE waiting for a rendition holds one of the RTSP server's
  // shared threads; that must stay the operator's choice.
  std::vector<std::shared_ptr<MountTarget>> targets;
  for (const auto & r : renditions_)
    if (!r->spec.automatic)
      targets.push_back (r->target);
  return targets;
}

bool
RenditionLadder::wanted (const RenditionState & rendition) const
{
  return (!spec_.on_demand && !rendition.spec.automatic)
      || rendition.readers->wanted (kLingerUs);
}

void
RenditionLadder::update (const OutputTick & tick)
{
  const EncoderChoice *encoder = chosen_encoder ();
  bool any = false;
  for (const auto & r : renditions_)
    any = any || wanted (*r);
  if (any)
    start_encoder_choice ();
  if (!any || !encoder || encoder->element.empty () || !decoder_chosen ()) {
    if (running ()) {
      log_stream (G_LOG_LEVEL_MESSAGE, stream_, "no rendition has readers, "
          "decoder stopped");
      stop ();
    }
    return;
  }
  FanoutOutput::update (tick);
  if (!tee_)
    return;
  // One branch starts per tick: two linked to the tee at once have stalled
  // the decoding pipeline under heavy load (see below).
  bool started = false;
  for (auto & r : renditions_) {
    const bool want = wanted (*r);
    if (want && !r->branch && !r->failed && !started) {
      start_branch (*r, encoder->element);
      started = r->branch != nullptr;
      r->branch_started_us = tick.now_us;
      r->frames_at_start = r->frames;
    } else if (!want && r->branch) {
      stop_branch (*r);
    }
  }
  // A branch starts from frames already decoded, so one that has encoded
  // nothing for this long never will: its readers would wait for good (seen
  // under heavy load, cause not found). The decoding
  // pipeline is built again on the next tick, with the branches wanted.
  for (const auto & r : renditions_) {
    if (r->branch && r->frames == r->frames_at_start
        && tick.now_us - r->branch_started_us > kStalledBranchUs) {
      log_stream (G_LOG_LEVEL_WARNING, stream_, "rendition %s encoded nothing "
          "in %lld s: decoding again", r->spec.name.c_str (),
          (long long) (kStalledBranchUs / G_USEC_PER_SEC));
      stop ();
      return;
    }
  }
}

void
RenditionLadder::start_branch (RenditionState & rendition,
    const std::string & encoder_element)
{
  GstPad *decoded = gst_element_get_static_pad (tee_, "sink");
  RenditionSpec encoding = rendition.spec;
  int width = 0;
  const bool known = encoding_for (decoded, encoding, width);
  gst_object_unref (decoded);
  if (!known)
    return;                        // once the first frame is decoded
  if (encoding.automatic && !(rendition.slot = take_automatic_slot ())) {
    if (!rendition.told_waiting)
      log_stream (G_LOG_LEVEL_MESSAGE, stream_, "rendition %s waits: as many "
          "automatic renditions as processors run already",
          encoding.name.c_str ());
    rendition.told_waiting = true;
    return;                        // tried again next tick
  }
  rendition.told_waiting = false;
  rendition.encoding = encoding;
  GError *error = nullptr;
  GstElement *branch = gst_parse_bin_from_description (branch_description
      (encoding, width, encoder_element).c_str (), TRUE, &error);
  if (!branch) {
    log_stream (G_LOG_LEVEL_WARNING, stream_, "rendition %s: %s",
        rendition.spec.name.c_str (), error ? error->message : "no branch");
    g_clear_error (&error);
    rendition.failed = true;       // until the pipeline is built again
    rendition.slot.reset ();
    return;
  }
  if (GstElement *encoder = gst_bin_get_by_name (GST_BIN (branch),
          "encoder")) {
    configure_encoder (encoder, encoding.bitrate);
    GstPad *pad = gst_element_get_static_pad (encoder, "sink");
    rendition.last_forced = GST_CLOCK_TIME_NONE;
    rendition.next_due = GST_CLOCK_TIME_NONE;
    rendition.reset_timing ();
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER,
        pace_and_force_keyframes, &rendition, nullptr);
    gst_object_unref (pad);
    gst_object_unref (encoder);
  }
  if (GstElement *out = gst_bin_get_by_name (GST_BIN (branch), "out")) {
    GstAppSinkCallbacks callbacks = {};
    callbacks.new_sample = on_video_sample;
    gst_app_sink_set_callbacks (GST_APP_SINK (out), &callbacks, &rendition,
        nullptr);
    gst_object_unref (out);
  }
  // Playing before it is linked: a branch still flushing would answer the
  // tee's first frame with FLUSHING, and the tee, with no other branch,
  // would stop the whole decoding pipeline with it.
  gst_bin_add (GST_BIN (decoding_), branch);
  gst_element_sync_state_with_parent (branch);
  rendition.tee_pad = gst_element_request_pad_simple (tee_, "src_%u");
  GstPad *sink = gst_element_get_static_pad (branch, "sink");
  gst_pad_link (rendition.tee_pad, sink);
  gst_object_unref (sink);
  rendition.branch = branch;
  log_stream (G_LOG_LEVEL_MESSAGE, stream_, "rendition %s started (%s)",
      rendition.spec.name.c_str (), encoder_element.c_str ());
}

void
RenditionLadder::stop_branch (RenditionState & rendition)
{
  GstPad *sink = gst_element_get_static_pad (rendition.branch, "sink");
  gst_pad_unlink (rendition.tee_pad, sink);
  gst_object_unref (sink);
  gst_element_release_request_pad (tee_, rendition.tee_pad);
  gst_clear_object (&rendition.tee_pad);
  gst_element_set_state (rendition.branch, GST_STATE_NULL);
  gst_bin_remove (GST_BIN (decoding_), rendition.branch);
  rendition.branch = nullptr;
  rendition.slot.reset ();
  rendition.end_session ();
  log_stream (G_LOG_LEVEL_MESSAGE, stream_, "no reader of rendition %s for "
      "%lld s, stopped", rendition.spec.name.c_str (),
      (long long) (kLingerUs / G_USEC_PER_SEC));
}

// The source's video codec in its current layout (null: none decodable yet).
static const MediaCodec *
decodable_video (const RtpFanout::Layout & layout)
{
  for (auto *caps : layout.caps) {
    const MediaCodec *codec = codec_for_caps (gst_caps_get_structure (caps, 0));
    if (codec && codec->video && codec->decoder)
      return codec;
  }
  return nullptr;
}

DecoderChoice
RenditionLadder::decoder () const
{
  if (running () || !decoder_choice_.valid ())
    return decoder_;
  if (decoder_choice_.wait_for (std::chrono::seconds (0))
      != std::future_status::ready)
    return DecoderChoice { "", false, "being chosen" };
  return decoder_choice_.get ();
}

bool
RenditionLadder::decoder_chosen ()
{
  auto layout = fanout ()->layout ();
  if (!layout)
    return true;                   // nothing to decode yet: update() waits
  const MediaCodec *codec = decodable_video (*layout);
  layout->release ();
  if (!codec)
    return true;                   // describe() says why
  if (decoder_media_ != codec->media_type || !decoder_choice_.valid ()) {
    decoder_media_ = codec->media_type;
    decoder_choice_ = std::async (std::launch::async, [codec] {
          return choose_decoder (codec->media_type, codec->decoder);
        }).share ();
  }
  return decoder_choice_.wait_for (std::chrono::seconds (0))
      == std::future_status::ready;
}

bool
RenditionLadder::describe (const RtpFanout::Layout & layout,
    std::string & description, std::string & error)
{
  const MediaCodec *video = nullptr;
  std::vector<GstCaps *> audio;
  for (size_t i = 0; i < layout.caps.size (); i++) {
    const MediaCodec *codec = codec_for_caps (gst_caps_get_structure
        (layout.caps[i], 0));
    if (codec && codec->video && !video && codec->decoder) {
      video = codec;
      // Chosen by decoder_chosen() before the pipeline is built.
      decoder_ = decoder_media_ == codec->media_type && decoder_choice_.valid ()
          ? decoder_choice_.get () : DecoderChoice { codec->decoder, false,
            "software" };
      description += " " + track_source (i) + " ! " + depayload_chain (*codec)
          + " ! identity name=keyframes silent=true ! " + decoder_.element
          + " ! tee name=raw allow-not-linked=true";
    } else if (codec && !codec->video) {
      description += " " + track_source (i) + " ! appsink name=audio"
          + std::to_string (audio.size ()) + " sync=false buffer-list=true";
      audio.push_back (RtpFanout::clean_caps (layout.caps[i]));
    }
  }
  if (!video) {
    error = "the source has no video track that can be decoded";
    for (auto *caps : audio)
      gst_caps_unref (caps);
    return false;
  }
  for (auto & r : renditions_) {
    std::lock_guard<std::mutex> lk (r->lock);
    for (auto *caps : r->audio_caps)
      gst_caps_unref (caps);
    r->audio_caps.clear ();
    for (auto *caps : audio)
      r->audio_caps.push_back (gst_caps_ref (caps));
  }
  for (auto *caps : audio)
    gst_caps_unref (caps);
  return true;
}

void
RenditionLadder::started (GstElement * pipeline)
{
  decoding_ = pipeline;
  tee_ = gst_bin_get_by_name (GST_BIN (pipeline), "raw");
  last_keyframe_->store (GST_CLOCK_TIME_NONE);
  if (GstElement *keyframes = gst_bin_get_by_name (GST_BIN (pipeline),
          "keyframes")) {
    GstPad *pad = gst_element_get_static_pad (keyframes, "src");
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, note_source_keyframe,
        last_keyframe_.get (), nullptr);
    gst_object_unref (pad);
    gst_object_unref (keyframes);
  }
  for (unsigned i = 0;; i++) {
    GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline),
        ("audio" + std::to_string (i)).c_str ());
    if (!sink)
      break;
    GstAppSinkCallbacks callbacks = {};
    callbacks.new_sample = on_audio_sample;
    gst_app_sink_set_callbacks (GST_APP_SINK (sink), &callbacks,
        new AudioTag { &renditions_, i },
        [](gpointer tag) { delete static_cast<AudioTag *> (tag); });
    gst_object_unref (sink);
  }
  log_stream (G_LOG_LEVEL_MESSAGE, stream_, "decoding for renditions");
}

void
RenditionLadder::stopped ()
{
  for (auto & r : renditions_) {
    r->branch = nullptr;           // went with the pipeline
    r->slot.reset ();
    r->failed = false;
    gst_clear_object (&r->tee_pad);
    r->end_session ();
  }
  gst_clear_object (&tee_);
  decoding_ = nullptr;
}

std::vector<RenditionView>
RenditionLadder::renditions () const
{
  std::vector<RenditionView> views;
  for (const auto & r : renditions_)
    views.push_back ({ r->branch ? r->encoding : r->spec, r->branch != nullptr,
          r->readers->count (), r->frames.load (), r->bytes.load (),
          r->branch ? r->encode_latency_us.load () : 0 });
  return views;
}

}  // namespace camgate::transcode
