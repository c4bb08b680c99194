// Helpers for end-to-end tests: the real camgate binary as a child process,
// real rtspsrc viewers and publishers, and raw RTSP requests.
#pragma once

#include <gio/gio.h>
#include <gst/gst.h>
#include <gst/rtsp/rtsp.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace camgate::testing {

// Polls `condition` every 50 ms until it holds or `timeout` passes.
bool wait_until (const std::function<bool ()> & condition,
    std::chrono::milliseconds timeout);

class TempDir
{
public:
  TempDir ();
  ~TempDir ();
  const std::string & path () const { return path_; }
  std::string write (const std::string & name, const std::string & text) const;
  void remove (const std::string & name) const;

private:
  std::string path_;
};

// camgate, started from the build tree with the given arguments (an RTSP
// port of 0 is added unless one is given).
class GatewayProcess
{
public:
  // camgate on a fresh pipelines folder holding `files` (name -> YAML).
  static std::unique_ptr<GatewayProcess> with_pipelines (const TempDir & dir,
      const std::vector<std::pair<std::string, std::string>> & files,
      std::vector<std::string> more_args = {});

  explicit GatewayProcess (std::vector<std::string> args);
  ~GatewayProcess ();

  bool ready () const { return rtsp_port_ > 0; }
  int rtsp_port () const { return rtsp_port_; }
  int http_port () const { return http_port_; }
  // With TLS configured: the RTSPS and HTTPS ports (0 otherwise).
  int rtsps_port () const { return rtsps_port_; }
  int rtmp_port () const { return rtmp_port_; }
  int rtmps_port () const { return rtmps_port_; }   // with TLS configured
  int srt_port () const { return srt_port_; }
  int https_port () const { return https_port_; }
  std::string url (const std::string & stream) const;
  std::string log () const;         // everything written to stderr so far
  bool wait_for_log (const std::string & text,
      std::chrono::milliseconds timeout) const;
  // Waits until `stream` is running (15 s).
  bool wait_running (const std::string & stream) const;
  bool running () const;
  // The process id (0 when it did not start).
  int pid () const;
  // Sockets the process holds open now (-1 when it is gone).
  int open_sockets () const;
  // Sends SIGTERM and waits; returns the seconds it took to exit, or < 0.
  double terminate (std::chrono::milliseconds timeout);
  // SIGKILL: no chance to clean up (a crash, a power cut for the process).
  void kill_hard ();

private:
  GSubprocess *process_ = nullptr;
  int rtsp_port_ = 0;
  int http_port_ = 0;
  int rtsps_port_ = 0;
  int rtmp_port_ = 0;
  int rtmps_port_ = 0;
  int srt_port_ = 0;
  int https_port_ = 0;
  std::thread stderr_reader_;
  mutable std::mutex lock_;
  std::string log_;
};

// A real RTSP viewer: rtspsrc ! <decode chain>, counting decoded frames.
class Viewer
{
public:
  static constexpr const char *kH264 = "rtph264depay ! h264parse ! avdec_h264";
  static constexpr const char *kH265 = "rtph265depay ! h265parse ! avdec_h265";

  Viewer (const std::string & uri, const std::string & protocols,
      const std::string & decode = kH264);
  ~Viewer ();
  int frames () const { return frames_; }
  // Waits for `count` decoded frames; false on timeout or error.
  bool wait_frames (int count, std::chrono::milliseconds timeout);
  std::string error () const;

private:
  GstElement *pipeline_ = nullptr;
  std::atomic<int> frames_ { 0 };
  std::string error_;
};

// A child process (argv[0] looked up in PATH), killed and reaped when this
// goes or stop() is called, however the test ends.
class ChildProcess
{
public:
  explicit ChildProcess (const std::vector<std::string> & argv,
      GSubprocessFlags flags = G_SUBPROCESS_FLAGS_NONE);
  ~ChildProcess ();
  ChildProcess (const ChildProcess &) = delete;
  ChildProcess & operator= (const ChildProcess &) = delete;

  bool started () const { return process_ != nullptr; }
  GSubprocess *get () const { return process_; }
  void stop ();

private:
  GSubprocess *process_ = nullptr;
};

// Publishes live H.264 to `uri` with rtspclientsink.
class Publisher
{
public:
  explicit Publisher (const std::string & uri,
      const std::string & protocols = "tcp");
  ~Publisher ();
  std::string error ();

private:
  GstElement *pipeline_ = nullptr;
};

// One RTSP request over a fresh GstRTSPConnection; returns the status code
// (0 on connection failure) and fills `response` headers/body as text.
struct RtspReply
{
  int status = 0;
  std::string session;
  std::string session_header;
  std::string body;
};

class RtspControl
{
public:
  explicit RtspControl (int port);
  ~RtspControl ();
  bool connected () const { return connection_ != nullptr; }
  RtspReply request (GstRTSPMethod method, const std::string & url,
      const std::vector<std::pair<std::string, std::string>> & headers = {},
      const std::string & body = {});
  // One interleaved packet ($ channel length data) on this connection, as a
  // RECORD client sends RTP over TCP.
  bool send_data (guint8 channel, const std::vector<guint8> & packet);
  // Shrinks the kernel's receive buffer of the connection: a client that
  // then stops reading holds the gateway's data back at once.
  void set_receive_buffer (int bytes);

private:
  GstRTSPConnection *connection_ = nullptr;
  int cseq_ = 1;
};

// A minimal ANNOUNCE body: one H.264 track.
extern const char *const kAnnounceSdp;

// Links `pad`, just added to `element`, to a new fakesink (no sync) in the
// same bin: a pad-added handler for tracks a test only watches.
void link_to_new_fakesink (GstElement * element, GstPad * pad);

// Sends raw bytes to 127.0.0.1:port (from the local address `from`, when
// given) and returns what came back (bounded).
std::string raw_exchange (int port, const std::string & bytes,
    const std::string & from = {});

// The command that runs tests/browser/<script> with node and playwright-core
// on Debian's chromium; "" when any of them (or CAMGATE_SOURCE_ROOT) is
// missing.
std::string browser_command (const std::string & script);

// The camgate binary under test ($CAMGATE_BIN, else the build tree's).
std::string camgate_binary ();

// One HTTP/1.0 request to 127.0.0.1:port; the status (0 when nothing came
// back) and the body.
struct HttpReply
{
  int status = 0;
  std::string headers;
  std::string body;
};
HttpReply http_request (int port, const std::string & method,
    const std::string & target, const std::string & body = {},
    const std::vector<std::pair<std::string, std::string>> & headers = {});
// GET /api/v1/events (Server-Sent Events) on a plain socket, with extra
// request `headers` ("Name: value\r\n" each): what it read so far, as text.
class EventReader
{
public:
  explicit EventReader (int port, const std::string & headers = "");
  ~EventReader ();
  EventReader (const EventReader &) = delete;
  EventReader & operator= (const EventReader &) = delete;

  // Reads until `pattern` (a std::regex) matches what was read, or `limit`
  // passes.
  bool wait_for (const std::string & pattern, std::chrono::milliseconds limit);
  const std::string & text () const { return text_; }

private:
  GSocketConnection *conn_ = nullptr;
  std::string text_;
};

// An Authorization header value: "Basic " and base64 of user:password.
std::string basic_auth (const std::string & user, const std::string & password);
// The value of header `name` in `reply` ("" when absent).
std::string header_value (const HttpReply & reply, const std::string & name);

// A loopback port free right now (TCP or UDP), for a server the test starts.
int free_port (GSocketType type);

}  // namespace camgate::testing
