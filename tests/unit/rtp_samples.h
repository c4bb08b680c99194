// RTP caps and packets for the unit tests of the code the fanout feeds.
#pragma once

#include <gst/gst.h>
#include <gst/rtp/gstrtpbuffer.h>

#include <cstdint>

// H.264 camera caps as rtspsrc gives them, session fields included.
inline GstCaps *
video_caps (const char *sprop = "Z0LAHpZSAoP2AiAAAAMAIAAABgHixck=,aMuMsg==")
{
  return gst_caps_new_simple ("application/x-rtp", "media", G_TYPE_STRING,
      "video", "clock-rate", G_TYPE_INT, 90000, "encoding-name", G_TYPE_STRING,
      "H264", "payload", G_TYPE_INT, 96, "sprop-parameter-sets", G_TYPE_STRING,
      sprop, "ssrc", G_TYPE_UINT, 1234u, "seqnum-base", G_TYPE_UINT, 100u,
      "ssrc-1234-cname", G_TYPE_STRING, "user1@host", nullptr);
}

// A packet of payload type 96 with 20 bytes of payload.
inline GstBuffer *
rtp_packet (uint32_t ssrc, uint16_t seq, uint32_t ts, bool marker = true)
{
  GstBuffer *buffer = gst_rtp_buffer_new_allocate (20, 0, 0);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  gst_rtp_buffer_map (buffer, GST_MAP_WRITE, &rtp);
  gst_rtp_buffer_set_ssrc (&rtp, ssrc);
  gst_rtp_buffer_set_seq (&rtp, seq);
  gst_rtp_buffer_set_timestamp (&rtp, ts);
  gst_rtp_buffer_set_payload_type (&rtp, 96);
  gst_rtp_buffer_set_marker (&rtp, marker);
  gst_rtp_buffer_unmap (&rtp);
  return buffer;
}
