#include "media/publisher_lease.h"

#include "events/event_bus.h"
#include "media/source_session.h"
#include "service/stream_log.h"

namespace camgate {

PublishSlot::PublishSlot (std::string stream, std::shared_ptr<RtpFanout> fanout,
    std::shared_ptr<HealthBoard> health, HealthSpec health_spec)
    : stream_ (std::move (stream)), fanout_ (std::move (fanout)),
      health_ (std::move (health)), health_spec_ (std::move (health_spec))
{
}

std::unique_ptr<PublisherLease>
PublishSlot::claim (const std::string & kind, const std::string & address)
{
  bool expected = false;
  if (!taken_.compare_exchange_strong (expected, true))
    return nullptr;
  {
    std::lock_guard<std::mutex> lk (info_lock_);
    info_ = PublisherInfo { kind, address, g_get_real_time () };
  }
  return std::unique_ptr<PublisherLease> (new PublisherLease (
          shared_from_this (), kind));
}

std::optional<PublisherInfo>
PublishSlot::publisher () const
{
  std::lock_guard<std::mutex> lk (info_lock_);
  return info_;
}

PublisherLease::PublisherLease (std::shared_ptr<PublishSlot> slot,
    std::string kind)
    : slot_ (std::move (slot)), kind_ (std::move (kind)),
      tracks_missing_ (std::make_shared<std::atomic<int>> (0))
{
}

PublisherLease::~PublisherLease ()
{
  end ("");
}

void
PublisherLease::begin (unsigned tracks)
{
  if (ended_ || begun_.exchange (true))
    return;
  tracks_missing_->store (static_cast<int> (tracks));
  slot_->fanout_->begin_session ();
  slot_->health_->begin_session ();
  log_stream (G_LOG_LEVEL_MESSAGE, slot_->stream_, "a publisher connected (%s)",
      kind_.c_str ());
  std::string address;
  if (auto info = slot_->publisher ())
    address = info->address;
  EventBus::gateway ().publish ("publisher.connected", slot_->stream_,
      { { "protocol", kind_ }, { "address", address } });
}

void
PublisherLease::add_track (GstBin * bin, GstPad * pad)
{
  if (!begun_ || ended_)
    return;
  GstPad *out = watch_track (bin, pad, slot_->health_spec_, *slot_->health_);
  feed_fanout_track (out, slot_->fanout_, next_track_++, tracks_missing_);
  gst_object_unref (out);
}

void
PublisherLease::end (const std::string & why)
{
  if (ended_.exchange (true))
    return;
  const bool begun = begun_;
  if (begun)
    slot_->fanout_->end_session ();
  {
    std::lock_guard<std::mutex> lk (slot_->info_lock_);
    slot_->info_.reset ();
  }
  slot_->taken_ = false;
  if (begun)
    EventBus::gateway ().publish ("publisher.gone", slot_->stream_,
        why.empty () ? EventBus::Fields { { "protocol", kind_ } }
        : EventBus::Fields { { "protocol", kind_ }, { "why", why } });
  if (begun && slot_->stopped_)
    slot_->stopped_ ("the " + kind_ + " publisher left"
        + (why.empty () ? "" : ": " + why));
}

}  // namespace camgate
