// The pipeline of one publisher speaking a protocol camgate terminates
// itself (RTMP, SRT): a source element whose sometimes pads are the
// publisher's tracks (rtmpserversrc, tsdemux), each parsed and payloaded
// as the stream's other sources are (the codec table's chain) behind a
// queue, and fed to the stream through the publisher's lease once the
// element says no more pads come.
//
// The lease is handed over from the main context when the publisher is
// admitted; the pads come on the element's thread. `ended` runs on the
// main context when the pipeline ends (EOS: the publisher stopped; an
// error: why), once; the owner destroys the object afterwards, not from
// inside `ended`'s caller's stack (the bus watch), i.e. later on the main
// context.
#pragma once

#include "media/publisher_lease.h"

#include <gst/gst.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace camgate {

class PublisherPipeline
{
public:
  using Ended = std::function<void (const std::string & why)>;

  PublisherPipeline (const std::string & name, Ended ended);
  ~PublisherPipeline ();
  PublisherPipeline (const PublisherPipeline &) = delete;
  PublisherPipeline & operator= (const PublisherPipeline &) = delete;

  GstBin *bin () const { return GST_BIN (pipeline_); }
  // `element` (in bin()) adds the tracks' pads, then no-more-pads.
  void take_tracks_of (GstElement * element);
  bool play ();

  void set_lease (std::unique_ptr<PublisherLease> lease);
  std::unique_ptr<PublisherLease> take_lease ();

private:
  static void on_pad_added (GstElement *, GstPad * pad, gpointer self);
  static void on_no_more_pads (GstElement *, gpointer self);
  static gboolean on_bus (GstBus *, GstMessage * message, gpointer self);

  GstElement *pipeline_ = nullptr;
  guint bus_watch_ = 0;
  Ended ended_;

  std::mutex lock_;                       // the element's thread vs main
  std::unique_ptr<PublisherLease> lease_;
  std::vector<GstPad *> payloaded_;       // the tracks' RTP pads, in order
};

}  // namespace camgate
