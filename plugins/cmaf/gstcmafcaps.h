// What CMAF here can carry: the sink caps of cmafchunkmux and cmafsink.
#pragma once

#define GST_CMAF_VIDEO_CAPS "video/x-h264, stream-format=(string)avc, " \
    "alignment=(string)au; video/x-h265, " \
    "stream-format=(string){ hvc1, hev1 }, alignment=(string)au"
#define GST_CMAF_AUDIO_CAPS "audio/mpeg, mpegversion=(int)4, " \
    "stream-format=(string)raw; audio/x-opus, channel-mapping-family=(int)0"
