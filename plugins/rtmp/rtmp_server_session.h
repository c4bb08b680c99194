// The server side of one RTMP connection, as a publisher (OBS, ffmpeg, a
// hardware encoder) drives it: handshake, chunk stream, protocol control
// messages and the NetConnection/NetStream commands up to `publish`, then
// the audio and video messages. No I/O: bytes received go in, bytes to
// send and events come out, so that it can be fed anything in tests.
//
// Bounded: a message may be at most `max_message` bytes, at most 64 chunk
// streams may be open at once, and a peer's chunk size is capped; anything
// else is a protocol error that ends the session (error() says which).
// Only plain RTMP is spoken (no RTMPE); S1 carries no digest, which the
// clients in use accept for publishing.
#pragma once

#include "amf0.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace camgate::rtmp {

// RTMP message types this server acts on.
enum MessageType : uint8_t
{
  kSetChunkSize = 1, kAbort = 2, kAcknowledgement = 3, kUserControl = 4,
  kWindowAckSize = 5, kSetPeerBandwidth = 6, kAudio = 8, kVideo = 9,
  kAmf3Command = 17, kAmf0Data = 18, kAmf0Command = 20,
};

struct SessionEvent
{
  enum class Type
  {
    Publish,      // app/name: the publisher asks; answer with
                  // accept_publish() or refuse_publish()
    Media,        // an audio or video message of the accepted publish
    Unpublish,    // the publisher stopped (FCUnpublish/deleteStream)
    Metadata,     // onMetaData: which tracks the publisher will send
  };
  Type type;
  std::string app;
  std::string name;               // stream name, with any ?query
  uint8_t message_type = 0;       // kAudio or kVideo
  uint32_t timestamp = 0;         // milliseconds, as the publisher sent
  std::vector<uint8_t> payload;   // the FLV tag body
  bool has_video = false;         // Metadata: it declared a video track
  bool has_audio = false;         // ... and an audio track
};

class ServerSession
{
public:
  explicit ServerSession (size_t max_message = 16 << 20);

  // Bytes from the peer. False once the session failed (error()). After a
  // Publish event the bytes that follow wait for its answer: call it again
  // (with no bytes) once answered.
  bool receive (const uint8_t * data, size_t size);

  // What happened since the last call, in order.
  std::vector<SessionEvent> take_events ();
  // Bytes to send to the peer, in order.
  std::vector<uint8_t> take_output ();

  // The answer to a Publish event.
  void accept_publish ();
  // `code` is the NetStream status code ("NetStream.Publish.BadName"...).
  void refuse_publish (const std::string & code,
      const std::string & description);

  const std::string & error () const { return error_; }
  bool publishing () const { return state_ == State::Publishing; }

private:
  enum class State { HandshakeC0C1, HandshakeC2, Connected, AwaitingPublish,
    Publishing, Failed };

  struct ChunkHeader
  {
    uint32_t timestamp = 0;
    uint32_t delta = 0;
    uint32_t length = 0;
    uint8_t type = 0;
    uint32_t stream_id = 0;
    bool extended = false;        // its last header had an extended time
  };

  struct ChunkStream
  {
    ChunkHeader header;
    std::vector<uint8_t> message; // the message being reassembled
  };

  bool fail (const std::string & why);
  bool handshake ();
  // One chunk from the front of input_; 0: needs more bytes, -1: failed.
  int chunk ();
  bool message (ChunkStream & cs);
  bool control (uint8_t type, const std::vector<uint8_t> & body);
  bool command (uint32_t stream_id, const std::vector<uint8_t> & body);
  void metadata (const std::vector<uint8_t> & body);

  void send (uint32_t csid, uint8_t type, uint32_t stream_id,
      const std::vector<uint8_t> & body);
  void send_control (uint8_t type, uint32_t value);
  void send_command (uint32_t stream_id, const std::vector<Amf0Value> & v);
  void send_status (const std::string & level, const std::string & code,
      const std::string & description);

  const size_t max_message_;
  State state_ = State::HandshakeC0C1;
  std::string error_;
  std::vector<uint8_t> input_;
  size_t consumed_ = 0;           // of input_, not yet erased
  std::vector<uint8_t> output_;
  std::vector<SessionEvent> events_;
  std::map<uint32_t, ChunkStream> chunk_streams_;
  uint32_t in_chunk_size_ = 128;
  size_t buffered_ = 0;           // bytes of messages being reassembled
  uint64_t received_ = 0;
  uint64_t acknowledged_ = 0;
  uint32_t ack_window_ = 0;
  std::string app_;
  uint32_t publish_stream_ = 0;   // the message stream published on
  bool deciding_ = false;         // a Publish event awaits its answer
};

}  // namespace camgate::rtmp
