#include "cluster/cluster_node.h"

#include "http/json_text.h"
#include "utc_time.h"

#include <algorithm>

namespace camgate {

namespace {

std::string
node_key (const std::string & node)
{
  return std::string (ClusterNode::kPrefix) + "nodes/" + node;
}

std::string
owners_prefix ()
{
  return std::string (ClusterNode::kPrefix) + "owners/";
}

// A member's record as another node wrote it (untrusted JSON: fields that
// are missing or not strings are empty).
ClusterNode::Member
parse_member (const std::string & key, const std::string & value)
{
  ClusterNode::Member member;
  member.node = key.substr (key.rfind ('/') + 1);
  JsonParser *parser = json_parser_new ();
  if (json_parser_load_from_data (parser, value.c_str (), value.size (),
          nullptr)) {
    JsonNode *root = json_parser_get_root (parser);
    if (root && JSON_NODE_HOLDS_OBJECT (root)) {
      JsonObject *object = json_node_get_object (root);
      member.rtsp = json_string_member (object, "rtsp");
      member.http = json_string_member (object, "http");
      member.since = json_string_member (object, "since");
    }
  }
  g_object_unref (parser);
  return member;
}

}  // namespace

ClusterNode::ClusterNode (ClusterConfig config)
    : config_ (std::move (config)),
      since_ (format_utc_time (g_get_real_time (), 0)),
      // A call never outlasts the lease it serves.
      etcd_ (config_.etcd, std::max<unsigned> (1, config_.lease_ms / 1000))
{
}

std::unique_ptr<ClusterNode>
ClusterNode::join (const GatewayConfig & gateway, int rtsp_port, int http_port,
    std::string & error)
{
  ClusterConfig c = gateway.cluster;
  if (c.node.empty ())
    c.node = g_get_host_name ();
  if (!is_valid_stream_name (c.node)) {
    error = "the host name '" + c.node + "' cannot name a cluster node: set "
        "cluster.node";
    return nullptr;
  }
  const std::string & bind = gateway.bind_address;
  const std::string reach = bind == "0.0.0.0" || bind == "::"
      ? std::string (g_get_host_name ()) : bind.find (':') != std::string::npos
      ? "[" + bind + "]" : bind;
  if (c.advertise_rtsp.empty ())
    c.advertise_rtsp = "rtsp://" + reach + ":" + std::to_string (rtsp_port);
  if (c.advertise_http.empty ())
    c.advertise_http = "http://" + reach + ":" + std::to_string (http_port);
  return std::make_unique<ClusterNode> (std::move (c));
}

ClusterNode::~ClusterNode ()
{
  stop ();
}

void
ClusterNode::start ()
{
  // main() registers GTask before any thread of ours (see there).
  if (!thread_.joinable ())
    thread_ = std::thread ([this]() { run (); });
}

void
ClusterNode::stop ()
{
  if (!thread_.joinable ())
    return;
  {
    std::lock_guard<std::mutex> lk (lock_);
    stopping_ = true;
  }
  wake_.notify_all ();
  thread_.join ();
}

ClusterNode::View
ClusterNode::view () const
{
  std::lock_guard<std::mutex> lk (lock_);
  return view_;
}

void
ClusterNode::set_candidates (std::vector<std::string> streams)
{
  std::lock_guard<std::mutex> lk (lock_);
  streams_ = std::move (streams);
}

const ClusterNode::Member *
ClusterNode::other_owner_locked (const std::string & stream) const
{
  auto owner = view_.owners.find (stream);
  if (owner == view_.owners.end () || owner->second == config_.node)
    return nullptr;
  for (const auto & member : view_.members)
    if (member.node == owner->second)
      return &member;
  return nullptr;
}

std::string
ClusterNode::redirect_to (const std::string & stream,
    std::string Member::*address) const
{
  std::lock_guard<std::mutex> lk (lock_);
  const Member *owner = config_.redirect ? other_owner_locked (stream)
      : nullptr;
  return owner ? owner->*address : "";
}

std::string
ClusterNode::redirect_rtsp (const std::string & stream) const
{
  return redirect_to (stream, &Member::rtsp);
}

std::string
ClusterNode::redirect_http (const std::string & stream) const
{
  return redirect_to (stream, &Member::http);
}

std::string
ClusterNode::upstream (const std::string & stream) const
{
  std::string base;
  {
    std::lock_guard<std::mutex> lk (lock_);
    const Member *owner = config_.redirect ? nullptr
        : other_owner_locked (stream);
    if (!owner)
      return "";
    base = owner->rtsp;
  }
  const size_t authority = base.find ("://");
  if (authority == std::string::npos)
    return "";
  std::string userinfo;
  if (!config_.credential_user.empty ()) {
    g_autofree gchar *user = g_uri_escape_string (
        config_.credential_user.c_str (), nullptr, FALSE);
    g_autofree gchar *password = g_uri_escape_string (
        config_.credential_password.c_str (), nullptr, FALSE);
    userinfo = std::string (user) + ":" + password + "@";
  }
  return base.substr (0, authority + 3) + userinfo
      + base.substr (authority + 3) + "/" + stream;
}

bool
ClusterNode::owns (const std::string & stream) const
{
  std::lock_guard<std::mutex> lk (lock_);
  return owned_.count (stream) > 0;
}

bool
ClusterNode::claim_streams (bool registered,
    std::map<std::string, std::string> & owners, std::string & error)
{
  const std::string prefix = owners_prefix ();
  auto read = etcd_.range_prefix (prefix, error);
  if (!read)
    return false;
  std::set<std::string> mine;
  // Streams owned per live node; keys of dead leases are gone already.
  std::map<std::string, size_t> load;
  {
    std::lock_guard<std::mutex> lk (lock_);
    for (const auto & member : view_.members)
      load[member.node] = 0;
  }
  load[config_.node];
  for (const auto & kv : *read) {
    const std::string stream = kv.key.substr (prefix.size ());
    owners[stream] = kv.value;
    if (load.count (kv.value))
      load[kv.value]++;
    // Ours only under this lease (not a key left by an earlier run).
    if (registered && kv.value == config_.node && kv.lease == lease_)
      mine.insert (stream);
  }
  std::vector<std::string> wanted;
  {
    std::lock_guard<std::mutex> lk (lock_);
    wanted = streams_;
  }
  // A stream that left this node's folder is given up for others.
  for (auto it = mine.begin (); it != mine.end ();) {
    std::string drop_error;
    if (std::find (wanted.begin (), wanted.end (), *it) == wanted.end ()
        && etcd_.delete_if_ours (prefix + *it, lease_, drop_error)) {
      owners.erase (*it);
      it = mine.erase (it);
    } else {
      ++it;
    }
  }
  for (const auto & stream : wanted) {
    if (!registered || owners.count (stream))
      continue;
    size_t least = load[config_.node];
    for (const auto & [node, count] : load)
      least = std::min (least, count);
    if (load[config_.node] > least)
      continue;                    // a less loaded node takes it
    std::string claim_error;
    if (etcd_.put_if_free_or_ours (prefix + stream, config_.node, lease_,
            claim_error)) {
      owners[stream] = config_.node;
      mine.insert (stream);
      load[config_.node]++;
      g_message ("cluster: node %s owns stream %s", config_.node.c_str (),
          stream.c_str ());
    }
  }
  std::lock_guard<std::mutex> lk (lock_);
  for (const auto & stream : owned_)
    if (!mine.count (stream))
      g_message ("cluster: node %s no longer owns stream %s",
          config_.node.c_str (), stream.c_str ());
  owned_ = std::move (mine);
  return true;
}

std::string
ClusterNode::record () const
{
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  json_member (b, "rtsp", config_.advertise_rtsp);
  json_member (b, "http", config_.advertise_http);
  json_member (b, "since", since_);
  json_builder_end_object (b);
  return finish_json (b, false);
}

void
ClusterNode::round ()
{
  std::string error;
  const int64_t ttl_s = std::max<int64_t> (1, (config_.lease_ms + 999) / 1000);
  // Whether etcd answered every call: when it did not, nothing this node
  // owns changes (it cannot know better).
  bool reached = true;
  if (lease_ != 0) {
    auto left = etcd_.keep_alive (lease_, error);
    if (!left) {
      reached = false;
    } else if (*left <= 0) {
      g_warning ("cluster: this node's lease ran out: registering again");
      lease_ = 0;
      key_ours_ = false;
      std::lock_guard<std::mutex> lk (lock_);
      owned_.clear ();
    }
  }
  if (reached && lease_ == 0) {
    if (auto granted = etcd_.grant (ttl_s, error))
      lease_ = *granted;
    else
      reached = false;
  }
  // The key is written once per lease (a name held by another gateway's
  // lease is tried again each round).
  if (reached && !key_ours_) {
    key_ours_ = etcd_.put_if_free_or_ours (node_key (config_.node), record (),
        lease_, error);
    if (!key_ours_ && !error.empty ())
      reached = false;
    else if (!key_ours_)
      error = "another gateway is registered as node '" + config_.node
          + "'";
  }
  const bool registered = reached && key_ours_;
  auto listed = reached ? etcd_.range_prefix (std::string (kPrefix)
      + "nodes/", error) : std::nullopt;
  {
    std::lock_guard<std::mutex> lk (lock_);
    if (listed) {
      view_.members.clear ();
      for (const auto & kv : *listed) {
        view_.members.push_back (parse_member (kv.key, kv.value));
        view_.members.back ().self = registered
            && view_.members.back ().node == config_.node;
      }
    }
  }
  std::map<std::string, std::string> owners;
  const bool read_owners = listed && claim_streams (registered, owners, error);
  std::lock_guard<std::mutex> lk (lock_);
  const bool was = view_.registered;
  const std::string was_error = view_.error;
  view_.registered = registered;
  view_.error = registered ? "" : error;
  if (read_owners) {
    view_.owners = std::move (owners);
    for (auto & member : view_.members)
      member.streams = std::count_if (view_.owners.begin (),
          view_.owners.end (), [&](const auto & o) {
            return o.second == member.node; });
  }
  if (registered && !was)
    g_message ("cluster: node %s registered (%zu node(s), lease %u ms)",
        config_.node.c_str (), view_.members.size (), config_.lease_ms);
  else if (!registered && view_.error != was_error)
    g_warning ("cluster: node %s not registered: %s", config_.node.c_str (),
        view_.error.c_str ());
}

void
ClusterNode::run ()
{
  for (;;) {
    round ();
    std::unique_lock<std::mutex> lk (lock_);
    // Three renewals per lease: one late answer does not lose it.
    wake_.wait_for (lk, std::chrono::milliseconds (config_.lease_ms / 3),
        [this]() { return stopping_; });
    if (stopping_)
      break;
  }
  if (lease_ != 0) {
    std::string error;
    if (!etcd_.revoke (lease_, error))
      g_warning ("cluster: could not leave at once (%s): node %s goes when "
          "its lease ends", error.c_str (), config_.node.c_str ());
  }
}

}  // namespace camgate
