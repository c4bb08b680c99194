#include "http/metrics.h"

#include "cluster/cluster_node.h"
#include "events/webhooks.h"
#include "recording/recording_output.h"
#include "stream/stream_manager.h"
#include "system/machine_monitor.h"
#include "transcode/rendition_ladder.h"

#include <glib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

namespace camgate {

namespace {

// One metric family: HELP and TYPE once, then its samples.
class Family
{
public:
  Family (const char *name, const char *type, const char *help)
      : name_ (name), type_ (type), help_ (help) {}

  void add (const std::vector<std::pair<std::string, std::string>> & labels,
      double value)
  {
    std::ostringstream sample;
    sample << name_;
    if (!labels.empty ()) {
      sample << '{';
      for (size_t i = 0; i < labels.size (); i++)
        sample << (i ? "," : "") << labels[i].first << "=\""
            << escape (labels[i].second) << '"';
      sample << '}';
    }
    sample << ' ' << format (value) << '\n';
    samples_ += sample.str ();
  }

  void write (std::ostringstream & out) const
  {
    out << "# HELP " << name_ << ' ' << help_ << '\n';
    out << "# TYPE " << name_ << ' ' << type_ << '\n';
    out << samples_;
  }

private:
  static std::string escape (const std::string & value)
  {
    std::string out;
    for (char c : value) {
      if (c == '\\' || c == '"')
        out += '\\';
      if (c == '\n') {
        out += "\\n";
        continue;
      }
      out += c;
    }
    return out;
  }

  static std::string format (double value)
  {
    char buffer[G_ASCII_DTOSTR_BUF_SIZE];
    return g_ascii_dtostr (buffer, sizeof buffer, value);
  }

  std::string name_, type_, help_, samples_;
};

struct ProcessFigures
{
  double cpu_seconds = 0;
  double resident_bytes = 0;
  double open_fds = 0;
};

ProcessFigures
read_process ()
{
  ProcessFigures p;
  std::ifstream stat ("/proc/self/stat");
  std::string text ((std::istreambuf_iterator<char> (stat)),
      std::istreambuf_iterator<char> ());
  auto close = text.rfind (')');
  if (close != std::string::npos) {
    std::istringstream fields (text.substr (close + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; fields >> field; i++) {
      if (i == 14)
        utime = std::stoull (field);
      if (i == 15) {
        stime = std::stoull (field);
        break;
      }
    }
    p.cpu_seconds = double (utime + stime) / sysconf (_SC_CLK_TCK);
  }
  std::ifstream status ("/proc/self/status");
  std::string line;
  while (std::getline (status, line))
    if (line.rfind ("VmRSS:", 0) == 0)
      p.resident_bytes = std::atof (line.c_str () + 6) * 1024;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator ("/proc/self/fd", ec);
      !ec && it != std::filesystem::directory_iterator (); it.increment (ec))
    p.open_fds++;
  return p;
}

const double kStartTime = g_get_real_time () / 1e6;

using Labels = std::vector<std::pair<std::string, std::string>>;

// The per-stream families, filled one stream at a time.
struct StreamFamilies
{
  Family up { "camgate_stream_up", "gauge",
      "1 while the stream's source delivers data" };
  Family state { "camgate_stream_state", "gauge",
      "The stream's state: 1 for the current one" };
  Family health { "camgate_stream_health", "gauge",
      "The stream's health: 1 for the current one" };
  Family reason { "camgate_stream_health_reason", "gauge",
      "1 for each reason the stream is degraded or stalled" };
  Family reconnects { "camgate_stream_reconnects_total", "counter",
      "Times the stream's source was restarted after a failure" };
  Family uptime { "camgate_stream_uptime_seconds", "gauge",
      "Seconds since the stream's source started delivering data" };
  Family bytes_in { "camgate_stream_received_bytes_total", "counter",
      "RTP bytes received from the source" };
  Family packets_in { "camgate_stream_received_packets_total", "counter",
      "RTP packets received from the source" };
  Family bytes_out { "camgate_stream_sent_bytes_total", "counter",
      "RTP bytes handed to the stream's outputs (once per output media)" };
  Family repairs { "camgate_stream_timestamp_repairs_total", "counter",
      "Times a broken source timestamp was rebased" };
  Family viewers { "camgate_stream_viewers", "gauge",
      "Viewers (sessions) per protocol" };
  Family recording { "camgate_stream_recording", "gauge",
      "1 while a stream with record: is writing; 0 while it waits or is "
      "paused (a write error such as a full disk)" };
  Family rendition_running { "camgate_rendition_running", "gauge",
      "1 while a transcoded rendition is being encoded" };
  Family rendition_frames { "camgate_rendition_frames_total", "counter",
      "Frames a rendition's encoder produced" };
  Family rendition_bytes { "camgate_rendition_sent_bytes_total", "counter",
      "RTP bytes a rendition produced" };
  Family rendition_viewers { "camgate_rendition_viewers", "gauge",
      "RTSP players and WHEP viewers of a rendition" };
  Family rendition_latency { "camgate_rendition_encode_latency_seconds",
      "gauge", "Time a rendition's frames take from the encoder's input to "
      "RTP, averaged over the last frames (0 while it does not run)" };

  void add (const Stream & stream, const StreamHealthSummary & summary);
  void write (std::ostringstream & out) const
  {
    for (const Family *f : { &up, &state, &health, &reason, &reconnects,
            &uptime, &bytes_in, &packets_in, &bytes_out, &repairs, &viewers,
            &recording, &rendition_running, &rendition_frames,
            &rendition_bytes, &rendition_viewers, &rendition_latency })
      f->write (out);
  }
};

void
StreamFamilies::add (const Stream & stream,
    const StreamHealthSummary & summary)
{
  static const char *states[] = { "starting", "running", "retrying",
    "stalled", "waiting", "standby", "stopped" };
  static const char *healths[] = { "healthy", "degraded", "stalled" };
  const std::string & name = stream.spec ().name;
  const std::string current = to_string (stream.state ());
  const auto counters = stream.fanout ()->counters ();
  const Labels label { { "stream", name } };

  up.add (label, current == "running" ? 1 : 0);
  for (const char *s : states)
    state.add ({ { "stream", name }, { "state", s } }, current == s);
  for (const char *h : healths)
    health.add ({ { "stream", name }, { "health", h } }, summary.state == h);
  for (const auto & r : summary.reasons)
    reason.add ({ { "stream", name }, { "reason", r } }, 1);
  reconnects.add (label, stream.restarts ());
  uptime.add (label, stream.uptime_seconds ());
  bytes_in.add (label, counters.bytes_in);
  packets_in.add (label, counters.packets_in);
  bytes_out.add (label, counters.bytes_out);
  repairs.add (label, counters.timestamp_repairs);
  for (ReaderKind kind : kReaderKinds)
    viewers.add ({ { "stream", name }, { "protocol", to_string (kind) } },
        stream.readers (kind)->count ());
  if (auto rec = stream.output<RecordingOutput> ())
    recording.add (label, rec->status () == "recording" ? 1 : 0);
  if (auto ladder = stream.output<transcode::RenditionLadder> ()) {
    const std::string encoder = ladder->encoder ().element;
    for (const auto & r : ladder->renditions ()) {
      const Labels labels { { "stream", name }, { "rendition", r.spec.name } };
      rendition_running.add ({ { "stream", name }, { "rendition", r.spec.name },
            { "encoder", encoder } }, r.running);
      rendition_frames.add (labels, r.frames);
      rendition_bytes.add (labels, r.bytes);
      rendition_viewers.add (labels, r.readers);
      rendition_latency.add (labels, r.encode_latency_us / 1e6);
    }
  }
}

// The per-track families.
struct TrackFamilies
{
  Family bitrate { "camgate_track_bytes_per_second", "gauge",
      "Data rate of a track over the health window (bitrate / 8)" };
  Family fps { "camgate_track_frames_per_second", "gauge",
      "Frame rate (audio: packet rate) of a track over the health window" };
  Family gop { "camgate_track_gop_seconds", "gauge",
      "Time between the last two keyframes of a video track" };
  Family lost { "camgate_track_lost_packets_total", "counter",
      "RTP packets of a track that never arrived" };
  Family stalls { "camgate_track_stalls_total", "counter",
      "Times a track stopped delivering data for the stall timeout" };

  void add (const std::string & stream, const StreamHealthSummary & summary)
  {
    std::map<std::string, int> seen;
    for (const auto & t : summary.tracks) {
      // Tracks are named by media, numbered when a stream has several.
      std::string track = t.media.empty () ? "track" : t.media;
      int n = seen[track]++;
      if (n)
        track += std::to_string (n);
      const Labels labels { { "stream", stream }, { "track", track },
        { "codec", t.encoding } };
      bitrate.add (labels, t.bitrate / 8.0);
      fps.add (labels, t.fps);
      if (t.media == "video")
        gop.add (labels, t.gop_seconds);
      lost.add (labels, t.packets_lost);
      stalls.add (labels, t.stalls);
    }
  }
  void write (std::ostringstream & out) const
  {
    for (const Family *f : { &bitrate, &fps, &gop, &lost, &stalls })
      f->write (out);
  }
};

// The process families Prometheus clients export by convention.
void
write_process (std::ostringstream & out)
{
  const ProcessFigures process = read_process ();
  Family cpu ("process_cpu_seconds_total", "counter",
      "Total user and system CPU time spent in seconds");
  Family memory ("process_resident_memory_bytes", "gauge",
      "Resident memory size in bytes");
  Family fds ("process_open_fds", "gauge", "Number of open file descriptors");
  Family start ("process_start_time_seconds", "gauge",
      "Start time of the process since unix epoch in seconds");
  cpu.add ({}, process.cpu_seconds);
  memory.add ({}, process.resident_bytes);
  fds.add ({}, process.open_fds);
  start.add ({}, kStartTime);
  for (const Family *f : { &cpu, &memory, &fds, &start })
    f->write (out);
}

// The filesystem holding the recordings: what the disk alert watches.
void
write_recordings_disk (const std::string & dir, std::ostringstream & out)
{
  uint64_t total = 0, available = 0;
  if (!filesystem_space (dir, total, available))
    return;                        // not made yet: nothing recorded
  Family size ("camgate_recordings_filesystem_size_bytes", "gauge",
      "Size of the filesystem holding the recordings");
  Family free ("camgate_recordings_filesystem_free_bytes", "gauge",
      "Free space on the filesystem holding the recordings");
  size.add ({}, total);
  free.add ({}, available);
  size.write (out);
  free.write (out);
}

// Per webhook receiver (label url: without userinfo or query).
void
write_webhooks (const Webhooks & webhooks, std::ostringstream & out)
{
  const auto figures = webhooks.figures ();
  if (figures.empty ())
    return;
  Family delivered ("camgate_webhook_delivered_total", "counter",
      "Events a webhook receiver took (2xx)");
  Family failures ("camgate_webhook_failures_total", "counter",
      "Deliveries that failed and were retried");
  Family dropped ("camgate_webhook_dropped_total", "counter",
      "Events dropped because too many waited for the receiver");
  Family waiting ("camgate_webhook_waiting", "gauge",
      "Events waiting for the receiver");
  for (const auto & f : figures) {
    const std::vector<std::pair<std::string, std::string>> label
        { { "url", f.url } };
    delivered.add (label, f.delivered);
    failures.add (label, f.failed);
    dropped.add (label, f.dropped);
    waiting.add (label, f.waiting);
  }
  for (const Family * family : { &delivered, &failures, &dropped, &waiting })
    family->write (out);
}

void
write_cluster (const ClusterNode & cluster, std::ostringstream & out)
{
  const auto view = cluster.view ();
  Family registered ("camgate_cluster_registered", "gauge",
      "1 while this node's lease is alive and its name registered in etcd");
  registered.add ({ { "node", cluster.config ().node } }, view.registered);
  Family nodes ("camgate_cluster_nodes", "gauge",
      "Nodes registered in the cluster, as this node last read etcd");
  nodes.add ({}, view.members.size ());
  // Each node's load, as it last wrote it: one scrape of any node shows
  // the whole cluster.
  Family owned ("camgate_cluster_node_streams", "gauge",
      "Streams each node owns (pulls the camera of)");
  Family viewers ("camgate_cluster_node_viewers", "gauge",
      "Readers of each node's streams, edges pulling from it included");
  Family cpu ("camgate_cluster_node_cpu_percent", "gauge",
      "Each node's CPU use, percent of one core");
  for (const auto & member : view.members) {
    owned.add ({ { "node", member.node } }, member.streams);
    viewers.add ({ { "node", member.node } }, member.viewers);
    cpu.add ({ { "node", member.node } }, member.cpu);
  }
  for (const Family * family : { &registered, &nodes, &owned, &viewers, &cpu })
    family->write (out);
}

}  // namespace

std::string
render_metrics (const StreamManager & streams, const Webhooks * webhooks,
    const ClusterNode * cluster, const std::string & recordings_dir)
{
  Family info ("camgate_build_info", "gauge",
      "Version of the running camgate, as a label");
  info.add ({ { "version", VERSION } }, 1);
  StreamFamilies per_stream;
  TrackFamilies per_track;
  for (const auto & stream : streams.streams ()) {
    // One reading, so a stream's reasons and its tracks agree.
    const StreamHealthSummary summary = stream->health ();
    per_stream.add (*stream, summary);
    per_track.add (stream->spec ().name, summary);
  }
  std::ostringstream out;
  info.write (out);
  per_stream.write (out);
  per_track.write (out);
  if (webhooks)
    write_webhooks (*webhooks, out);
  if (cluster)
    write_cluster (*cluster, out);
  if (!recordings_dir.empty ())
    write_recordings_disk (recordings_dir, out);
  write_process (out);
  return out.str ();
}

}  // namespace camgate
