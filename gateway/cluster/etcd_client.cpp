#include "cluster/etcd_client.h"

#include "http/json_text.h"

#include <json-glib/json-glib.h>

#include <memory>

namespace camgate {

namespace {

// What etcd may answer at most: a reply (every stream definition of the
// cluster, 64 KiB each at most, fits many times) and one streamed watch
// answer (a batch of changes). Past them the answer is cut off, not kept.
constexpr gsize kMaxReplyBytes = 64 * 1024 * 1024;
constexpr gsize kMaxWatchAnswerBytes = 8 * 1024 * 1024;

std::string
mebibytes (gsize bytes)
{
  return std::to_string (bytes >> 20) + " MiB";
}

// Reads `stream` to its end into `body`, up to `limit` bytes.
bool
read_body (GInputStream * stream, gsize limit, std::string & body,
    std::string & error)
{
  char buffer[64 * 1024];
  for (;;) {
    GError *gerror = nullptr;
    const gssize got = g_input_stream_read (stream, buffer, sizeof buffer,
        nullptr, &gerror);
    if (got < 0) {
      error = gerror->message;
      g_clear_error (&gerror);
      return false;
    }
    if (got == 0)
      return true;
    if (body.size () + got > limit) {
      error = "a reply larger than " + mebibytes (limit);
      return false;
    }
    body.append (buffer, got);
  }
}

std::string
base64 (const std::string & bytes)
{
  g_autofree gchar *text = g_base64_encode (reinterpret_cast<const guchar *>
      (bytes.data ()), bytes.size ());
  return text;
}

std::string
unbase64 (const char *text)
{
  if (!text)
    return "";
  gsize size = 0;
  g_autofree guchar *bytes = g_base64_decode (text, &size);
  return std::string (reinterpret_cast<const char *> (bytes), size);
}

// The key just past every key starting with `prefix` (etcd's range_end).
std::string
prefix_end (std::string prefix)
{
  while (!prefix.empty ()) {
    if (static_cast<unsigned char> (prefix.back ()) < 0xff) {
      prefix.back () = static_cast<char> (prefix.back () + 1);
      return prefix;
    }
    prefix.pop_back ();
  }
  return std::string (1, '\0');
}

struct ParsedReply
{
  JsonParser *parser = json_parser_new ();
  ~ParsedReply () { g_object_unref (parser); }
  JsonObject *object () const
  {
    JsonNode *root = json_parser_get_root (parser);
    return root && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root)
        : nullptr;
  }
};

// Whether etcd answered (`text`) with a JSON document, now in `reply`.
bool
parsed (const std::optional<std::string> & text, ParsedReply & reply)
{
  return text && json_parser_load_from_data (reply.parser, text->c_str (), -1,
      nullptr);
}

// An int64 member, which etcd writes as a string ("TTL": "5").
int64_t
int_member (JsonObject * object, const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : nullptr;
  if (!node || !JSON_NODE_HOLDS_VALUE (node))
    return 0;
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    return g_ascii_strtoll (json_node_get_string (node), nullptr, 10);
  return json_node_get_int (node);
}

JsonObject *
object_member (JsonObject * object, const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : nullptr;
  return node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node)
      : nullptr;
}

bool
bool_member (JsonObject * object, const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : nullptr;
  return node && JSON_NODE_HOLDS_VALUE (node)
      && json_node_get_value_type (node) == G_TYPE_BOOLEAN
      && json_node_get_boolean (node);
}

std::string
put_request (const std::string & key, const std::string & value,
    int64_t lease)
{
  return "{\"request_put\":{\"key\":\"" + base64 (key) + "\",\"value\":\""
      + base64 (value) + "\",\"lease\":\"" + std::to_string (lease) + "\"}}";
}

}  // namespace

EtcdClient::EtcdClient (const ClusterConfig & cluster, unsigned timeout_s)
    : endpoints_ (cluster.etcd), user_ (cluster.etcd_user),
      password_ (cluster.etcd_password),
      session_ (soup_session_new_with_options ("timeout", timeout_s,
              "idle-timeout", 60, nullptr))
{
  GError *error = nullptr;
  if (!cluster.etcd_ca.empty ()) {
    GTlsDatabase *ca = g_tls_file_database_new (cluster.etcd_ca.c_str (),
        &error);
    if (ca) {
      soup_session_set_tls_database (session_, ca);
      g_object_unref (ca);
    } else {
      setup_error_ = "cluster.etcd-tls.ca: " + std::string (error->message);
      g_clear_error (&error);
    }
  }
  if (!cluster.etcd_certificate.empty ()) {
    certificate_ = g_tls_certificate_new_from_files (
        cluster.etcd_certificate.c_str (), cluster.etcd_key.c_str (), &error);
    if (!certificate_) {
      setup_error_ = "cluster.etcd-tls: " + std::string (error->message);
      g_clear_error (&error);
    }
  }
}

EtcdClient::~EtcdClient ()
{
  if (certificate_)
    g_object_unref (certificate_);
  g_object_unref (session_);
}

SoupMessage *
EtcdClient::message_to (const char *path, const std::string & body) const
{
  const std::string url = endpoints_[current_] + "/v3/" + path;
  SoupMessage *message = soup_message_new ("POST", url.c_str ());
  if (!message)
    return nullptr;
  GBytes *request = g_bytes_new (body.data (), body.size ());
  soup_message_set_request_body_from_bytes (message, "application/json",
      request);
  g_bytes_unref (request);
  if (!token_.empty ())
    soup_message_headers_replace (soup_message_get_request_headers (message),
        "Authorization", token_.c_str ());
  if (certificate_)
    soup_message_set_tls_client_certificate (message, certificate_);
  return message;
}

std::optional<std::string>
EtcdClient::call (const char *path, const std::string & body,
    std::string & error)
{
  if (!setup_error_.empty ()) {
    error = setup_error_;
    return std::nullopt;
  }
  if (!user_.empty () && token_.empty () && !authenticate (error))
    return std::nullopt;
  bool token_refused = false;
  auto reply = call_once (path, body, error, token_refused);
  // Tokens expire (etcd's simple tokens after 5 minutes idle): log in again.
  if (token_refused && !user_.empty () && authenticate (error))
    reply = call_once (path, body, error, token_refused);
  return reply;
}

bool
EtcdClient::authenticate (std::string & error)
{
  token_.clear ();
  bool ignored = false;
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  json_member (b, "name", user_);
  json_member (b, "password", password_);
  json_builder_end_object (b);
  const std::string body = finish_json (b, false);
  ParsedReply reply;
  if (!parsed (call_once ("auth/authenticate", body, error, ignored), reply))
    return false;
  token_ = json_object_get_string_member_with_default (reply.object (),
      "token", "");
  if (token_.empty ())
    error = "etcd gave no token to user '" + user_ + "'";
  return !token_.empty ();
}

std::optional<std::string>
EtcdClient::call_once (const char *path, const std::string & body,
    std::string & error, bool & token_refused)
{
  token_refused = false;
  for (size_t tried = 0; tried < endpoints_.size (); tried++) {
    SoupMessage *message = message_to (path, body);
    if (!message) {
      error = "not a URL: " + endpoints_[current_];
      current_ = (current_ + 1) % endpoints_.size ();
      continue;
    }
    GError *gerror = nullptr;
    GInputStream *reply = soup_session_send (session_, message, nullptr,
        &gerror);
    std::string text;
    const bool complete = reply && read_body (reply, kMaxReplyBytes, text,
        error);
    const guint status = soup_message_get_status (message);
    if (reply)
      g_object_unref (reply);
    g_object_unref (message);
    if (!complete) {
      error = endpoints_[current_] + "/v3/" + path + ": "
          + (gerror ? gerror->message : error);
      g_clear_error (&gerror);
      current_ = (current_ + 1) % endpoints_.size ();
      continue;
    }
    if (status != 200) {
      // etcd answered: another member would say the same.
      error = endpoints_[current_] + "/v3/" + path + ": HTTP "
          + std::to_string (status) + " " + text.substr (0, 200);
      token_refused = text.find ("invalid auth token") != std::string::npos;
      return std::nullopt;
    }
    return text;
  }
  return std::nullopt;
}

std::optional<int64_t>
EtcdClient::grant (int64_t ttl_s, std::string & error)
{
  ParsedReply reply;
  if (!parsed (call ("lease/grant", "{\"TTL\":\"" + std::to_string (ttl_s)
              + "\"}", error), reply))
    return std::nullopt;
  const int64_t id = int_member (reply.object (), "ID");
  if (id == 0) {
    error = "etcd granted no lease";
    return std::nullopt;
  }
  return id;
}

std::optional<int64_t>
EtcdClient::keep_alive (int64_t lease, std::string & error)
{
  ParsedReply reply;
  if (!parsed (call ("lease/keepalive", "{\"ID\":\"" + std::to_string (lease)
              + "\"}", error), reply))
    return std::nullopt;
  // A lease that expired is answered without a TTL.
  return int_member (object_member (reply.object (), "result"), "TTL");
}

bool
EtcdClient::revoke (int64_t lease, std::string & error)
{
  return call ("lease/revoke", "{\"ID\":\"" + std::to_string (lease) + "\"}",
      error).has_value ();
}

bool
EtcdClient::put_if_free_or_ours (const std::string & key,
    const std::string & value, int64_t lease, std::string & error)
{
  const std::string put = put_request (key, value, lease);
  // Free: never created (or deleted since), or held by this very lease.
  const std::string compares[] = {
    "{\"target\":\"CREATE\",\"key\":\"" + base64 (key)
        + "\",\"create_revision\":\"0\",\"result\":\"EQUAL\"}",
    "{\"target\":\"LEASE\",\"key\":\"" + base64 (key) + "\",\"lease\":\""
        + std::to_string (lease) + "\",\"result\":\"EQUAL\"}",
  };
  for (const auto & compare : compares) {
    ParsedReply reply;
    if (!parsed (call ("kv/txn", "{\"compare\":[" + compare
                + "],\"success\":[" + put + "]}", error), reply))
      return false;
    if (bool_member (reply.object (), "succeeded"))
      return true;
  }
  error.clear ();
  return false;
}

bool
EtcdClient::delete_if_ours (const std::string & key, int64_t lease,
    std::string & error)
{
  auto text = call ("kv/txn", "{\"compare\":[{\"target\":\"LEASE\",\"key\":\""
      + base64 (key) + "\",\"lease\":\"" + std::to_string (lease)
      + "\",\"result\":\"EQUAL\"}],\"success\":[{\"request_delete_range\":"
      "{\"key\":\"" + base64 (key) + "\"}}]}", error);
  ParsedReply reply;
  return parsed (text, reply) && bool_member (reply.object (), "succeeded");
}

std::optional<std::vector<EtcdClient::KeyValue>>
EtcdClient::range_prefix (const std::string & prefix, std::string & error,
    int64_t *revision)
{
  ParsedReply reply;
  if (!parsed (call ("kv/range", "{\"key\":\"" + base64 (prefix)
              + "\",\"range_end\":\"" + base64 (prefix_end (prefix))
              + "\"}", error), reply))
    return std::nullopt;
  if (revision)
    *revision = int_member (object_member (reply.object (), "header"),
        "revision");
  std::vector<KeyValue> out;
  JsonNode *kvs = reply.object () ? json_object_get_member (reply.object (),
      "kvs") : nullptr;
  if (kvs && JSON_NODE_HOLDS_ARRAY (kvs)) {
    JsonArray *array = json_node_get_array (kvs);
    for (guint i = 0; i < json_array_get_length (array); i++) {
      JsonNode *item = json_array_get_element (array, i);
      if (!JSON_NODE_HOLDS_OBJECT (item))
        continue;
      JsonObject *kv = json_node_get_object (item);
      out.push_back ({ unbase64 (json_object_get_string_member_with_default
              (kv, "key", "")), unbase64 (
              json_object_get_string_member_with_default (kv, "value", "")),
          int_member (kv, "lease") });
    }
  }
  return out;
}

bool
EtcdClient::put (const std::string & key, const std::string & value,
    bool only_if_absent, std::string & error, int64_t lease)
{
  if (!only_if_absent)
    return call ("kv/put", "{\"key\":\"" + base64 (key) + "\",\"value\":\""
        + base64 (value) + "\",\"lease\":\"" + std::to_string (lease)
        + "\"}", error).has_value ();
  ParsedReply reply;
  if (!parsed (call ("kv/txn", "{\"compare\":[{\"target\":\"CREATE\","
              "\"key\":\"" + base64 (key) + "\",\"create_revision\":\"0\","
              "\"result\":\"EQUAL\"}],\"success\":[" + put_request (key, value,
                  lease) + "]}", error), reply))
    return false;
  error.clear ();
  return bool_member (reply.object (), "succeeded");
}

bool
EtcdClient::remove (const std::string & key, std::string & error)
{
  return call ("kv/deleterange", "{\"key\":\"" + base64 (key) + "\"}", error)
      .has_value ();
}

namespace {

// The changes one watch answer carries; false when etcd ended the watch
// (cancelled it, or compacted past its revision).
bool
read_watch_answer (const std::string & line, std::vector<EtcdClient::Change> &
    changes, std::string & error)
{
  ParsedReply reply;
  if (!parsed (line, reply)) {
    error = "etcd's watch sent something that is not JSON";
    return false;
  }
  JsonObject *result = object_member (reply.object (), "result");
  if (!result) {
    error = "etcd ended the watch: " + line.substr (0, 200);
    return false;
  }
  if (bool_member (result, "canceled")) {
    error = "etcd cancelled the watch (" + std::string (
        json_object_get_string_member_with_default (result, "cancel_reason",
            "compacted")) + ")";
    return false;
  }
  JsonNode *events = json_object_get_member (result, "events");
  if (!events || !JSON_NODE_HOLDS_ARRAY (events))
    return true;                   // created, or progress
  JsonArray *array = json_node_get_array (events);
  for (guint i = 0; i < json_array_get_length (array); i++) {
    JsonNode *item = json_array_get_element (array, i);
    if (!JSON_NODE_HOLDS_OBJECT (item))
      continue;
    JsonObject *event = json_node_get_object (item);
    JsonObject *kv = object_member (event, "kv");
    EtcdClient::Change change;
    change.deleted = g_strcmp0 (json_object_get_string_member_with_default (
            event, "type", "PUT"), "DELETE") == 0;
    change.key = unbase64 (json_object_get_string_member_with_default (kv,
            "key", ""));
    if (!change.deleted)
      change.value = unbase64 (json_object_get_string_member_with_default (kv,
              "value", ""));
    changes.push_back (std::move (change));
  }
  return true;
}

// Hands each complete line of `pending` to read_watch_answer() and its
// changes to `on_changes`; the incomplete last line stays in `pending`.
bool
take_watch_answers (std::string & pending,
    const EtcdClient::ChangeHandler & on_changes, std::string & error)
{
  size_t start = 0, end;
  bool read = true;
  while (read && (end = pending.find ('\n', start)) != std::string::npos) {
    const std::string line = pending.substr (start, end - start);
    start = end + 1;
    if (line.empty () || line == "\r")
      continue;
    std::vector<EtcdClient::Change> changes;
    read = read_watch_answer (line, changes, error);
    if (read && !changes.empty ())
      on_changes (changes);
  }
  pending.erase (0, start);
  return read;
}

}  // namespace

bool
EtcdClient::watch_prefix (const std::string & prefix, int64_t revision,
    GCancellable * cancel, const ChangeHandler & on_changes,
    std::string & error)
{
  if (!setup_error_.empty ()) {
    error = setup_error_;
    return false;
  }
  if (!user_.empty () && !authenticate (error))
    return false;
  const std::string body = "{\"create_request\":{\"key\":\"" + base64 (prefix)
      + "\",\"range_end\":\"" + base64 (prefix_end (prefix))
      + "\",\"start_revision\":\"" + std::to_string (revision + 1) + "\"}}";
  SoupMessage *message = message_to ("watch", body);
  if (!message) {
    error = "not a URL: " + endpoints_[current_];
    current_ = (current_ + 1) % endpoints_.size ();
    return false;
  }
  GError *gerror = nullptr;
  GInputStream *stream = soup_session_send (session_, message, cancel,
      &gerror);
  if (!stream || soup_message_get_status (message) != 200) {
    error = endpoints_[current_] + "/v3/watch: " + (gerror ? gerror->message
        : "HTTP " + std::to_string (soup_message_get_status (message)));
    g_clear_error (&gerror);
    if (stream)
      g_object_unref (stream);
    g_object_unref (message);
    current_ = (current_ + 1) % endpoints_.size ();
    return false;
  }
  // etcd's gateway streams one JSON answer per line; the line being read is
  // kept up to kMaxWatchAnswerBytes, never further.
  std::string pending;
  char buffer[64 * 1024];
  for (;;) {
    const gssize got = g_input_stream_read (stream, buffer, sizeof buffer,
        cancel, &gerror);
    if (got <= 0) {
      error = gerror ? gerror->message : "etcd ended the watch";
      break;
    }
    pending.append (buffer, got);
    if (!take_watch_answers (pending, on_changes, error))
      break;
    if (pending.size () > kMaxWatchAnswerBytes) {
      error = "etcd's watch sent an answer larger than "
          + mebibytes (kMaxWatchAnswerBytes);
      break;
    }
  }
  g_clear_error (&gerror);
  g_object_unref (stream);
  g_object_unref (message);
  return false;
}

}  // namespace camgate
