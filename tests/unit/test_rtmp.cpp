// The RTMP server side (plugins/rtmp): AMF0, the session (handshake, chunk
// stream with every header format and extended timestamps, the publish
// commands), FLV media bodies (legacy AVC, Enhanced RTMP HEVC, AAC), hostile
// input (bounds and a fuzz loop), and rtmpserversrc on a socket pair fed by
// a scripted publisher sending H.265 the Enhanced RTMP way, which no encoder
// in Debian 12 can.
#include "amf0.h"
#include "flv_media.h"
#include "rtmp_server_session.h"

#include <gio/gio.h>
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <random>
#include <string>
#include <thread>

using namespace camgate::rtmp;

namespace {

// What a publisher sends, built by hand.
struct PublisherBytes
{
  std::vector<uint8_t> out;
  uint32_t chunk_size = 128;

  void handshake ()
  {
    out.push_back (3);
    for (int i = 0; i < 1536; i++)
      out.push_back (static_cast<uint8_t> (i * 7));      // C1
    for (int i = 0; i < 1536; i++)
      out.push_back (0);                                // C2
  }

  void be (uint32_t v, int n)
  {
    for (int i = n - 1; i >= 0; i--)
      out.push_back (static_cast<uint8_t> (v >> (8 * i)));
  }

  // One message; its first chunk with header format `fmt` (1 and 2 give
  // `time` as a delta), the rest as format 3.
  void message (uint8_t csid, uint8_t type, uint32_t stream, uint32_t time,
      const std::vector<uint8_t> & body, int fmt = 0)
  {
    const bool extended = time >= 0xffffff;
    out.push_back (static_cast<uint8_t> (fmt << 6 | csid));
    if (fmt <= 2)
      be (extended ? 0xffffff : time, 3);
    if (fmt <= 1) {
      be (static_cast<uint32_t> (body.size ()), 3);
      out.push_back (type);
    }
    if (fmt == 0)
      for (int i = 0; i < 4; i++)
        out.push_back (static_cast<uint8_t> (stream >> (8 * i)));
    if (extended)
      be (time, 4);
    for (size_t sent = 0; sent < body.size ();) {
      if (sent) {
        out.push_back (static_cast<uint8_t> (0xc0 | csid));
        if (extended)
          be (time, 4);
      }
      const size_t n = std::min<size_t> (chunk_size, body.size () - sent);
      out.insert (out.end (), body.begin () + sent, body.begin () + sent + n);
      sent += n;
    }
  }

  void command (uint32_t stream, std::vector<Amf0Value> values)
  {
    std::vector<uint8_t> body;
    for (const auto & v : values)
      amf0_encode (v, body);
    message (3, kAmf0Command, stream, 0, body);
  }

  // connect, createStream, publish `name`.
  void up_to_publish (const std::string & name)
  {
    handshake ();
    command (0, { Amf0Value::of ("connect"), Amf0Value::of (1.0),
          Amf0Value::object ({ { "app", Amf0Value::of ("live") },
                { "tcUrl", Amf0Value::of ("rtmp://127.0.0.1/live") } }) });
    command (0, { Amf0Value::of ("releaseStream"), Amf0Value::of (2.0),
          Amf0Value::null (), Amf0Value::of (name) });
    command (0, { Amf0Value::of ("createStream"), Amf0Value::of (3.0),
          Amf0Value::null () });
    command (1, { Amf0Value::of ("publish"), Amf0Value::of (4.0),
          Amf0Value::null (), Amf0Value::of (name), Amf0Value::of ("live") });
  }

  void metadata (bool video, bool audio)
  {
    std::vector<uint8_t> body;
    amf0_encode (Amf0Value::of ("@setDataFrame"), body);
    amf0_encode (Amf0Value::of ("onMetaData"), body);
    std::vector<std::pair<std::string, Amf0Value>> info;
    if (video)
      info.emplace_back ("videocodecid", Amf0Value::of ("hvc1"));
    if (audio)
      info.emplace_back ("audiocodecid", Amf0Value::of (10.0));
    amf0_encode (Amf0Value::object (info), body);
    message (4, kAmf0Data, 1, 0, body);
  }
};

std::string
text_of (const std::vector<uint8_t> & bytes)
{
  return std::string (bytes.begin (), bytes.end ());
}

std::vector<uint8_t>
pattern (size_t n, uint8_t seed)
{
  std::vector<uint8_t> v (n);
  for (size_t i = 0; i < n; i++)
    v[i] = static_cast<uint8_t> (seed + i * 13);
  return v;
}

// Enhanced RTMP video: [1|frame type|packet type] 'hvc1' ...
std::vector<uint8_t>
hevc_body (bool keyframe, int packet_type, const std::vector<uint8_t> & rest)
{
  std::vector<uint8_t> b { static_cast<uint8_t> (0x80 | (keyframe ? 1 : 2)
          << 4 | packet_type), 'h', 'v', 'c', '1' };
  b.insert (b.end (), rest.begin (), rest.end ());
  return b;
}

}  // namespace

TEST (RtmpAmf0, RoundTripsAndRefusesWhatIsMalformed)
{
  std::vector<uint8_t> bytes;
  Amf0Value object = Amf0Value::object ({ { "app", Amf0Value::of ("live") },
        { "n", Amf0Value::of (3.5) }, { "ok", Amf0Value::of (true) },
        { "nested", Amf0Value::object ({ { "x", Amf0Value::null () } }) } });
  amf0_encode (Amf0Value::of ("connect"), bytes);
  amf0_encode (object, bytes);
  auto values = amf0_decode (bytes.data (), bytes.size ());
  ASSERT_TRUE (values);
  ASSERT_EQ (values->size (), 2u);
  EXPECT_EQ ((*values)[0].string, "connect");
  EXPECT_EQ ((*values)[1].get_string ("app"), "live");
  EXPECT_EQ ((*values)[1].get ("n")->number, 3.5);
  EXPECT_TRUE ((*values)[1].get ("ok")->boolean);
  EXPECT_EQ ((*values)[1].get ("nested")->get ("x")->type,
      Amf0Value::Type::Null);

  // Cut anywhere: refused, never read past the end.
  // (Only a cut right after the first value, "connect", leaves whole ones.)
  for (size_t n = 1; n < bytes.size (); n++)
    EXPECT_EQ (amf0_decode (bytes.data (), n).has_value (), n == 10) << n;
  // Nested deeper than 16 objects.
  std::vector<uint8_t> deep;
  for (int i = 0; i < 40; i++) {
    deep.push_back (0x03);
    deep.insert (deep.end (), { 0, 1, 'a' });
  }
  EXPECT_FALSE (amf0_decode (deep.data (), deep.size ()));
  // A strict array claiming four billion items.
  std::vector<uint8_t> huge { 0x0a, 0xff, 0xff, 0xff, 0xff };
  EXPECT_FALSE (amf0_decode (huge.data (), huge.size ()));
  // A string longer than the message.
  std::vector<uint8_t> long_string { 0x02, 0xff, 0xff, 'a' };
  EXPECT_FALSE (amf0_decode (long_string.data (), long_string.size ()));
}

TEST (RtmpSession, TakesAPublisherAndReassemblesItsMedia)
{
  PublisherBytes c;
  c.up_to_publish ("cam?user=enc&pass=s3cret");
  ServerSession session;
  // Byte by byte: the parser waits for whole chunks.
  for (uint8_t b : c.out)
    ASSERT_TRUE (session.receive (&b, 1)) << session.error ();
  const std::string reply = text_of (session.take_output ());
  ASSERT_GE (reply.size (), 1u + 2 * 1536);
  EXPECT_EQ (reply[0], 3);
  // S2 echoes C1.
  EXPECT_EQ (reply.substr (1 + 1536, 1536), text_of (c.out).substr (1, 1536));
  EXPECT_NE (reply.find ("NetConnection.Connect.Success"), std::string::npos);
  EXPECT_NE (reply.find ("_result"), std::string::npos);
  auto events = session.take_events ();
  ASSERT_EQ (events.size (), 1u);
  EXPECT_EQ (events[0].type, SessionEvent::Type::Publish);
  EXPECT_EQ (events[0].app, "live");
  EXPECT_EQ (events[0].name, "cam?user=enc&pass=s3cret");

  session.accept_publish ();
  EXPECT_NE (text_of (session.take_output ()).find
      ("NetStream.Publish.Start"), std::string::npos);

  // A frame of 1000 bytes in 300-byte chunks after a chunk size change,
  // then two with type-1 and type-2 headers (time deltas), then one past
  // the 24-bit time (extended timestamps, repeated in its type-3 chunks).
  PublisherBytes m;
  m.be (0, 0);
  std::vector<uint8_t> size_body { 0, 0, 1, 44 };     // 300
  m.message (2, kSetChunkSize, 0, 0, size_body);
  m.chunk_size = 300;
  const auto frame = pattern (1000, 1);
  m.message (6, kVideo, 1, 1000, frame);
  m.message (6, kVideo, 1, 40, pattern (500, 2), 1);
  m.message (6, kVideo, 1, 40, pattern (500, 3), 2);
  m.message (7, kAudio, 1, 0x1000000, pattern (700, 4));
  ASSERT_TRUE (session.receive (m.out.data (), m.out.size ()))
      << session.error ();
  events = session.take_events ();
  ASSERT_EQ (events.size (), 4u);
  EXPECT_EQ (events[0].payload, frame);
  EXPECT_EQ (events[0].timestamp, 1000u);
  EXPECT_EQ (events[1].timestamp, 1040u);
  EXPECT_EQ (events[1].payload, pattern (500, 2));
  EXPECT_EQ (events[2].timestamp, 1080u);
  EXPECT_EQ (events[3].message_type, kAudio);
  EXPECT_EQ (events[3].timestamp, 0x1000000u);
  EXPECT_EQ (events[3].payload, pattern (700, 4));

  // The publisher stops.
  PublisherBytes stop;
  stop.command (1, { Amf0Value::of ("FCUnpublish"), Amf0Value::of (5.0),
        Amf0Value::null (), Amf0Value::of ("cam") });
  ASSERT_TRUE (session.receive (stop.out.data (), stop.out.size ()));
  events = session.take_events ();
  ASSERT_EQ (events.size (), 1u);
  EXPECT_EQ (events[0].type, SessionEvent::Type::Unpublish);
}

TEST (RtmpSession, ARefusedPublisherIsToldWhy)
{
  PublisherBytes c;
  c.up_to_publish ("cam");
  ServerSession session;
  ASSERT_TRUE (session.receive (c.out.data (), c.out.size ()));
  session.take_output ();
  session.refuse_publish ("NetStream.Publish.BadName", "already published");
  const std::string reply = text_of (session.take_output ());
  EXPECT_NE (reply.find ("NetStream.Publish.BadName"), std::string::npos);
  EXPECT_NE (reply.find ("already published"), std::string::npos);
  EXPECT_FALSE (session.receive (c.out.data (), 1));
}

TEST (RtmpSession, HostileInputEndsTheSessionWithinBounds)
{
  auto after_handshake = [](PublisherBytes & c) {
    ServerSession session (1 << 20);
    EXPECT_FALSE (session.receive (c.out.data (), c.out.size ()));
    return session.error ();
  };
  {
    PublisherBytes c;                    // a message over the limit
    c.handshake ();
    c.message (6, kVideo, 1, 0, pattern ((1 << 20) + 1, 0));
    EXPECT_NE (after_handshake (c).find ("bytes (at most"), std::string::npos);
  }
  {
    PublisherBytes c;                    // too many open chunk streams
    c.handshake ();
    c.message (2, kSetChunkSize, 0, 0, { 0, 0, 0, 1 });
    for (uint8_t id = 3; id < 63; id++) {
      c.out.push_back (id);
      c.be (0, 3);
      c.be (100, 3);
      c.out.push_back (kVideo);
      c.be (0, 4);
      c.out.push_back (0);               // one byte of 100: left open
    }
    for (int id = 64; id < 80; id++) {
      c.out.push_back (0);               // 2-byte basic header
      c.out.push_back (static_cast<uint8_t> (id - 64));
      c.be (0, 3);
      c.be (100, 3);
      c.out.push_back (kVideo);
      c.be (0, 4);
      c.out.push_back (0);
    }
    EXPECT_EQ (after_handshake (c), "too many chunk streams");
  }
  {
    PublisherBytes c;                    // chunk size 0
    c.handshake ();
    c.message (2, kSetChunkSize, 0, 0, { 0, 0, 0, 0 });
    EXPECT_EQ (after_handshake (c), "chunk size 0");
  }
  {
    PublisherBytes c;                    // a command before connect
    c.handshake ();
    c.command (0, { Amf0Value::of ("publish"), Amf0Value::of (1.0) });
    EXPECT_NE (after_handshake (c).find ("before connect"), std::string::npos);
  }
  {
    PublisherBytes c;                    // RTMPE
    c.out.assign (1537, 6);
    EXPECT_NE (after_handshake (c).find ("RTMPE"), std::string::npos);
  }
}

// Random bytes after a valid handshake, and valid sessions with bytes
// flipped: the session fails or goes on, never reads out of bounds (run
// under valgrind by the config-leaks test) or holds more than its limits.
TEST (RtmpSession, SurvivesAFuzzLoop)
{
  PublisherBytes valid;
  valid.up_to_publish ("cam");
  valid.metadata (true, true);
  valid.message (6, kVideo, 1, 0, hevc_body (true, 0, pattern (60, 9)));
  valid.message (6, kVideo, 1, 40, hevc_body (true, 1, pattern (900, 3)), 1);
  std::mt19937 random (42);
  for (int round = 0; round < 400; round++) {
    std::vector<uint8_t> bytes = valid.out;
    if (round % 2) {
      bytes.resize (1 + 2 * 1536);
      for (int i = 0; i < 4000; i++)
        bytes.push_back (static_cast<uint8_t> (random ()));
    } else {
      for (int flips = 0; flips < 8; flips++)
        bytes[1 + 2 * 1536 + random () % (bytes.size () - 1 - 2 * 1536)]
            = static_cast<uint8_t> (random ());
    }
    ServerSession session (1 << 16);
    size_t at = 0;
    while (at < bytes.size ()) {
      const size_t n = std::min<size_t> (1 + random () % 700,
          bytes.size () - at);
      if (!session.receive (bytes.data () + at, n))
        break;
      for (auto & e : session.take_events ()) {
        if (e.type == SessionEvent::Type::Publish)
          session.accept_publish ();
        if (e.type == SessionEvent::Type::Media) {
          EXPECT_LE (e.payload.size (), 1u << 16);
          parse_flv_video (e.payload.data (), e.payload.size ());
          parse_flv_audio (e.payload.data (), e.payload.size ());
        }
      }
      session.take_output ();
      at += n;
    }
  }
}

TEST (RtmpFlv, ReadsLegacyAvcEnhancedHevcAndAac)
{
  const std::vector<uint8_t> avc_config { 0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x1f };
  auto m = parse_flv_video (avc_config.data (), avc_config.size ());
  EXPECT_EQ (m.kind, FlvMedia::Kind::Config);
  EXPECT_EQ (m.codec, "H264");
  EXPECT_EQ (m.size, 4u);
  // An inter frame shown 2 frames later (composition time 80 ms) and one
  // with a negative composition time.
  const std::vector<uint8_t> avc_frame { 0x27, 1, 0, 0, 80, 0, 0, 0, 1, 0x41 };
  m = parse_flv_video (avc_frame.data (), avc_frame.size ());
  EXPECT_EQ (m.kind, FlvMedia::Kind::Frame);
  EXPECT_FALSE (m.keyframe);
  EXPECT_EQ (m.composition_ms, 80);
  const std::vector<uint8_t> negative { 0x17, 1, 0xff, 0xff, 0xd8, 0 };
  m = parse_flv_video (negative.data (), negative.size ());
  EXPECT_TRUE (m.keyframe);
  EXPECT_EQ (m.composition_ms, -40);

  auto hevc = hevc_body (true, 0, { 1, 2, 3 });
  m = parse_flv_video (hevc.data (), hevc.size ());
  EXPECT_EQ (m.kind, FlvMedia::Kind::Config);
  EXPECT_EQ (m.codec, "H265");
  EXPECT_EQ (m.size, 3u);
  hevc = hevc_body (false, 1, { 0, 0, 40, 9, 9 });
  m = parse_flv_video (hevc.data (), hevc.size ());
  EXPECT_EQ (m.kind, FlvMedia::Kind::Frame);
  EXPECT_EQ (m.composition_ms, 40);
  EXPECT_EQ (m.size, 2u);
  hevc = hevc_body (true, 3, { 9, 9, 9 });
  m = parse_flv_video (hevc.data (), hevc.size ());
  EXPECT_EQ (m.kind, FlvMedia::Kind::Frame);
  EXPECT_EQ (m.composition_ms, 0);
  EXPECT_TRUE (m.keyframe);
  const std::vector<uint8_t> av1 { 0x90, 'a', 'v', '0', '1' };
  m = parse_flv_video (av1.data (), av1.size ());
  EXPECT_EQ (m.kind, FlvMedia::Kind::Unsupported);
  EXPECT_EQ (m.codec, "av01");

  const std::vector<uint8_t> aac_config { 0xaf, 0, 0x11, 0x90 };
  m = parse_flv_audio (aac_config.data (), aac_config.size ());
  EXPECT_EQ (m.kind, FlvMedia::Kind::Config);
  EXPECT_EQ (m.codec, "AAC");
  const std::vector<uint8_t> mp3 { 0x2f, 1, 2 };
  m = parse_flv_audio (mp3.data (), mp3.size ());
  EXPECT_EQ (m.kind, FlvMedia::Kind::Unsupported);
  EXPECT_EQ (m.codec, "MP3");
  for (size_t n = 0; n < 5; n++) {
    parse_flv_video (avc_frame.data (), n);   // short bodies: no overread
    parse_flv_audio (aac_config.data (), n);
  }
}

namespace {

// rtmpserversrc on one end of a socket pair, its video pad to an appsink.
struct ServerOnPair
{
  GstElement *pipeline = gst_pipeline_new (nullptr);
  GstElement *src = gst_element_factory_make ("rtmpserversrc", nullptr);
  GstElement *sink = gst_element_factory_make ("appsink", nullptr);
  int client = -1;

  ServerOnPair ()
  {
    int fds[2];
    EXPECT_EQ (socketpair (AF_UNIX, SOCK_STREAM, 0, fds), 0);
    client = fds[1];
    GSocket *socket = g_socket_new_from_fd (fds[0], nullptr);
    g_object_set (src, "socket", socket, "timeout", 5u, nullptr);
    g_object_unref (socket);
    g_object_set (sink, "sync", FALSE, "emit-signals", FALSE, nullptr);
    gst_bin_add_many (GST_BIN (pipeline), src, sink, nullptr);
    g_signal_connect (src, "pad-added", G_CALLBACK (+[](GstElement *,
                GstPad * pad, gpointer sink) {
              if (g_str_equal (GST_PAD_NAME (pad), "video")) {
                GstPad *in = gst_element_get_static_pad (GST_ELEMENT (sink),
                    "sink");
                gst_pad_link (pad, in);
                gst_object_unref (in);
              }
            }), sink);
  }

  ~ServerOnPair ()
  {
    gst_element_set_state (pipeline, GST_STATE_NULL);
    gst_object_unref (pipeline);
    if (client >= 0)
      close (client);
  }

  void send (const std::vector<uint8_t> & bytes)
  {
    for (size_t sent = 0; sent < bytes.size ();) {
      const ssize_t n = write (client, bytes.data () + sent,
          bytes.size () - sent);
      ASSERT_GT (n, 0);
      sent += static_cast<size_t> (n);
    }
  }

  // What the server answered so far (waits up to a second for some).
  std::string answer ()
  {
    std::string got;
    char buffer[8192];
    GPollFD fd { client, G_IO_IN, 0 };
    while (g_poll (&fd, 1, got.empty () ? 1000 : 100) > 0) {
      const ssize_t n = read (client, buffer, sizeof buffer);
      if (n <= 0)
        break;
      got.append (buffer, static_cast<size_t> (n));
    }
    return got;
  }
};

}  // namespace

TEST (RtmpServerSrc, OutputsEnhancedRtmpH265WithItsTimes)
{
  ServerOnPair s;
  ASSERT_TRUE (s.src && s.sink);
  ASSERT_NE (gst_element_set_state (s.pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_FAILURE);
  PublisherBytes c;
  c.up_to_publish ("cam");
  c.metadata (true, false);
  const auto config = pattern (40, 5);
  c.message (6, kVideo, 1, 500, hevc_body (true, 0, config));
  c.message (6, kVideo, 1, 500, hevc_body (true, 1, { 0, 0, 0, 0, 0, 0, 4,
              0x26, 1, 2, 3 }));
  c.message (6, kVideo, 1, 540, hevc_body (false, 3, { 0, 0, 0, 2, 2, 1 }));
  c.message (6, kVideo, 1, 580, hevc_body (false, 1, { 0, 0, 40, 0, 0, 0, 2,
              2, 1 }));
  s.send (c.out);
  EXPECT_NE (s.answer ().find ("NetStream.Publish.Start"), std::string::npos);

  std::vector<GstClockTime> dts, pts;
  std::vector<bool> delta;
  for (int i = 0; i < 3; i++) {
    GstSample *sample = gst_app_sink_try_pull_sample (GST_APP_SINK (s.sink),
        5 * GST_SECOND);
    ASSERT_TRUE (sample) << "frame " << i;
    if (i == 0) {
      const GstStructure *caps = gst_caps_get_structure
          (gst_sample_get_caps (sample), 0);
      EXPECT_STREQ (gst_structure_get_name (caps), "video/x-h265");
      EXPECT_STREQ (gst_structure_get_string (caps, "stream-format"), "hvc1");
      const GValue *codec_data = gst_structure_get_value (caps, "codec_data");
      ASSERT_TRUE (codec_data);
      GstBuffer *cd = gst_value_get_buffer (codec_data);
      EXPECT_EQ (gst_buffer_get_size (cd), config.size ());
    }
    GstBuffer *buffer = gst_sample_get_buffer (sample);
    dts.push_back (GST_BUFFER_DTS (buffer));
    pts.push_back (GST_BUFFER_PTS (buffer));
    delta.push_back (GST_BUFFER_FLAG_IS_SET (buffer,
            GST_BUFFER_FLAG_DELTA_UNIT));
    gst_sample_unref (sample);
  }
  EXPECT_EQ (delta, (std::vector<bool> { false, true, true }));
  EXPECT_EQ (dts[1] - dts[0], 40 * GST_MSECOND);
  EXPECT_EQ (dts[2] - dts[1], 40 * GST_MSECOND);
  EXPECT_EQ (pts[2] - dts[2], 40 * GST_MSECOND);   // composition time

  // The publisher goes: end of stream.
  close (s.client);
  s.client = -1;
  GstBus *bus = gst_element_get_bus (s.pipeline);
  GstMessage *end = gst_bus_timed_pop_filtered (bus, 5 * GST_SECOND,
      (GstMessageType) (GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  ASSERT_TRUE (end);
  EXPECT_EQ (GST_MESSAGE_TYPE (end), GST_MESSAGE_EOS);
  gst_message_unref (end);
  gst_object_unref (bus);
}

TEST (RtmpServerSrc, APublisherRefusedByTheSignalIsToldAndAnErrorPosted)
{
  ServerOnPair s;
  g_signal_connect (s.src, "publish", G_CALLBACK (+[](GstElement *,
              const gchar *, const gchar * name, gpointer) -> gchar * {
            return g_str_has_prefix (name, "taken")
                ? g_strdup ("stream 'taken' already has a publisher")
                : nullptr;
          }), nullptr);
  ASSERT_NE (gst_element_set_state (s.pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_FAILURE);
  PublisherBytes c;
  c.up_to_publish ("taken");
  s.send (c.out);
  const std::string answer = s.answer ();
  EXPECT_NE (answer.find ("NetStream.Publish.BadName"), std::string::npos);
  EXPECT_NE (answer.find ("already has a publisher"), std::string::npos);
  GstBus *bus = gst_element_get_bus (s.pipeline);
  GstMessage *error = gst_bus_timed_pop_filtered (bus, 5 * GST_SECOND,
      GST_MESSAGE_ERROR);
  ASSERT_TRUE (error);
  GError *e = nullptr;
  gchar *debug = nullptr;
  gst_message_parse_error (error, &e, &debug);
  EXPECT_TRUE (g_error_matches (e, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_NOT_AUTHORIZED));
  EXPECT_NE (std::string (debug).find ("already has a publisher"),
      std::string::npos);
  g_clear_error (&e);
  g_free (debug);
  gst_message_unref (error);
  gst_object_unref (bus);
}
