// The `transcode:` section of a pipeline file.
#pragma once

#include "config/stream_spec.h"
#include "config/yaml_reader.h"

namespace camgate {

// The encoder families `transcode.encoder` accepts besides an element name.
extern const std::vector<std::string> kEncoderFamilies;

// Whether the registry has an element `name` that encodes H.264 video.
bool is_h264_encoder_element (const std::string & name);

void read_transcode (YamlReader & reader, const YAML::Node & node,
    TranscodeSpec & spec);

}  // namespace camgate
