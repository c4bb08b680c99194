// The codecs camgate carries, by elementary stream (AAC has two RTP packings,
// one codec). Pure C++: the ISO BMFF code and the codec table
// (media_codec.h) both speak it.
#pragma once

namespace camgate {

enum class CodecId { H264, H265, AAC, Opus, PCMA, PCMU };

}  // namespace camgate
