#include "http/system_api.h"

#include "http/http_server.h"
#include "http/json_text.h"
#include "stream/stream_manager.h"
#include "system/log_tail.h"
#include "system/machine_monitor.h"

namespace camgate {

void
send_system (SoupServerMessage * message, const MachineMonitor & monitor,
    const StreamManager & streams)
{
  const MachineMonitor::Reading now = monitor.reading ();
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  json_member (b, "version", VERSION);
  json_number_member (b, "uptime_s", now.uptime_s);

  json_builder_set_member_name (b, "cpu");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "cores");
  json_builder_begin_array (b);
  for (double core : now.cores)
    json_builder_add_double_value (b, core);
  json_builder_end_array (b);
  json_number_member (b, "camgate", now.process_cpu);
  json_builder_end_object (b);

  json_builder_set_member_name (b, "memory");
  json_builder_begin_object (b);
  json_number_member (b, "total", now.memory_total);
  json_number_member (b, "available", now.memory_available);
  json_number_member (b, "camgate", now.process_memory);
  json_builder_end_object (b);

  json_builder_set_member_name (b, "network");
  json_builder_begin_object (b);
  json_number_member (b, "in", now.network_in * 8);
  json_number_member (b, "out", now.network_out * 8);
  json_builder_end_object (b);

  json_builder_set_member_name (b, "disk");
  json_builder_begin_object (b);
  json_number_member (b, "size", now.disk_size);
  json_number_member (b, "free", now.disk_free);
  json_builder_end_object (b);

  // camgate's CPU shared out by received bitrate: an estimate (most of a
  // relay's work is per packet), not a measurement.
  std::vector<std::pair<std::string, double>> bitrates;
  double total = 0;
  for (const auto & stream : streams.streams ()) {
    double bits = 0;
    for (const auto & track : stream->health ().tracks)
      bits += track.bitrate;
    bitrates.emplace_back (stream->spec ().name, bits);
    total += bits;
  }
  json_builder_set_member_name (b, "streams");
  json_builder_begin_array (b);
  for (const auto & [name, bits] : bitrates) {
    json_builder_begin_object (b);
    json_member (b, "name", name);
    json_number_member (b, "bitrate", bits);
    json_number_member (b, "cpu_estimate", total > 0 ? now.process_cpu * bits / total : 0);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  json_builder_end_object (b);
  send_json (message, SOUP_STATUS_OK, finish_json (b));
}

void
send_log_tail (SoupServerMessage * message)
{
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "lines");
  json_builder_begin_array (b);
  for (const auto & line : LogTail::install ().lines ())
    json_builder_add_string_value (b, line.c_str ());
  json_builder_end_array (b);
  json_builder_end_object (b);
  send_json (message, SOUP_STATUS_OK, finish_json (b));
}

}  // namespace camgate
