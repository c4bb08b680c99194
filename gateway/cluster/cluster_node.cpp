#include "cluster/cluster_node.h"

#include "events/event_bus.h"
#include "http/json_text.h"
#include "utc_time.h"

#include <algorithm>
#include <cmath>

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

std::string
moves_prefix ()
{
  return std::string (ClusterNode::kPrefix) + "moves/";
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
      if (JsonNode *load = json_object_get_member (object, "load");
          load && JSON_NODE_HOLDS_OBJECT (load)) {
        JsonObject *o = json_node_get_object (load);
        member.viewers = std::max<int64_t> (0,
            json_object_get_int_member_with_default (o, "viewers", 0));
        member.cpu = std::max (0.0,
            json_object_get_double_member_with_default (o, "cpu", 0));
      }
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
      etcd_ (config_, std::max<unsigned> (1, config_.lease_ms / 1000)),
      api_etcd_ (config_, 2)
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
ClusterNode::set_candidates (std::vector<std::string> streams, size_t viewers)
{
  std::lock_guard<std::mutex> lk (lock_);
  streams_ = std::move (streams);
  viewers_ = viewers;
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
    // Just handed over: the new owner's, before it is listed as such.
    auto handed = handed_over_.find (stream);
    if (!owner && !config_.redirect && handed != handed_over_.end ()
        && !view_.owners.count (stream))
      for (const auto & member : view_.members)
        if (member.node == handed->second)
          owner = &member;
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
  std::set<std::string> live;
  {
    std::lock_guard<std::mutex> lk (lock_);
    wanted = streams_;
    for (const auto & member : view_.members)
      live.insert (member.node);
  }
  // Moves asked for, to a live node: the owner lets go, only that node
  // claims.
  std::map<std::string, std::string> moves = read_moves ();
  for (auto it = moves.begin (); it != moves.end ();)
    it = live.count (it->second) ? std::next (it) : moves.erase (it);
  std::map<std::string, std::string> handed;
  for (auto it = mine.begin (); it != mine.end ();) {
    auto move = moves.find (*it);
    std::string drop_error;
    if (move != moves.end () && move->second != config_.node
        && etcd_.delete_if_ours (prefix + *it, lease_, drop_error)) {
      g_message ("cluster: node %s hands stream %s to node %s",
          config_.node.c_str (), it->c_str (), move->second.c_str ());
      handed[*it] = move->second;
      owners.erase (*it);
      load[config_.node]--;
      it = mine.erase (it);
    } else {
      ++it;
    }
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
    if (!registered || owners.count (stream) || handed.count (stream))
      continue;
    auto move = moves.find (stream);
    const bool moved_here = move != moves.end ()
        && move->second == config_.node;
    if (move != moves.end () && !moved_here)
      continue;                    // moving to another node
    size_t least = load[config_.node];
    for (const auto & [node, count] : load)
      least = std::min (least, count);
    if (!moved_here && load[config_.node] > least)
      continue;                    // a less loaded node takes it
    std::string claim_error;
    if (etcd_.put_if_free_or_ours (prefix + stream, config_.node, lease_,
            claim_error)) {
      owners[stream] = config_.node;
      mine.insert (stream);
      load[config_.node]++;
      g_message ("cluster: node %s owns stream %s", config_.node.c_str (),
          stream.c_str ());
      std::string done_error;
      if (moved_here)
        etcd_.remove (moves_prefix () + stream, done_error);
    }
  }
  std::lock_guard<std::mutex> lk (lock_);
  for (auto it = handed_over_.begin (); it != handed_over_.end ();)
    it = owners.count (it->first) || !moves.count (it->first)
        ? handed_over_.erase (it) : std::next (it);
  for (auto & [stream, node] : handed)
    handed_over_[stream] = node;
  for (const auto & stream : owned_)
    if (!mine.count (stream))
      g_message ("cluster: node %s no longer owns stream %s",
          config_.node.c_str (), stream.c_str ());
  owned_ = std::move (mine);
  return true;
}

void
ClusterNode::read_users ()
{
  std::string error;
  auto read = etcd_.range_prefix (users_key (), error);
  if (!read)
    return;                        // etcd did not answer: nothing changes
  std::optional<std::string> now;
  for (const auto & kv : *read)
    if (kv.key == users_key ())
      now = kv.value;
  if (now == users_)
    return;
  users_ = now;
  on_users_ (now);
}

std::map<std::string, std::string>
ClusterNode::read_moves ()
{
  std::map<std::string, std::string> moves;
  std::string error;
  if (auto read = etcd_.range_prefix (moves_prefix (), error))
    for (const auto & kv : *read)
      moves[kv.key.substr (moves_prefix ().size ())] = kv.value;
  return moves;
}

ClusterNode::Move
ClusterNode::request_move (const std::string & stream, const std::string & to)
{
  Move move { stream, "", to, "", false };
  const View now = view ();
  std::map<std::string, size_t> load;
  for (const auto & member : now.members)
    load[member.node] = member.streams;
  auto fail = [&](const std::string & why, bool bad_request) {
    move.stream.clear ();
    move.error = why;
    move.bad_request = bad_request;
    return move;
  };
  if (!now.registered)
    return fail ("this node is not registered: " + now.error, false);
  if (!to.empty () && !load.count (to))
    return fail ("no live node named '" + to + "'", true);
  if (!stream.empty ()) {
    auto owner = now.owners.find (stream);
    if (owner == now.owners.end ())
      return fail ("no node owns a stream named '" + stream + "'", true);
    move.from = owner->second;
  } else {
    // The busiest node's first stream, if the least busy owns two fewer.
    for (const auto & [node, count] : load)
      if (move.from.empty () || count > load[move.from])
        move.from = node;
    for (const auto & [name, node] : now.owners)
      if (node == move.from) {
        move.stream = name;
        break;
      }
  }
  if (move.to.empty ()) {
    for (const auto & [node, count] : load)
      if (node != move.from && (move.to.empty () || count < load[move.to]))
        move.to = node;
    if (stream.empty () && (move.to.empty ()
            || load[move.from] < load[move.to] + 2)) {
      move.stream.clear ();        // balanced: nothing to do
      return move;
    }
  }
  if (move.to.empty ())
    return fail ("no other live node to move it to", false);
  if (move.to == move.from)
    return fail ("node '" + move.to + "' owns it already", true);
  // The request lives a few leases: a move that cannot happen is forgotten.
  std::string error;
  const int64_t ttl_s = std::max<int64_t> (2, 3 * config_.lease_ms / 1000);
  auto lease = api_etcd_.grant (ttl_s, error);
  if (!lease || !api_etcd_.put (moves_prefix () + move.stream, move.to, false,
          error, *lease))
    return fail ("etcd: " + error, false);
  g_message ("cluster: moving stream %s from node %s to node %s (asked "
      "through the API)", move.stream.c_str (), move.from.c_str (),
      move.to.c_str ());
  return move;
}

std::string
ClusterNode::record ()
{
  const double cpu = cpu_.percent ();   // since the last record
  size_t viewers = 0;
  {
    std::lock_guard<std::mutex> lk (lock_);
    viewers = viewers_;
  }
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  json_member (b, "rtsp", config_.advertise_rtsp);
  json_member (b, "http", config_.advertise_http);
  json_member (b, "since", since_);
  json_builder_set_member_name (b, "load");
  json_builder_begin_object (b);
  json_int_member (b, "viewers", static_cast<gint64> (viewers));
  json_number_member (b, "cpu", std::round (cpu * 10) / 10);
  json_builder_end_object (b);
  json_builder_end_object (b);
  return finish_json (b, false);
}

void
ClusterNode::publish_changes (const View & before, const View & after) const
{
  auto & bus = EventBus::gateway ();
  for (const auto & [stream, node] : after.owners) {
    auto was = before.owners.find (stream);
    if (was == before.owners.end () || was->second != node)
      bus.publish ("cluster.owner", stream, { { "node", node },
              { "previous", was == before.owners.end () ? "" : was->second } });
  }
  for (const auto & [stream, node] : before.owners)
    if (!after.owners.count (stream))
      bus.publish ("cluster.owner", stream, { { "node", "" },
              { "previous", node } });
  auto listed = [](const View & view, const std::string & node) {
    return std::any_of (view.members.begin (), view.members.end (),
        [&](const Member & m) { return m.node == node; });
  };
  for (const auto & member : after.members)
    if (!listed (before, member.node))
      bus.publish ("cluster.node", "", { { "node", member.node },
              { "state", "joined" } });
  for (const auto & member : before.members)
    if (!listed (after, member.node))
      bus.publish ("cluster.node", "", { { "node", member.node },
              { "state", "left" } });
}

void
ClusterNode::round ()
{
  const View before = view ();
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
  // lease is tried again each round), and again as the load changes.
  const std::string now_record = record ();
  const bool load_due = now_record != written_ && g_get_monotonic_time ()
      - written_us_ >= kLoadEveryUs;
  if (reached && (!key_ours_ || load_due)) {
    if (etcd_.put_if_free_or_ours (node_key (config_.node), now_record,
            lease_, error)) {
      key_ours_ = true;
      written_ = now_record;
      written_us_ = g_get_monotonic_time ();
    } else if (!error.empty ()) {
      reached = false;
    } else {
      key_ours_ = false;
      error = "another gateway is registered as node '" + config_.node
          + "'";
    }
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
  if (listed && on_users_)
    read_users ();
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
  if (read_owners) {
    if (owners_known_)
      publish_changes (before, view_);
    owners_known_ = true;
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
