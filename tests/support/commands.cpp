#include "commands.h"

#include <glib.h>
#include <glib/gstdio.h>

#include <cstdio>
#include <fstream>

namespace camgate::testing {

std::string
run_command (const std::string & command, int * status)
{
  std::string output;
  FILE *pipe = popen ((command + " 2>&1").c_str (), "r");
  if (!pipe) {
    if (status)
      *status = -1;
    return output;
  }
  char buffer[1024];
  while (fgets (buffer, sizeof buffer, pipe))
    output += buffer;
  int code = pclose (pipe);
  if (status)
    *status = WEXITSTATUS (code);
  return output;
}

bool
have_program (const char *name)
{
  gchar *path = g_find_program_in_path (name);
  g_free (path);
  return path != nullptr;
}

std::string
ffprobe_frames (const std::string & input)
{
  if (!have_program ("ffprobe"))
    return "";
  return run_command ("ffprobe -v error -count_frames -show_entries "
      "stream=codec_name,nb_read_frames -of csv=p=0 '" + input + "'");
}

std::string
ffprobe_frames (const std::vector<uint8_t> & file)
{
  gchar *dir = g_dir_make_tmp ("camgate-probe-XXXXXX", nullptr);
  std::string path = std::string (dir) + "/input.mp4";
  std::ofstream (path, std::ios::binary).write (
      reinterpret_cast<const char *> (file.data ()), file.size ());
  std::string output = ffprobe_frames (path);
  g_remove (path.c_str ());
  g_rmdir (dir);
  g_free (dir);
  return output;
}

}  // namespace camgate::testing
