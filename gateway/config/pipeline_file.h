// Pipeline files: one YAML file per stream (see docs/pipeline-files.md).
// Parsing is strict: unknown keys, wrong types and bad values are reported as
// "file:line: reason" and the file yields no stream.
#pragma once

#include "config/stream_spec.h"

#include <string>
#include <vector>

namespace camgate {

struct ConfigError
{
  std::string file;
  int line = 0;                    // 1-based; 0 when the error has no position
  std::string reason;

  std::string to_string () const;
};

struct PipelineSet
{
  std::vector<StreamSpec> streams;
  std::vector<ConfigError> errors;
  size_t files_seen = 0;           // pipeline files found, valid or not
};

// Parses one pipeline file's text. The stream is named after `file` (its base
// name without .yaml/.yml) unless the text says `name:`. Returns false and
// appends to `errors` when the text is not a valid pipeline file.
bool parse_pipeline_text (const std::string & text, const std::string & file,
    StreamSpec & spec, std::vector<ConfigError> & errors);

bool parse_pipeline_file (const std::string & path, StreamSpec & spec,
    std::vector<ConfigError> & errors);

// Whether `path` names a pipeline file (*.yaml / *.yml, not hidden).
bool is_pipeline_file_name (const std::string & path);

// Reads every pipeline file of the given directories and files, in name
// order, and rejects duplicate stream names (the later file loses).
PipelineSet load_pipeline_files (const std::vector<std::string> & paths);

}  // namespace camgate
