/* rtmpserversrc: takes one RTMP publisher (OBS, ffmpeg, an encoder) and
 * outputs its H.264/H.265 video and AAC audio.
 *
 *   gst-launch-1.0 rtmpserversrc port=1935 name=s  s.video ! h264parse !
 *       avdec_h264 ! autovideosink  s.audio ! aacparse ! avdec_aac !
 *       autoaudiosink
 *
 * It listens on #GstRtmpServerSrc:port for one connection, or speaks on an
 * already accepted #GstRtmpServerSrc:socket or #GstRtmpServerSrc:connection
 * (a server routing many publishers on one port, as the camgate gateway
 * does; a GTlsServerConnection for RTMPS). The protocol is in
 * rtmp_server_session.cpp; this element does the I/O and the pads. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_RTMP_SERVER_SRC (gst_rtmp_server_src_get_type ())
G_DECLARE_FINAL_TYPE (GstRtmpServerSrc, gst_rtmp_server_src, GST,
    RTMP_SERVER_SRC, GstElement)

GST_ELEMENT_REGISTER_DECLARE (rtmpserversrc);

G_END_DECLS
