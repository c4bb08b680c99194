// Running outside tools from tests (ffprobe, promtool, node).
#pragma once

#include <string>
#include <vector>

namespace camgate::testing {

// Runs a shell command; returns what it printed (stdout and stderr) and sets
// `status` to its exit code.
std::string run_command (const std::string & command, int * status = nullptr);

// ffprobe on a file or URL: "codec,frames" lines per stream (frames counted
// by decoding), plus any error ffprobe printed. "" when ffprobe is missing.
std::string ffprobe_frames (const std::string & input);

// The same for bytes: written to a temporary file first.
std::string ffprobe_frames (const std::vector<uint8_t> & file);

bool have_program (const char *name);

}  // namespace camgate::testing
