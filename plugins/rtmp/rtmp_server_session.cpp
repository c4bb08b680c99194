#include "rtmp_server_session.h"

#include <glib.h>

#include <algorithm>
#include <cstring>

namespace camgate::rtmp {

namespace {

constexpr size_t kHandshakeSize = 1536;
constexpr uint32_t kOutChunkSize = 4096;
constexpr uint32_t kMaxChunkSize = 1 << 20;
constexpr size_t kMaxChunkStreams = 64;
constexpr uint32_t kServerWindow = 2500000;
// The message stream createStream hands out (one per connection).
constexpr uint32_t kPublishStreamId = 1;

uint32_t
be (const uint8_t * p, int n)
{
  uint32_t v = 0;
  for (int i = 0; i < n; i++)
    v = v << 8 | p[i];
  return v;
}

void
put_be (std::vector<uint8_t> & out, uint32_t v, int n)
{
  for (int i = n - 1; i >= 0; i--)
    out.push_back (static_cast<uint8_t> (v >> (8 * i)));
}

}  // namespace

ServerSession::ServerSession (size_t max_message) : max_message_ (max_message)
{
}

bool
ServerSession::fail (const std::string & why)
{
  if (state_ != State::Failed)
    error_ = why;
  state_ = State::Failed;
  return false;
}

bool
ServerSession::receive (const uint8_t * data, size_t size)
{
  if (state_ == State::Failed)
    return false;
  input_.insert (input_.end (), data, data + size);
  received_ += size;
  if (state_ == State::HandshakeC0C1 || state_ == State::HandshakeC2) {
    if (!handshake ())
      return state_ != State::Failed;
  }
  // While a publish waits for its answer, what follows it waits too (its
  // media would otherwise be dropped as sent before the publish began).
  if (deciding_ && input_.size () > max_message_)
    return fail ("too much data before publish was answered");
  int got = 0;
  while (!deciding_ && (got = chunk ()) > 0) {
  }
  // Keep only what is not parsed yet.
  input_.erase (input_.begin (), input_.begin () + consumed_);
  consumed_ = 0;
  if (got < 0)
    return false;
  if (ack_window_ && received_ - acknowledged_ >= ack_window_) {
    acknowledged_ = received_;
    send_control (kAcknowledgement, static_cast<uint32_t> (received_));
  }
  return true;
}

// C0+C1 in, S0+S1+S2 out, C2 in. False while bytes are missing (or it
// failed).
bool
ServerSession::handshake ()
{
  if (state_ == State::HandshakeC0C1) {
    // The version byte first: anything else (an HTTP request, RTMPE) is
    // turned away at once, not after waiting for a whole C1.
    if (!input_.empty () && input_[0] != 3)
      return fail ("not RTMP (handshake version " + std::to_string (input_[0])
          + ", RTMPE is not supported)");
    if (input_.size () < 1 + kHandshakeSize)
      return false;
    output_.push_back (3);
    // S1: time, zeros (no digest), random bytes.
    const size_t s1 = output_.size ();
    output_.resize (s1 + kHandshakeSize);
    memset (&output_[s1], 0, 8);
    for (size_t i = 8; i < kHandshakeSize; i += 4) {
      const guint32 r = g_random_int ();
      memcpy (&output_[s1 + i], &r, MIN ((size_t) 4, kHandshakeSize - i));
    }
    // S2: C1 echoed.
    output_.insert (output_.end (), input_.begin () + 1,
        input_.begin () + 1 + kHandshakeSize);
    input_.erase (input_.begin (), input_.begin () + 1 + kHandshakeSize);
    state_ = State::HandshakeC2;
  }
  if (input_.size () < kHandshakeSize)
    return false;
  input_.erase (input_.begin (), input_.begin () + kHandshakeSize);
  state_ = State::Connected;
  return true;
}

int
ServerSession::chunk ()
{
  if (state_ == State::Failed)
    return -1;
  const uint8_t *p = input_.data () + consumed_;
  const size_t avail = input_.size () - consumed_;
  if (avail < 1)
    return 0;
  const uint8_t fmt = p[0] >> 6;
  uint32_t csid = p[0] & 0x3f;
  size_t pos = 1;
  if (csid == 0) {
    if (avail < 2)
      return 0;
    csid = 64 + p[1];
    pos = 2;
  } else if (csid == 1) {
    if (avail < 3)
      return 0;
    csid = 64 + p[1] + 256u * p[2];
    pos = 3;
  }
  static const size_t header_size[] = { 11, 7, 3, 0 };
  if (avail < pos + header_size[fmt])
    return 0;
  auto found = chunk_streams_.find (csid);
  if (found == chunk_streams_.end ()) {
    if (fmt != 0)
      return fail ("chunk stream " + std::to_string (csid)
          + " continued before it started"), -1;
    if (chunk_streams_.size () >= kMaxChunkStreams)
      return fail ("too many chunk streams"), -1;
  }
  // Parse the header into a copy: nothing changes until the whole chunk is
  // here.
  ChunkStream *cs = found == chunk_streams_.end () ? nullptr : &found->second;
  ChunkHeader head = cs ? cs->header : ChunkHeader {};
  const bool starts_message = !cs || cs->message.empty ();
  const uint8_t *h = p + pos;
  pos += header_size[fmt];
  uint32_t time_field = 0;
  if (fmt <= 2)
    time_field = be (h, 3);
  if (fmt <= 1) {
    head.length = be (h + 3, 3);
    head.type = h[6];
    if (!starts_message && head.length != cs->header.length)
      return fail ("a message's length changed half-way"), -1;
  }
  if (fmt == 0)
    head.stream_id = h[7] | h[8] << 8 | h[9] << 16 | (uint32_t) h[10] << 24;
  if (fmt <= 2)
    head.extended = time_field == 0xffffff;
  if (head.extended) {
    if (avail < pos + 4)
      return 0;
    time_field = be (p + pos, 4);
    pos += 4;
  }
  if (starts_message) {
    if (fmt == 0) {
      head.timestamp = time_field;
      head.delta = 0;
    } else if (fmt <= 2) {
      head.delta = time_field;
      head.timestamp += head.delta;
    } else {
      head.timestamp += head.delta;
    }
  }
  if (head.length > max_message_)
    return fail ("a message of " + std::to_string (head.length)
        + " bytes (at most " + std::to_string (max_message_) + ")"), -1;
  const size_t have = cs ? cs->message.size () : 0;
  const size_t take = std::min<size_t> (head.length - have, in_chunk_size_);
  if (avail < pos + take)
    return 0;
  // All chunk streams together hold at most two whole messages.
  if (buffered_ + take > 2 * max_message_)
    return fail ("too much data in unfinished messages"), -1;
  if (!cs)
    cs = &chunk_streams_[csid];
  cs->header = head;
  cs->message.insert (cs->message.end (), p + pos, p + pos + take);
  buffered_ += take;
  consumed_ += pos + take;
  if (cs->message.size () < head.length)
    return 1;
  buffered_ -= cs->message.size ();
  const bool ok = message (*cs);
  cs->message.clear ();
  return ok ? 1 : -1;
}

bool
ServerSession::message (ChunkStream & cs)
{
  switch (cs.header.type) {
    case kSetChunkSize:
    case kAbort:
    case kAcknowledgement:
    case kUserControl:
    case kWindowAckSize:
    case kSetPeerBandwidth:
      return control (cs.header.type, cs.message);
    case kAmf3Command:
      // An AMF0 command after one format byte.
      if (cs.message.empty ())
        return fail ("an empty AMF3 command");
      cs.message.erase (cs.message.begin ());
      return command (cs.header.stream_id, cs.message);
    case kAmf0Command:
      return command (cs.header.stream_id, cs.message);
    case kAudio:
    case kVideo:
      if (state_ != State::Publishing
          || cs.header.stream_id != publish_stream_)
        return true;             // before publish or after: dropped
      events_.push_back ({ SessionEvent::Type::Media, app_, "",
            cs.header.type, cs.header.timestamp, std::move (cs.message) });
      return true;
    case kAmf0Data:
      if (state_ == State::Publishing)
        metadata (cs.message);
      return true;
    default:
      return true;               // shared objects, AMF3 data: not needed
  }
}

// `@setDataFrame onMetaData {...}` (or `onMetaData {...}`): the tracks the
// publisher declares by their codec ids. Malformed metadata is ignored: it
// is a hint.
void
ServerSession::metadata (const std::vector<uint8_t> & body)
{
  auto values = amf0_decode (body.data (), body.size ());
  if (!values)
    return;
  for (size_t i = 0; i + 1 < values->size (); i++) {
    if ((*values)[i].type != Amf0Value::Type::String
        || (*values)[i].string != "onMetaData")
      continue;
    const Amf0Value & info = (*values)[i + 1];
    SessionEvent event { SessionEvent::Type::Metadata, app_, "", 0, 0, {} };
    auto declared = [&](const char *key) {
      const Amf0Value *v = info.get (key);
      return v && v->type != Amf0Value::Type::Null
          && v->type != Amf0Value::Type::Undefined
          && !(v->type == Amf0Value::Type::Number && v->number == 0);
    };
    event.has_video = declared ("videocodecid");
    event.has_audio = declared ("audiocodecid");
    events_.push_back (std::move (event));
    return;
  }
}

bool
ServerSession::control (uint8_t type, const std::vector<uint8_t> & body)
{
  if (type == kUserControl) {
    // A ping request (6) is answered (7) with its time.
    if (body.size () >= 6 && be (body.data (), 2) == 6) {
      std::vector<uint8_t> pong { 0, 7 };
      put_be (pong, be (body.data () + 2, 4), 4);
      send (2, kUserControl, 0, pong);
    }
    return true;
  }
  if (body.size () < 4)
    return fail ("a control message of " + std::to_string (body.size ())
        + " bytes");
  const uint32_t value = be (body.data (), 4);
  switch (type) {
    case kSetChunkSize:
      if (value == 0 || value > kMaxChunkSize)
        return fail ("chunk size " + std::to_string (value));
      in_chunk_size_ = value;
      return true;
    case kAbort: {
      auto found = chunk_streams_.find (value);
      if (found != chunk_streams_.end ()) {
        buffered_ -= found->second.message.size ();
        found->second.message.clear ();
      }
      return true;
    }
    case kWindowAckSize:
      ack_window_ = value;
      return true;
    default:
      return true;
  }
}

bool
ServerSession::command (uint32_t stream_id, const std::vector<uint8_t> & body)
{
  auto values = amf0_decode (body.data (), body.size ());
  if (!values || values->size () < 2
      || (*values)[0].type != Amf0Value::Type::String
      || (*values)[1].type != Amf0Value::Type::Number)
    return fail ("a malformed command");
  const std::string & name = (*values)[0].string;
  const double transaction = (*values)[1].number;
  auto result = [&](Amf0Value info) {
    send_command (stream_id, { Amf0Value::of ("_result"),
          Amf0Value::of (transaction), Amf0Value::null (), std::move (info) });
  };

  if (name == "connect") {
    if (state_ != State::Connected)
      return fail ("connect twice");
    app_ = values->size () > 2 ? (*values)[2].get_string ("app") : "";
    // Some clients append the query of the tcUrl to the app.
    app_ = app_.substr (0, app_.find ('?'));
    while (!app_.empty () && app_.back () == '/')
      app_.pop_back ();
    send_control (kWindowAckSize, kServerWindow);
    std::vector<uint8_t> bandwidth;
    put_be (bandwidth, kServerWindow, 4);
    bandwidth.push_back (2);       // dynamic
    send (2, kSetPeerBandwidth, 0, bandwidth);
    send_control (kSetChunkSize, kOutChunkSize);
    send_command (0, { Amf0Value::of ("_result"), Amf0Value::of (transaction),
          Amf0Value::object ({ { "fmsVer", Amf0Value::of ("FMS/3,0,1,123") },
                { "capabilities", Amf0Value::of (31.0) } }),
          Amf0Value::object ({ { "level", Amf0Value::of ("status") },
                { "code", Amf0Value::of ("NetConnection.Connect.Success") },
                { "description", Amf0Value::of ("Connection succeeded.") },
                { "objectEncoding", Amf0Value::of (0.0) } }) });
    state_ = State::AwaitingPublish;
    return true;
  }
  if (state_ == State::Connected)
    return fail ("a command before connect: " + name.substr (0, 64));
  if (name == "createStream") {
    result (Amf0Value::of (static_cast<double> (kPublishStreamId)));
    return true;
  }
  if (name == "releaseStream" || name == "FCPublish") {
    result (Amf0Value::undefined ());
    return true;
  }
  if (name == "publish") {
    if (state_ != State::AwaitingPublish || publish_stream_)
      return fail ("publish twice");
    if (values->size () < 4 || (*values)[3].type != Amf0Value::Type::String)
      return fail ("publish without a stream name");
    publish_stream_ = stream_id;
    deciding_ = true;
    events_.push_back ({ SessionEvent::Type::Publish, app_,
          (*values)[3].string, 0, 0, {} });
    return true;
  }
  if (name == "FCUnpublish" || name == "deleteStream"
      || name == "closeStream") {
    if (state_ == State::Publishing) {
      state_ = State::AwaitingPublish;
      events_.push_back ({ SessionEvent::Type::Unpublish, app_, "", 0, 0, {} });
    }
    return true;
  }
  if (name == "play")
    return fail ("play is not served over RTMP (only publishing)");
  return true;                   // getStreamLength, _checkbw...: ignored
}

void
ServerSession::accept_publish ()
{
  if (state_ != State::AwaitingPublish || !publish_stream_)
    return;
  std::vector<uint8_t> begin { 0, 0 };   // user control: stream begin
  put_be (begin, publish_stream_, 4);
  send (2, kUserControl, 0, begin);
  state_ = State::Publishing;
  deciding_ = false;
  send_status ("status", "NetStream.Publish.Start", "publishing");
}

void
ServerSession::refuse_publish (const std::string & code,
    const std::string & description)
{
  if (state_ != State::AwaitingPublish || !publish_stream_)
    return;
  send_status ("error", code, description);
  deciding_ = false;
  fail ("publish refused: " + description);
}

void
ServerSession::send_status (const std::string & level,
    const std::string & code, const std::string & description)
{
  send_command (publish_stream_, { Amf0Value::of ("onStatus"),
        Amf0Value::of (0.0), Amf0Value::null (),
        Amf0Value::object ({ { "level", Amf0Value::of (level) },
              { "code", Amf0Value::of (code) },
              { "description", Amf0Value::of (description) } }) });
}

void
ServerSession::send_control (uint8_t type, uint32_t value)
{
  std::vector<uint8_t> body;
  put_be (body, value, 4);
  send (2, type, 0, body);
}

void
ServerSession::send_command (uint32_t stream_id,
    const std::vector<Amf0Value> & values)
{
  std::vector<uint8_t> body;
  for (const auto & v : values)
    amf0_encode (v, body);
  send (stream_id ? 5 : 3, kAmf0Command, stream_id, body);
}

// One message as chunks of kOutChunkSize (announced before any message
// longer than the default 128 bytes: connect's reply comes after it).
void
ServerSession::send (uint32_t csid, uint8_t type, uint32_t stream_id,
    const std::vector<uint8_t> & body)
{
  output_.push_back (static_cast<uint8_t> (csid));   // fmt 0, csid < 64
  put_be (output_, 0, 3);                            // timestamp
  put_be (output_, static_cast<uint32_t> (body.size ()), 3);
  output_.push_back (type);
  for (int i = 0; i < 4; i++)
    output_.push_back (static_cast<uint8_t> (stream_id >> (8 * i)));
  for (size_t sent = 0; sent < body.size ();) {
    if (sent)
      output_.push_back (static_cast<uint8_t> (0xc0 | csid));  // fmt 3
    const size_t n = std::min<size_t> (kOutChunkSize, body.size () - sent);
    output_.insert (output_.end (), body.begin () + sent,
        body.begin () + sent + n);
    sent += n;
  }
}

std::vector<SessionEvent>
ServerSession::take_events ()
{
  return std::exchange (events_, {});
}

std::vector<uint8_t>
ServerSession::take_output ()
{
  return std::exchange (output_, {});
}

}  // namespace camgate::rtmp
