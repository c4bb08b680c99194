#include "http/ptz_routes.h"

#include "config/text_helpers.h"
#include "http/http_server.h"
#include "http/json_text.h"
#include "http/parked_message.h"
#include "stream/stream_manager.h"

#include <json-glib/json-glib.h>

#include <algorithm>
#include <cmath>
#include <memory>

namespace camgate {

namespace {

// The camera's session and the call itself: a few SOAP round trips, each
// bounded by PtzControl.
constexpr guint kAnswerDeadlineMs = 30000;
constexpr size_t kMaxPresetLength = 64;

bool
read_speed (JsonObject * move, const char *axis,
    std::optional<double> & out, std::string & error)
{
  JsonNode *node = json_object_get_member (move, axis);
  if (!node)
    return true;
  const GType type = JSON_NODE_HOLDS_VALUE (node)
      ? json_node_get_value_type (node) : G_TYPE_INVALID;
  if (type != G_TYPE_DOUBLE && type != G_TYPE_INT64) {
    error = std::string ("move.") + axis + " must be a number from -1 to 1";
    return false;
  }
  const double value = json_node_get_double (node);
  if (!std::isfinite (value) || value < -1 || value > 1) {
    error = std::string ("move.") + axis + " must be from -1 to 1";
    return false;
  }
  out = value;
  return true;
}

bool
read_move (JsonObject * body, PtzRequest & request, std::string & error)
{
  JsonNode *node = json_object_get_member (body, "move");
  if (!JSON_NODE_HOLDS_OBJECT (node)) {
    error = "move must be an object such as {\"pan\": 0.5}";
    return false;
  }
  JsonObject *move = json_node_get_object (node);
  auto & v = request.velocity;
  GList *axes = json_object_get_members (move);
  for (GList *a = axes; a && error.empty (); a = a->next) {
    const std::string axis = static_cast<const char *> (a->data);
    if (axis != "pan" && axis != "tilt" && axis != "zoom")
      error = "unknown member 'move." + axis + "' (pan, tilt, zoom)";
  }
  g_list_free (axes);
  if (!error.empty ())
    return false;
  if (!read_speed (move, "pan", v.pan, error)
      || !read_speed (move, "tilt", v.tilt, error)
      || !read_speed (move, "zoom", v.zoom, error))
    return false;
  if (!v.pan && !v.tilt && !v.zoom) {
    error = "move needs pan, tilt or zoom";
    return false;
  }
  request.kind = PtzRequest::Kind::Move;
  JsonNode *timeout = json_object_get_member (body, "timeout");
  if (!timeout)
    return true;
  const auto ms = parse_duration_ms (json_string_member (body, "timeout"));
  if (!ms || *ms < PtzControl::kMinTimeoutMs
      || *ms > PtzControl::kMaxTimeoutMs) {
    error = "timeout must be a duration from 100ms to 10s, such as \"500ms\"";
    return false;
  }
  request.timeout_ms = *ms;
  return true;
}

bool
read_preset (JsonObject * body, const char *key, std::string & out,
    std::string & error)
{
  out = json_string_member (body, key);
  if (out.empty () || out.size () > kMaxPresetLength
      || control_character (out)) {
    error = std::string (key) + " must be a preset "
        + (std::string (key) == "set-preset" ? "name" : "token")
        + " of 1 to 64 characters";
    return false;
  }
  return true;
}

void
answer (SoupServerMessage * message, const PtzAnswer & result,
    PtzRequest::Kind kind)
{
  if (result.status != SOUP_STATUS_OK)
    return send_error (message, result.status, result.error);
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  if (kind == PtzRequest::Kind::Presets) {
    json_builder_set_member_name (b, "presets");
    json_builder_begin_array (b);
    for (const auto & p : result.presets) {
      json_builder_begin_object (b);
      json_member (b, "token", p.token);
      json_member (b, "name", p.name);
      json_builder_end_object (b);
    }
    json_builder_end_array (b);
  } else if (kind == PtzRequest::Kind::SetPreset) {
    json_member (b, "preset", result.preset_token);
  } else {
    json_builder_set_member_name (b, "done");
    json_builder_add_boolean_value (b, TRUE);
  }
  json_builder_end_object (b);
  send_json (message, SOUP_STATUS_OK, finish_json (b));
}

}  // namespace

bool
parse_ptz_command (const std::string & text, PtzRequest & request,
    std::string & error)
{
  JsonParser *parser = json_parser_new ();
  bool ok = json_parser_load_from_data (parser, text.c_str (), text.size (),
      nullptr) && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser));
  if (!ok) {
    g_object_unref (parser);
    error = "the body must be a JSON object";
    return false;
  }
  JsonObject *body = json_node_get_object (json_parser_get_root (parser));
  const char *commands[] = { "move", "stop", "goto-preset", "set-preset" };
  std::string given;
  for (const char *c : commands)
    if (json_object_has_member (body, c))
      given += given.empty () ? c : std::string (", ") + c;
  GList *members = json_object_get_members (body);
  for (GList *m = members; m && ok; m = m->next) {
    const std::string key = static_cast<const char *> (m->data);
    if (key != "timeout" && std::none_of (std::begin (commands),
            std::end (commands), [&](const char *c) { return key == c; })) {
      error = "unknown member '" + key + "' (move, timeout, stop, "
          "goto-preset, set-preset)";
      ok = false;
    }
  }
  g_list_free (members);
  if (ok && (given.empty () || given.find (',') != std::string::npos)) {
    error = given.empty () ? "say move, stop, goto-preset or set-preset"
        : "one command at a time, not " + given;
    ok = false;
  }
  if (ok && given == "move")
    ok = read_move (body, request, error);
  else if (ok && given == "stop") {
    JsonNode *stop = json_object_get_member (body, "stop");
    ok = JSON_NODE_HOLDS_VALUE (stop) && json_node_get_value_type (stop)
        == G_TYPE_BOOLEAN && json_node_get_boolean (stop);
    if (!ok)
      error = "stop must be true";
    request.kind = PtzRequest::Kind::Stop;
  } else if (ok) {
    const bool go = given == "goto-preset";
    ok = read_preset (body, given.c_str (), request.preset, error);
    request.kind = go ? PtzRequest::Kind::GotoPreset
        : PtzRequest::Kind::SetPreset;
  }
  if (ok && given != "move" && json_object_has_member (body, "timeout")) {
    error = "timeout goes with move only";
    ok = false;
  }
  g_object_unref (parser);
  return ok;
}

void
PtzRoutes::command (SoupServerMessage * message, const std::string & stream)
{
  PtzRequest request;
  std::string error;
  if (!parse_ptz_command (request_body (message), request, error))
    return send_error (message, SOUP_STATUS_BAD_REQUEST, error);
  send (message, stream, std::move (request));
}

void
PtzRoutes::presets (SoupServerMessage * message, const std::string & stream)
{
  send (message, stream, PtzRequest { PtzRequest::Kind::Presets });
}

void
PtzRoutes::send (SoupServerMessage * message, const std::string & stream,
    PtzRequest request)
{
  auto found = streams_.find (stream);
  if (!found)
    return send_error (message, SOUP_STATUS_NOT_FOUND, "no stream named '"
        + stream + "'");
  const std::string & source = found->spec ().source.uri;
  if (source.rfind ("onvif://", 0) != 0)
    return send_error (message, SOUP_STATUS_CONFLICT, "stream '" + stream
        + "' has no PTZ: its source is not an ONVIF camera (onvif://)");
  // The client may leave before the camera answers: then nothing is sent.
  struct Waiting
  {
    std::unique_ptr<ParkedMessage> parked;
    bool gone = false;
  };
  auto waiting = std::make_shared<Waiting> ();
  waiting->parked = std::make_unique<ParkedMessage> (message,
      [weak = std::weak_ptr<Waiting> (waiting)]() {
        if (auto w = weak.lock ())
          w->gone = true;
      }, kAnswerDeadlineMs);
  const auto kind = request.kind;
  control_.run (stream, source, std::move (request),
      [waiting, kind](PtzAnswer result) {
        if (waiting->gone)
          return;
        answer (waiting->parked->message (), result, kind);
        waiting->parked->resume ();
      });
}

}  // namespace camgate
