#include "helpers.h"

#include <algorithm>

#include <gst/rtsp/rtsp.h>
#include <sys/socket.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>

namespace camgate::testing {

using namespace std::chrono;

const char *const kAnnounceSdp = "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=x\r\n"
    "c=IN IP4 127.0.0.1\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\n"
    "a=rtpmap:96 H264/90000\r\na=control:stream=0\r\n";

bool
wait_until (const std::function<bool ()> & condition, milliseconds timeout)
{
  auto deadline = steady_clock::now () + timeout;
  while (steady_clock::now () < deadline) {
    if (condition ())
      return true;
    std::this_thread::sleep_for (milliseconds (50));
  }
  return condition ();
}

TempDir::TempDir ()
{
  gchar *dir = g_dir_make_tmp ("camgate-test-XXXXXX", nullptr);
  path_ = dir;
  g_free (dir);
}

TempDir::~TempDir ()
{
  std::error_code ec;
  std::filesystem::remove_all (path_, ec);
}

std::string
TempDir::write (const std::string & name, const std::string & text) const
{
  // Write then rename, as an editor or the API would, so the gateway never
  // reads half a file.
  std::string path = path_ + "/" + name;
  std::string temp = path_ + "/.tmp-" + name;
  {
    std::ofstream out (temp);
    out << text;
  }
  std::filesystem::rename (temp, path);
  return path;
}

void
TempDir::remove (const std::string & name) const
{
  std::filesystem::remove (path_ + "/" + name);
}

std::string
camgate_binary ()
{
  const char *binary = g_getenv ("CAMGATE_BIN");
  return binary ? binary : "build/gateway/camgate";
}

GatewayProcess::GatewayProcess (std::vector<std::string> args)
{
  const std::string binary = camgate_binary ();
  std::vector<const gchar *> argv { binary.c_str () };
  for (const auto & a : args)
    argv.push_back (a.c_str ());
  // Every port free unless the test picks it: tests run in parallel.
  for (const char *flag : { "--rtsp-port", "--http-port", "--rtmp-port",
          "--rtmps-port", "--srt-port" }) {
    if (std::none_of (args.begin (), args.end (), [&](const std::string & a) {
              return a.rfind (flag, 0) == 0; })) {
      argv.push_back (flag);
      argv.push_back ("0");
    }
  }
  argv.push_back (nullptr);

  GError *error = nullptr;
  process_ = g_subprocess_newv (argv.data (), (GSubprocessFlags)
      (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE),
      &error);
  if (!process_) {
    log_ = std::string ("cannot start camgate: ") + error->message;
    g_clear_error (&error);
    return;
  }

  GInputStream *err = g_subprocess_get_stderr_pipe (process_);
  stderr_reader_ = std::thread ([this, err]() {
        char buffer[4096];
        gssize n;
        while ((n = g_input_stream_read (err, buffer, sizeof buffer, nullptr,
                    nullptr)) > 0) {
          std::lock_guard<std::mutex> lk (lock_);
          log_.append (buffer, n);
        }
      });

  // The ready line: "camgate ready: rtsp://ADDR:PORT/ http://ADDR:PORT/".
  GDataInputStream *out =
      g_data_input_stream_new (g_subprocess_get_stdout_pipe (process_));
  gchar *line;
  while ((line = g_data_input_stream_read_line (out, nullptr, nullptr,
              nullptr))) {
    std::string text (line);
    g_free (line);
    if (text.find ("camgate ready: ") != std::string::npos) {
      auto port_after = [&](const std::string & scheme) {
        auto start = text.find (scheme);
        if (start == std::string::npos)
          return 0;
        auto slash = text.find ('/', start + scheme.size ());
        auto colon = text.rfind (':', slash);
        return std::atoi (text.c_str () + colon + 1);
      };
      rtsp_port_ = port_after ("rtsp://");
      http_port_ = port_after ("http://");
      rtsps_port_ = port_after ("rtsps://");
      https_port_ = port_after ("https://");
      rtmp_port_ = port_after ("rtmp://");
      rtmps_port_ = port_after ("rtmps://");
      srt_port_ = port_after ("srt://");
      break;
    }
  }
  g_object_unref (out);
}

GatewayProcess::~GatewayProcess ()
{
  if (process_) {
    if (running ())
      terminate (milliseconds (3000));
    if (running ())
      g_subprocess_force_exit (process_);
    g_subprocess_wait (process_, nullptr, nullptr);
  }
  if (stderr_reader_.joinable ())
    stderr_reader_.join ();
  g_clear_object (&process_);
}

std::unique_ptr<GatewayProcess>
GatewayProcess::with_pipelines (const TempDir & dir,
    const std::vector<std::pair<std::string, std::string>> & files,
    std::vector<std::string> more_args)
{
  for (const auto & [name, text] : files)
    dir.write (name, text);
  more_args.insert (more_args.begin (), { "--pipelines", dir.path () });
  return std::make_unique<GatewayProcess> (std::move (more_args));
}

bool
GatewayProcess::wait_running (const std::string & stream) const
{
  return wait_for_log ("stream " + stream + ": running", seconds (15));
}

std::string
GatewayProcess::url (const std::string & stream) const
{
  return "rtsp://127.0.0.1:" + std::to_string (rtsp_port_) + "/" + stream;
}

std::string
GatewayProcess::log () const
{
  std::lock_guard<std::mutex> lk (lock_);
  return log_;
}

bool
GatewayProcess::wait_for_log (const std::string & text,
    milliseconds timeout) const
{
  return wait_until ([&]() { return log ().find (text) != std::string::npos; },
      timeout);
}

int
GatewayProcess::pid () const
{
  const gchar *id = process_ ? g_subprocess_get_identifier (process_) : nullptr;
  return id ? std::atoi (id) : 0;
}

int
GatewayProcess::open_sockets () const
{
  std::string folder = "/proc/" + std::to_string (pid ()) + "/fd";
  GDir *dir = g_dir_open (folder.c_str (), 0, nullptr);
  if (!dir)
    return -1;
  int sockets = 0;
  while (const gchar *name = g_dir_read_name (dir)) {
    gchar *target = g_file_read_link ((folder + "/" + name).c_str (), nullptr);
    sockets += target && g_str_has_prefix (target, "socket:");
    g_free (target);
  }
  g_dir_close (dir);
  return sockets;
}

bool
GatewayProcess::running () const
{
  return process_ && g_subprocess_get_identifier (process_) != nullptr;
}

double
GatewayProcess::terminate (milliseconds timeout)
{
  if (!running ())
    return -1;
  auto start = steady_clock::now ();
  g_subprocess_send_signal (process_, SIGTERM);
  // g_subprocess_get_identifier() turns NULL once the child is reaped, which
  // happens in the GLib worker thread.
  if (!wait_until ([&]() { return !running (); }, timeout))
    return -1;
  return duration<double> (steady_clock::now () - start).count ();
}

void
GatewayProcess::kill_hard ()
{
  if (!running ())
    return;
  g_subprocess_force_exit (process_);
  wait_until ([&]() { return !running (); }, milliseconds (5000));
}

static GstPadProbeReturn
count_frame (GstPad *, GstPadProbeInfo *, gpointer counter)
{
  (*static_cast<std::atomic<int> *> (counter))++;
  return GST_PAD_PROBE_OK;
}

Viewer::Viewer (const std::string & uri, const std::string & protocols,
    const std::string & decode)
{
  std::string launch = "rtspsrc location=" + uri + " protocols=" + protocols
      + " latency=100 ! " + decode + " ! fakesink name=sink sync=false";
  GError *error = nullptr;
  pipeline_ = gst_parse_launch (launch.c_str (), &error);
  if (!pipeline_) {
    error_ = error->message;
    g_clear_error (&error);
    return;
  }
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline_), "sink");
  GstPad *pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_frame, &frames_,
      nullptr);
  gst_object_unref (pad);
  gst_object_unref (sink);
  gst_element_set_state (pipeline_, GST_STATE_PLAYING);
}

Viewer::~Viewer ()
{
  if (pipeline_) {
    gst_element_set_state (pipeline_, GST_STATE_NULL);
    gst_object_unref (pipeline_);
  }
}

bool
Viewer::wait_frames (int count, milliseconds timeout)
{
  if (!pipeline_)
    return false;
  GstBus *bus = gst_element_get_bus (pipeline_);
  auto deadline = steady_clock::now () + timeout;
  bool ok = false;
  while (steady_clock::now () < deadline) {
    if (frames_ >= count) {
      ok = true;
      break;
    }
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, 50 * GST_MSECOND,
        (GstMessageType) (GST_MESSAGE_ERROR | GST_MESSAGE_EOS));
    if (msg) {
      if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
        // The debug text carries rtspsrc's RTSP status (e.g. "(455)").
        GError *error = nullptr;
        gchar *debug = nullptr;
        gst_message_parse_error (msg, &error, &debug);
        error_ = error->message;
        if (debug)
          error_ += std::string (" [") + debug + "]";
        g_clear_error (&error);
        g_free (debug);
      } else {
        error_ = "end of stream";
      }
      gst_message_unref (msg);
      break;
    }
  }
  gst_object_unref (bus);
  return ok || frames_ >= count;
}

std::string
Viewer::error () const
{
  return error_;
}

ChildProcess::ChildProcess (const std::vector<std::string> & argv,
    GSubprocessFlags flags)
{
  std::vector<const gchar *> args;
  for (const auto & arg : argv)
    args.push_back (arg.c_str ());
  args.push_back (nullptr);
  process_ = g_subprocess_newv (args.data (), flags, nullptr);
}

ChildProcess::~ChildProcess ()
{
  stop ();
}

void
ChildProcess::stop ()
{
  if (!process_)
    return;
  g_subprocess_force_exit (process_);
  g_subprocess_wait (process_, nullptr, nullptr);
  g_clear_object (&process_);
}

Publisher::Publisher (const std::string & uri, const std::string & protocols)
{
  std::string launch = "videotestsrc is-live=true pattern=smpte "
      "! video/x-raw,width=320,height=240,framerate=15/1 "
      "! x264enc tune=zerolatency speed-preset=ultrafast bitrate=300 "
      "key-int-max=15 ! h264parse ! rtspclientsink protocols=" + protocols
      + " location=" + uri;
  pipeline_ = gst_parse_launch (launch.c_str (), nullptr);
  if (pipeline_)
    gst_element_set_state (pipeline_, GST_STATE_PLAYING);
}

Publisher::~Publisher ()
{
  if (pipeline_) {
    gst_element_set_state (pipeline_, GST_STATE_NULL);
    gst_object_unref (pipeline_);
  }
}

std::string
Publisher::error ()
{
  if (!pipeline_)
    return "cannot build publisher";
  GstBus *bus = gst_element_get_bus (pipeline_);
  GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  std::string text;
  if (msg) {
    GError *error = nullptr;
    gst_message_parse_error (msg, &error, nullptr);
    text = error->message;
    g_clear_error (&error);
    gst_message_unref (msg);
  }
  gst_object_unref (bus);
  return text;
}

RtspControl::RtspControl (int port)
{
  GstRTSPUrl *url = nullptr;
  std::string text = "rtsp://127.0.0.1:" + std::to_string (port) + "/";
  gst_rtsp_url_parse (text.c_str (), &url);
  if (gst_rtsp_connection_create (url, &connection_) != GST_RTSP_OK) {
    gst_rtsp_url_free (url);
    connection_ = nullptr;
    return;
  }
  gst_rtsp_url_free (url);
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  GTimeVal timeout = { 5, 0 };
  if (gst_rtsp_connection_connect (connection_, &timeout) != GST_RTSP_OK) {
    gst_rtsp_connection_free (connection_);
    connection_ = nullptr;
  }
  G_GNUC_END_IGNORE_DEPRECATIONS
}

void
RtspControl::set_receive_buffer (int bytes)
{
  if (GSocket *socket = connection_
      ? gst_rtsp_connection_get_read_socket (connection_) : nullptr)
    g_socket_set_option (socket, SOL_SOCKET, SO_RCVBUF, bytes, nullptr);
}

RtspControl::~RtspControl ()
{
  if (connection_) {
    gst_rtsp_connection_close (connection_);
    gst_rtsp_connection_free (connection_);
  }
}

RtspReply
RtspControl::request (GstRTSPMethod method, const std::string & url,
    const std::vector<std::pair<std::string, std::string>> & headers,
    const std::string & body)
{
  RtspReply reply;
  if (!connection_)
    return reply;
  GstRTSPMessage *request = nullptr;
  gst_rtsp_message_new_request (&request, method, url.c_str ());
  gst_rtsp_message_add_header (request, GST_RTSP_HDR_CSEQ,
      std::to_string (cseq_++).c_str ());
  for (const auto & [name, value] : headers)
    gst_rtsp_message_add_header_by_name (request, name.c_str (),
        value.c_str ());
  if (!body.empty ())
    gst_rtsp_message_set_body (request,
        reinterpret_cast<const guint8 *> (body.data ()), body.size ());
  GstRTSPMessage *response = nullptr;
  gst_rtsp_message_new (&response);
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  GTimeVal timeout = { 5, 0 };
  if (gst_rtsp_connection_send (connection_, request, &timeout) == GST_RTSP_OK) {
    // Interleaved data may arrive before the reply once PLAY started.
    while (gst_rtsp_connection_receive (connection_, response, &timeout)
        == GST_RTSP_OK) {
      if (gst_rtsp_message_get_type (response) == GST_RTSP_MESSAGE_RESPONSE)
        break;
      gst_rtsp_message_unset (response);
      gst_rtsp_message_init (response);
    }
  }
  G_GNUC_END_IGNORE_DEPRECATIONS
  if (gst_rtsp_message_get_type (response) == GST_RTSP_MESSAGE_RESPONSE) {
    GstRTSPStatusCode code;
    const gchar *reason;
    GstRTSPVersion version;
    gst_rtsp_message_parse_response (response, &code, &reason, &version);
    reply.status = code;
    gchar *session = nullptr;
    if (gst_rtsp_message_get_header (response, GST_RTSP_HDR_SESSION, &session,
            0) == GST_RTSP_OK) {
      reply.session_header = session;
      reply.session = reply.session_header.substr (0,
          reply.session_header.find (';'));
    }
    guint8 *body = nullptr;
    guint size = 0;
    if (gst_rtsp_message_get_body (response, &body, &size) == GST_RTSP_OK
        && body)
      reply.body.assign (reinterpret_cast<char *> (body), size);
  }
  gst_rtsp_message_free (request);
  gst_rtsp_message_free (response);
  return reply;
}

std::string
browser_command (const std::string & script)
{
  gchar *node = g_find_program_in_path ("node");
  const char *root = g_getenv ("CAMGATE_SOURCE_ROOT");
  std::string command;
  if (node && root && g_file_test ("/usr/bin/chromium", G_FILE_TEST_EXISTS))
    command = "PLAYWRIGHT_CORE=" + std::string (root)
        + "/gateway/web/node_modules/playwright-core " + node + " "
        + std::string (root) + "/tests/browser/" + script;
  g_free (node);
  return command;
}

bool
RtspControl::send_data (guint8 channel, const std::vector<guint8> & packet)
{
  if (!connection_)
    return false;
  GstRTSPMessage *data = nullptr;
  gst_rtsp_message_new_data (&data, channel);
  // A buffer even when empty: GstRTSPConnection asserts on a missing body.
  GstBuffer *body = packet.empty () ? gst_buffer_new ()
      : gst_buffer_new_memdup (packet.data (), packet.size ());
  gst_rtsp_message_set_body_buffer (data, body);
  gst_buffer_unref (body);
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  GTimeVal timeout = { 5, 0 };
  bool sent = gst_rtsp_connection_send (connection_, data, &timeout)
      == GST_RTSP_OK;
  G_GNUC_END_IGNORE_DEPRECATIONS
  gst_rtsp_message_free (data);
  return sent;
}

void
link_to_new_fakesink (GstElement * element, GstPad * pad)
{
  GstElement *bin = GST_ELEMENT (gst_element_get_parent (element));
  GstElement *sink = gst_element_factory_make ("fakesink", nullptr);
  g_object_set (sink, "sync", FALSE, "async", FALSE, nullptr);
  gst_bin_add (GST_BIN (bin), sink);
  GstPad *sink_pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_link (pad, sink_pad);
  gst_object_unref (sink_pad);
  gst_element_sync_state_with_parent (sink);
  gst_object_unref (bin);
}

std::string
raw_exchange (int port, const std::string & bytes, const std::string & from)
{
  GSocketClient *client = g_socket_client_new ();
  g_socket_client_set_timeout (client, 2);
  if (!from.empty ()) {
    GSocketAddress *local = g_inet_socket_address_new_from_string (
        from.c_str (), 0);
    g_socket_client_set_local_address (client, local);
    g_object_unref (local);
  }
  std::string host = "127.0.0.1:" + std::to_string (port);
  GSocketConnection *conn = g_socket_client_connect_to_host (client,
      host.c_str (), port, nullptr, nullptr);
  std::string reply;
  if (conn) {
    GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
    g_output_stream_write_all (out, bytes.data (), bytes.size (), nullptr,
        nullptr, nullptr);
    GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
    char buffer[4096];
    gssize n = g_input_stream_read (in, buffer, sizeof buffer, nullptr,
        nullptr);
    if (n > 0)
      reply.assign (buffer, n);
    g_object_unref (conn);
  }
  g_object_unref (client);
  return reply;
}

}  // namespace camgate::testing

namespace camgate::testing {

HttpReply
http_request (int port, const std::string & method, const std::string & target,
    const std::string & body,
    const std::vector<std::pair<std::string, std::string>> & headers)
{
  HttpReply reply;
  GSocketClient *client = g_socket_client_new ();
  g_socket_client_set_timeout (client, 5);
  GSocketConnection *conn = g_socket_client_connect_to_host (client,
      "127.0.0.1", port, nullptr, nullptr);
  if (conn) {
    std::string request = method + " " + target + " HTTP/1.0\r\nHost: "
        "127.0.0.1\r\nContent-Length: " + std::to_string (body.size ())
        + "\r\n";
    for (const auto & [name, value] : headers)
      request += name + ": " + value + "\r\n";
    request += "\r\n" + body;
    GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
    g_output_stream_write_all (out, request.data (), request.size (), nullptr,
        nullptr, nullptr);
    GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
    std::string raw;
    char buffer[8192];
    gssize n;
    while (raw.size () < (8u << 20) && (n = g_input_stream_read (in, buffer,
                sizeof buffer, nullptr, nullptr)) > 0)
      raw.append (buffer, n);
    g_object_unref (conn);
    if (raw.rfind ("HTTP/1.", 0) == 0 && raw.size () > 12)
      reply.status = std::atoi (raw.c_str () + 9);
    auto split = raw.find ("\r\n\r\n");
    if (split != std::string::npos) {
      reply.headers = raw.substr (0, split);
      reply.body = raw.substr (split + 4);
    }
  }
  g_object_unref (client);
  return reply;
}

std::string
basic_auth (const std::string & user, const std::string & password)
{
  const std::string pair = user + ":" + password;
  gchar *encoded = g_base64_encode (reinterpret_cast<const guchar *>
      (pair.data ()), pair.size ());
  std::string out = std::string ("Basic ") + encoded;
  g_free (encoded);
  return out;
}

std::string
header_value (const HttpReply & reply, const std::string & name)
{
  std::string lower = reply.headers;
  for (auto & c : lower)
    c = g_ascii_tolower (c);
  std::string key = "\n" + name + ":";
  for (auto & c : key)
    c = g_ascii_tolower (c);
  auto at = lower.find (key);
  if (at == std::string::npos)
    return "";
  auto start = at + key.size ();
  auto end = reply.headers.find ('\r', start);
  std::string value = reply.headers.substr (start, end - start);
  value.erase (0, value.find_first_not_of (' '));
  return value;
}

int
free_port (GSocketType type)
{
  GSocket *socket = g_socket_new (G_SOCKET_FAMILY_IPV4, type,
      G_SOCKET_PROTOCOL_DEFAULT, nullptr);
  GInetAddress *loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  GSocketAddress *any = g_inet_socket_address_new (loopback, 0);
  g_socket_bind (socket, any, TRUE, nullptr);
  GSocketAddress *bound = g_socket_get_local_address (socket, nullptr);
  const int port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS
      (bound));
  g_object_unref (bound);
  g_object_unref (any);
  g_object_unref (loopback);
  g_object_unref (socket);
  return port;
}


EventReader::EventReader (int port, const std::string & headers)
{
  GSocketClient *client = g_socket_client_new ();
  g_socket_client_set_timeout (client, 10);
  conn_ = g_socket_client_connect_to_host (client, "127.0.0.1", port,
      nullptr, nullptr);
  g_object_unref (client);
  if (!conn_)
    return;
  const std::string request = "GET /api/v1/events HTTP/1.1\r\n"
      "Host: 127.0.0.1\r\nAccept: text/event-stream\r\n" + headers + "\r\n";
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM
          (conn_)), request.data (), request.size (), nullptr, nullptr,
      nullptr);
}

EventReader::~EventReader ()
{
  if (conn_)
    g_object_unref (conn_);
}

bool
EventReader::wait_for (const std::string & pattern,
    std::chrono::milliseconds limit)
{
  const std::regex re (pattern);
  const auto end = std::chrono::steady_clock::now () + limit;
  GSocket *socket = conn_ ? g_socket_connection_get_socket (conn_) : nullptr;
  while (socket) {
    if (std::regex_search (text_, re))
      return true;
    const auto left = std::chrono::duration_cast<std::chrono::microseconds>
        (end - std::chrono::steady_clock::now ()).count ();
    if (left <= 0 || !g_socket_condition_timed_wait (socket, G_IO_IN, left,
            nullptr, nullptr))
      return false;
    char buffer[4096];
    const gssize got = g_socket_receive (socket, buffer, sizeof buffer,
        nullptr, nullptr);
    if (got <= 0)
      return std::regex_search (text_, re);
    text_.append (buffer, got);
  }
  return false;
}

}  // namespace camgate::testing
