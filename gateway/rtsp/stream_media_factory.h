// CamgateStreamMediaFactory: the gst-rtsp-server media factory of one stream.
//
// For players it builds a media whose "payloaders" are appsrc elements fed by
// the stream's RtpFanout, so the camera's RTP packets are relayed without
// depayloading. The media is shared: every viewer of a stream is served by
// one media and the camera sees a single session.
//
// For `source: publish` streams an ANNOUNCE on the same path builds a RECORD
// media whose received RTP feeds the fanout, so players of that path see what
// the publisher sends.
#pragma once

#include "media/mount_target.h"

#include <gst/rtsp-server/rtsp-server.h>

#include <memory>

G_BEGIN_DECLS

#define CAMGATE_TYPE_STREAM_MEDIA_FACTORY \
    (camgate_stream_media_factory_get_type ())
G_DECLARE_FINAL_TYPE (CamgateStreamMediaFactory, camgate_stream_media_factory,
    CAMGATE, STREAM_MEDIA_FACTORY, GstRTSPMediaFactory);

G_END_DECLS

GstRTSPMediaFactory *camgate_stream_media_factory_new (
    std::shared_ptr<camgate::MountTarget> target);

std::shared_ptr<camgate::MountTarget> camgate_stream_media_factory_get_target (
    CamgateStreamMediaFactory * factory);
