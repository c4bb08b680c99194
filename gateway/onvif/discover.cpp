#include "onvif/discover.h"

#include "onvif_client.h"
#include "onvif_discovery.h"

#include "config/text_helpers.h"

#include <glib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

namespace camgate {

namespace {

struct Camera
{
  onvif::DiscoveredDevice found;
  std::string device_url;          // the advertised address that answers
  std::string address;             // host[:port] of the device service
  onvif::DeviceInformation info;
  std::vector<onvif::Profile> profiles;
  std::vector<std::string> uris;   // per profile ("" when not given)
  std::string error;
};


// A stream name from what the camera says about itself.
std::string
stream_name (const Camera & camera)
{
  std::string base = camera.found.scope_value ("name");
  if (base.empty ())
    base = camera.info.model.empty () ? camera.address : camera.info.model
        + "-" + camera.address;
  std::string out;
  for (char c : base)
    out += g_ascii_isalnum (c) || c == '-' || c == '_' ? g_ascii_tolower (c)
        : '-';
  while (out.find ("--") != std::string::npos)
    out.erase (out.find ("--"), 1);
  out.erase (0, out.find_first_not_of ('-'));
  if (out.size () > 48)
    out.resize (48);
  return out.empty () ? "camera" : out;
}

std::string
with_credentials (const std::string & address, const onvif::Credentials & c)
{
  if (c.empty ())
    return "onvif://" + address;
  gchar *user = g_uri_escape_string (c.user.c_str (), nullptr, FALSE);
  gchar *pass = g_uri_escape_string (c.password.c_str (), nullptr, FALSE);
  std::string out = "onvif://" + std::string (user) + ":" + pass + "@"
      + address;
  g_free (user);
  g_free (pass);
  return out;
}

// Listens for cameras for `timeout_ms`, probing twice; false (and why) when
// discovery cannot start.
bool
find_cameras (const std::vector<std::string> & targets, uint32_t timeout_ms,
    std::map<std::string, Camera> & cameras, std::string & error)
{
  onvif::OnvifDiscovery discovery (targets);
  std::string warning;
  if (!discovery.open (error, warning))
    return false;
  if (!warning.empty ())
    g_printerr ("camgate discover: %s\n", warning.c_str ());
  auto collect = [&](const onvif::DiscoveryMessage & message,
      const std::string &) {
    if (message.kind == onvif::DiscoveryKind::Bye)
      return;
    for (const auto & d : message.devices)
      if (!d.xaddrs.empty ())
        cameras.emplace (d.endpoint, Camera { d, {}, {} });
  };
  discovery.probe ();
  discovery.receive_for (timeout_ms / 2, collect);
  discovery.probe ();
  discovery.receive_for (timeout_ms - timeout_ms / 2, collect);
  return true;
}

// Asks the camera what it is and what it streams; camera.error says why
// not.
void
query_camera (Camera & camera, const onvif::Credentials & credentials)
{
  std::string problem;
  camera.device_url = onvif::first_answering_address (camera.found.xaddrs,
      3, problem);
  camera.address = onvif::device_authority (camera.device_url);
  onvif::OnvifClient client (camera.device_url, credentials);
  if (client.connect (problem)) {
    client.device_information (camera.info, problem);
    problem.clear ();
    if (client.profiles (camera.profiles, problem)) {
      for (const auto & p : camera.profiles) {
        std::string uri, uri_error;
        if (client.stream_uri (p.token, uri, uri_error))
          uri = onvif::rewrite_host (uri, client.host ());
        camera.uris.push_back (uri);
      }
    }
  }
  camera.error = problem;
}

void
print_camera (const Camera & camera)
{
  g_print ("%s  %s%s%s\n", camera.address.c_str (),
      camera.info.manufacturer.c_str (), camera.info.manufacturer.empty ()
      ? "" : " ", camera.info.model.empty () ? camera.found.scope_value
      ("hardware").c_str () : camera.info.model.c_str ());
  g_print ("  device:  %s\n", camera.device_url.c_str ());
  if (!camera.error.empty ()) {
    g_print ("  error:   %s\n", camera.error.c_str ());
    return;
  }
  const onvif::Profile *main = onvif::main_profile (camera.profiles);
  for (size_t i = 0; i < camera.profiles.size (); i++) {
    const auto & p = camera.profiles[i];
    const std::string fps = p.fps > 0
        ? " " + std::to_string ((int) p.fps) + " fps" : "";
    g_print ("  profile: %s%s  %s %dx%d%s  %s\n", p.token.c_str (),
        &p == main ? " (main)" : "", p.encoding.c_str (), p.width, p.height,
        fps.c_str (), camera.uris[i].c_str ());
  }
}

// One pipeline file for the camera's main profile; an existing one is kept.
void
write_pipeline_file (const std::string & dir, const Camera & camera,
    const onvif::Credentials & credentials)
{
  std::filesystem::create_directories (dir);
  const std::string path = dir + "/" + stream_name (camera) + ".yaml";
  if (std::filesystem::exists (path)) {
    g_print ("  kept:    %s (exists)\n", path.c_str ());
    return;
  }
  const onvif::Profile *main = onvif::main_profile (camera.profiles);
  std::ofstream out (path);
  out << "# " << camera.info.manufacturer << " " << camera.info.model
      << " found by camgate discover (" << camera.found.endpoint << ")\n"
      << "source:\n  uri: " << with_credentials (camera.address,
          credentials) << (main && !main->token.empty () ? "/"
          + main->token : "") << "\n";
  g_print ("  wrote:   %s\n", path.c_str ());
}

struct DiscoverOptions
{
  gchar *timeout_text = nullptr, *user = nullptr, *password = nullptr;
  gchar *write_dir = nullptr;
  gchar **targets = nullptr;

  ~DiscoverOptions ()
  {
    g_free (timeout_text);
    g_free (user);
    g_free (password);
    g_free (write_dir);
    g_strfreev (targets);
  }

  // -1 to go on, or the exit code.
  int parse (int & argc, char **& argv, uint32_t & timeout_ms);
};

int
DiscoverOptions::parse (int & argc, char **& argv, uint32_t & timeout_ms)
{
  GOptionEntry entries[] = {
    { "timeout", 't', 0, G_OPTION_ARG_STRING, &timeout_text,
        "How long to listen for cameras (default 3s)", "DURATION" },
    { "user", 'u', 0, G_OPTION_ARG_STRING, &user, "ONVIF user", "USER" },
    { "password", 0, 0, G_OPTION_ARG_STRING, &password, "ONVIF password",
        "PASSWORD" },
    { "target", 0, 0, G_OPTION_ARG_STRING_ARRAY, &targets,
        "Also probe this address directly (repeatable; multicast does not "
        "cross routers)", "HOST[:PORT]" },
    { "write", 'w', 0, G_OPTION_ARG_FILENAME, &write_dir,
        "Write one pipeline file per camera into DIR (existing files are "
        "kept)", "DIR" },
    { nullptr }
  };
  GOptionContext *context = g_option_context_new ("- find ONVIF cameras");
  g_option_context_add_main_entries (context, entries, nullptr);
  GError *gerror = nullptr;
  // argv[0] is "discover" here.
  const bool parsed = g_option_context_parse (context, &argc, &argv, &gerror);
  g_option_context_free (context);
  if (!parsed) {
    g_printerr ("camgate discover: %s\n", gerror->message);
    g_clear_error (&gerror);
    return 2;
  }
  timeout_ms = 3000;
  if (timeout_text) {
    auto ms = parse_duration_ms (timeout_text);
    if (!ms || *ms < 100 || *ms > 60000) {
      g_printerr ("camgate discover: --timeout: expected a duration such as "
          "3s, got '%s'\n", timeout_text);
      return 2;
    }
    timeout_ms = static_cast<uint32_t> (*ms);
  }
  return -1;
}

}  // namespace

int
run_discover (int argc, char **argv)
{
  DiscoverOptions options;
  uint32_t timeout_ms = 0;
  if (int code = options.parse (argc, argv, timeout_ms); code != -1)
    return code;
  onvif::Credentials credentials { options.user ? options.user : "",
    options.password ? options.password : "" };
  std::vector<std::string> targets;
  for (gchar **t = options.targets; t && *t; t++)
    targets.push_back (*t);

  std::map<std::string, Camera> cameras;
  std::string error;
  if (!find_cameras (targets, timeout_ms, cameras, error)) {
    g_printerr ("camgate discover: %s\n", error.c_str ());
    return 1;
  }
  if (cameras.empty ()) {
    g_print ("no ONVIF camera answered within %.1f s\n", timeout_ms / 1000.0);
    return 1;
  }
  int failures = 0;
  for (auto & [endpoint, camera] : cameras) {
    query_camera (camera, credentials);
    print_camera (camera);
    if (!camera.error.empty ())
      failures++;
    else if (options.write_dir)
      write_pipeline_file (options.write_dir, camera, credentials);
  }
  return failures == (int) cameras.size () ? 1 : 0;
}

}  // namespace camgate
