// PushOutput: the stream pushed as it is to one target of `outputs.push`:
// rtmp:// or rtmps:// (FLV, H.264 + AAC: rtmp2sink) or srt:// (MPEG-TS,
// H.264/H.265 + AAC/Opus: srtsink as caller). Not re-encoded, but for audio
// the container cannot carry (G.711, and Opus over RTMP), which goes to AAC
// once. A target that fails or goes away is retried with backoff (1 s,
// doubling to 30 s; back to 1 s after a minute connected), forever.
#pragma once

#include "config/stream_spec.h"
#include "media/fanout_output.h"

#include <atomic>
#include <cstdint>
#include <string>

namespace camgate {

class PushOutput : public FanoutOutput
{
public:
  PushOutput (const std::string & stream, const PushTarget & target,
      std::shared_ptr<RtpFanout> fanout);
  ~PushOutput () override;

  void update (const OutputTick & tick) override;
  bool owner_only () const override { return true; }

  struct Status
  {
    std::string url;               // redacted
    std::string state;             // connected, connecting, retrying, waiting
    uint64_t bytes = 0;            // sent on the target's connections, all attempts
    std::string last_error;
  };
  Status status () const;

  // `url` without what grants access: the stream key (an RTMP URL's last
  // path segment), query values (an SRT streamid or passphrase), userinfo.
  static std::string redacted (const std::string & url);

protected:
  bool describe (const RtpFanout::Layout & layout, std::string & description,
      std::string & error) override;
  void started (GstElement * pipeline) override;
  void stopped () override;

private:
  void read_sink_stats (int64_t now_us);

  const std::string url_;
  const bool tls_verify_;
  const bool rtmp_;
  std::atomic<uint64_t> bytes_ { 0 };
  std::atomic<int64_t> last_byte_us_ { 0 };
  std::atomic<bool> accepted_ { false };
  // Main context: the running attempt's sink and what it had sent.
  GstElement *sink_ = nullptr;
  uint64_t attempt_bytes_ = 0;
  // Main context: the retry schedule.
  bool was_running_ = false;
  int64_t started_us_ = 0;
  int64_t retry_at_us_ = 0;
  int64_t backoff_us_ = G_USEC_PER_SEC;
};

}  // namespace camgate
