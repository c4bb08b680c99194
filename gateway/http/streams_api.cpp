#include "http/streams_api.h"

#include "auth/access_control.h"
#include "http/json_text.h"

#include "outputs/push_output.h"
#include "recording/recording_output.h"
#include "stream/stream_manager.h"
#include "transcode/rendition_ladder.h"
#include "utc_time.h"

#include <cmath>
#include <json-glib/json-glib.h>

namespace camgate {

namespace {

void
member (JsonBuilder * b, const char *name, const std::string & value)
{
  json_member (b, name, value);
}

void
member (JsonBuilder * b, const char *name, gint64 value)
{
  json_int_member (b, name, value);
}

void
member (JsonBuilder * b, const char *name, double value)
{
  json_number_member (b, name, value);
}

void
string_array (JsonBuilder * b, const char *name,
    const std::vector<std::string> & values)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (const auto & v : values)
    json_builder_add_string_value (b, v.c_str ());
  json_builder_end_array (b);
}

void
add_health (JsonBuilder * b, const StreamHealthSummary & health)
{
  json_builder_set_member_name (b, "health");
  json_builder_begin_object (b);
  member (b, "state", health.state);
  string_array (b, "reasons", health.reasons);
  json_builder_set_member_name (b, "tracks");
  json_builder_begin_array (b);
  for (const auto & t : health.tracks) {
    json_builder_begin_object (b);
    member (b, "media", t.media);
    member (b, "codec", t.encoding);
    member (b, "state", t.state);
    string_array (b, "reasons", t.reasons);
    member (b, "bitrate", (gint64) t.bitrate);
    member (b, "fps", t.fps);
    member (b, "gop_frames", (gint64) t.gop_frames);
    member (b, "gop_seconds", t.gop_seconds);
    member (b, "packets_lost", (gint64) t.packets_lost);
    member (b, "stalls", (gint64) t.stalls);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  json_builder_end_object (b);
}

// The camera's own stream first ("source"), then each transcoded rendition
// with its encoder and why it was picked.
void
add_renditions (JsonBuilder * b, const transcode::RenditionLadder & ladder)
{
  const auto encoder = ladder.encoder ();
  const auto decoder = ladder.decoder ();
  json_builder_set_member_name (b, "renditions");
  json_builder_begin_array (b);
  for (const auto & r : ladder.renditions ()) {
    json_builder_begin_object (b);
    member (b, "name", r.spec.name);
    member (b, "height", (gint64) r.spec.height);
    member (b, "bitrate", (gint64) r.spec.bitrate);
    member (b, "fps", (gint64) r.spec.fps);
    json_builder_set_member_name (b, "automatic");
    json_builder_add_boolean_value (b, r.spec.automatic);
    member (b, "encoder", encoder.element);
    json_builder_set_member_name (b, "encoder_hardware");
    json_builder_add_boolean_value (b, encoder.hardware);
    member (b, "encoder_reason", encoder.reason);
    member (b, "decoder", decoder.element);
    member (b, "decoder_reason", decoder.reason);
    json_builder_set_member_name (b, "running");
    json_builder_add_boolean_value (b, r.running);
    member (b, "viewers", (gint64) r.readers);
    member (b, "frames", (gint64) r.frames);
    member (b, "bytes_out", (gint64) r.bytes);
    json_builder_set_member_name (b, "encode_latency_ms");
    json_builder_add_double_value (b, std::round (r.encode_latency_us / 100.0)
        / 10);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
}

void
add_stream (JsonBuilder * b, const Stream & stream,
    const std::string & permissions = {})
{
  const StreamSpec & spec = stream.spec ();
  const auto counters = stream.fanout ()->counters ();
  json_builder_begin_object (b);
  member (b, "name", spec.name);
  member (b, "file", spec.file);
  if (!permissions.empty ())
    member (b, "permissions", permissions);

  json_builder_set_member_name (b, "source");
  json_builder_begin_object (b);
  member (b, "kind", std::string (to_string (spec.source.kind)));
  if (spec.source.kind == SourceKind::Rtsp
      || spec.source.kind == SourceKind::Srt)
    member (b, "uri", redact_uri (spec.source.uri));
  if (spec.source.kind == SourceKind::Rtsp)
    member (b, "transport", std::string (to_string (spec.source.transport)));
  if (spec.source.on_demand) {
    json_builder_set_member_name (b, "on_demand");
    json_builder_add_boolean_value (b, TRUE);
  }
  // In a cluster, pulled from the node that owns the camera.
  const std::string upstream = stream.upstream ();
  if (!upstream.empty ())
    member (b, "upstream", redact_uri (upstream));
  json_builder_end_object (b);

  if (auto publisher = stream.publish_slot ()->publisher ()) {
    // The publisher feeding a publish stream; its bitrate is the tracks'
    // under health.
    json_builder_set_member_name (b, "publisher");
    json_builder_begin_object (b);
    member (b, "protocol", publisher->protocol);
    if (!publisher->address.empty ())
      member (b, "address", publisher->address);
    member (b, "since", format_utc_time (publisher->since_unix_us, 0));
    uint64_t bitrate = 0;
    for (const auto & track : stream.health ().tracks)
      bitrate += track.bitrate;
    member (b, "bitrate", (gint64) bitrate);
    json_builder_end_object (b);
  }

  member (b, "state", std::string (to_string (stream.state ())));
  member (b, "last_error", redact_uri (stream.last_error ()));
  member (b, "reconnects", (gint64) stream.restarts ());
  member (b, "uptime_seconds", stream.uptime_seconds ());
  add_health (b, stream.health ());

  json_builder_set_member_name (b, "viewers");
  json_builder_begin_object (b);
  for (ReaderKind kind : kReaderKinds)
    member (b, to_string (kind), (gint64) stream.readers (kind)->count ());
  json_builder_end_object (b);

  json_builder_set_member_name (b, "outputs");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "rtsp");
  json_builder_add_boolean_value (b, spec.outputs.rtsp);
  json_builder_set_member_name (b, "hls");
  json_builder_add_boolean_value (b, spec.outputs.hls.enabled);
  json_builder_set_member_name (b, "webrtc");
  json_builder_add_boolean_value (b, spec.outputs.webrtc.enabled);
  json_builder_end_object (b);

  if (auto rec = stream.output<RecordingOutput> ()) {
    json_builder_set_member_name (b, "recording");
    json_builder_begin_object (b);
    member (b, "status", rec->status ());
    member (b, "file", rec->current_file ());
    member (b, "folder", rec->root ());
    json_builder_end_object (b);
  }

  if (auto ladder = stream.output<transcode::RenditionLadder> ())
    add_renditions (b, *ladder);

  auto pushes = stream.outputs_where<PushOutput> ([](const PushOutput &) {
        return true; });
  if (!pushes.empty ()) {
    // Each push target, its URL without the stream key or secrets.
    json_builder_set_member_name (b, "push");
    json_builder_begin_array (b);
    for (const auto & push : pushes) {
      const auto status = push->status ();
      json_builder_begin_object (b);
      member (b, "url", status.url);
      member (b, "state", status.state);
      member (b, "bytes", (gint64) status.bytes);
      member (b, "last_error", status.last_error);
      json_builder_end_object (b);
    }
    json_builder_end_array (b);
  }

  member (b, "bytes_in", (gint64) counters.bytes_in);
  member (b, "bytes_out", (gint64) counters.bytes_out);
  member (b, "packets_in", (gint64) counters.packets_in);
  member (b, "timestamp_repairs", (gint64) counters.timestamp_repairs);
  json_builder_end_object (b);
}

}  // namespace

std::string
render_stream_list (const StreamManager & streams,
    const std::function<unsigned (const std::string &)> & permissions)
{
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "streams");
  json_builder_begin_array (b);
  for (const auto & stream : streams.streams ()) {
    unsigned allowed = permissions (stream->spec ().name);
    if (allowed & (kPermRead | kPermApi))
      add_stream (b, *stream, permission_names (allowed));
  }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return finish_json (b);
}

bool
render_stream (const StreamManager & streams, const std::string & name,
    std::string & json)
{
  auto stream = streams.find (name);
  if (!stream)
    return false;
  JsonBuilder *b = json_builder_new ();
  add_stream (b, *stream);
  json = finish_json (b);
  return true;
}

}  // namespace camgate
