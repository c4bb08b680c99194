#include "cluster/stream_definitions.h"

#include "cluster/cluster_node.h"
#include "config/pipeline_file.h"

#include <glib/gstdio.h>

#include <cerrno>
#include <filesystem>
#include <set>

namespace camgate {

namespace {

constexpr unsigned kWriteTimeoutS = 2;
// A watch that hears nothing for this long is started again (after a
// fresh read): an etcd member that vanished without closing the connection
// is noticed.
constexpr unsigned kWatchTimeoutS = 30;
constexpr guint kRetryMs = 1000;

std::string
definitions_prefix ()
{
  return std::string (ClusterNode::kPrefix) + "streams/";
}

bool
read_text (const std::string & path, std::string & text)
{
  gchar *data = nullptr;
  gsize size = 0;
  if (!g_file_get_contents (path.c_str (), &data, &size, nullptr))
    return false;
  text.assign (data, size);
  g_free (data);
  return true;
}

}  // namespace

StreamDefinitions::StreamDefinitions (const ClusterConfig & cluster,
    std::string pipelines_dir)
    : cluster_ (cluster), dir_ (std::move (pipelines_dir)),
      writer_ (cluster, kWriteTimeoutS)
{
}

StreamDefinitions::~StreamDefinitions ()
{
  stop ();
  g_object_unref (cancel_);
}

std::string
StreamDefinitions::key_of (const std::string & name)
{
  return definitions_prefix () + name;
}

std::string
StreamDefinitions::file_of (const std::string & name) const
{
  return (std::filesystem::path (dir_) / (name + ".yaml")).string ();
}

void
StreamDefinitions::start ()
{
  if (!thread_.joinable ())
    thread_ = std::thread ([this]() { run (); });
}

void
StreamDefinitions::stop ()
{
  {
    std::lock_guard<std::mutex> lk (lock_);
    stopping_ = true;
  }
  wake_.notify_all ();
  g_cancellable_cancel (cancel_);
  if (thread_.joinable ())
    thread_.join ();
}

bool
StreamDefinitions::put (const std::string & name, const std::string & yaml,
    bool create, std::string & error)
{
  if (yaml.size () > kMaxDefinitionBytes) {
    error = "definition larger than 64 KiB";
    return false;
  }
  return writer_.put (key_of (name), yaml, create, error);
}

bool
StreamDefinitions::remove (const std::string & name, std::string & error)
{
  return writer_.remove (key_of (name), error);
}

void
StreamDefinitions::run ()
{
  // Its own client: libsoup sessions stay on the thread that uses them.
  EtcdClient etcd (cluster_, kWatchTimeoutS);
  std::string last_error;
  for (;;) {
    std::string error;
    const int64_t revision = resync (etcd, error);
    if (revision >= 0) {
      if (!last_error.empty ())
        g_message ("cluster: stream definitions read from etcd again");
      last_error.clear ();
      etcd.watch_prefix (definitions_prefix (), revision, cancel_,
          [this](const std::vector<EtcdClient::Change> & changes) {
            for (const auto & change : changes)
              apply (change);
          }, error);
    }
    if (g_cancellable_is_cancelled (cancel_))
      return;
    if (error != last_error && revision < 0)
      g_message ("cluster: stream definitions: %s (keeping the last ones)",
          error.c_str ());
    last_error = revision < 0 ? error : "";
    std::unique_lock<std::mutex> lk (lock_);
    wake_.wait_for (lk, std::chrono::milliseconds (kRetryMs),
        [this] { return stopping_; });
  }
}

int64_t
StreamDefinitions::resync (EtcdClient & etcd, std::string & error)
{
  int64_t revision = 0;
  auto definitions = etcd.range_prefix (definitions_prefix (), error,
      &revision);
  if (!definitions)
    return -1;
  std::set<std::string> names;
  for (const auto & kv : *definitions) {
    apply ({ kv.key, kv.value, false });
    names.insert (kv.key.substr (definitions_prefix ().size ()));
  }
  // Mirrored files whose definition is gone.
  GDir *dir = g_dir_open (dir_.c_str (), 0, nullptr);
  for (const gchar *entry = dir ? g_dir_read_name (dir) : nullptr; entry;
      entry = g_dir_read_name (dir)) {
    const std::string file = entry;
    if (file.size () > 5 && file.compare (file.size () - 5, 5, ".yaml") == 0
        && !names.count (file.substr (0, file.size () - 5)))
      unmirror (file.substr (0, file.size () - 5));
  }
  if (dir)
    g_dir_close (dir);
  return revision;
}

void
StreamDefinitions::apply (const EtcdClient::Change & change)
{
  const std::string name = change.key.substr (definitions_prefix ().size ());
  if (change.key.rfind (definitions_prefix (), 0) != 0
      || !is_valid_stream_name (name)) {
    g_message ("cluster: ignoring the key %s (not <prefix>streams/<name>)",
        change.key.c_str ());
    return;
  }
  if (change.deleted)
    unmirror (name);
  else
    mirror (name, change.value);
}

void
StreamDefinitions::mirror (const std::string & name, const std::string & yaml)
{
  const std::string file = file_of (name);
  if (yaml.size () > kMaxDefinitionBytes) {
    g_message ("cluster: stream %s: its definition is larger than 64 KiB, "
        "not used", name.c_str ());
    return;
  }
  // A definition for another name would start a stream nobody asked for.
  StreamSpec spec;
  std::vector<ConfigError> errors;
  if (parse_pipeline_text (yaml, file, spec, errors) && spec.name != name) {
    g_message ("cluster: stream %s: its definition names '%s', not used",
        name.c_str (), spec.name.c_str ());
    return;
  }
  std::string current;
  const bool exists = read_text (file, current);
  const std::string text = mirrored_text (yaml);
  if (exists && current == text)
    return;
  if (exists && !is_mirrored_text (current))
    g_message ("cluster: stream %s: etcd defines it, replacing the local %s",
        name.c_str (), file.c_str ());
  GError *error = nullptr;
  if (!g_file_set_contents_full (file.c_str (), text.data (), text.size (),
          G_FILE_SET_CONTENTS_CONSISTENT, 0644, &error)) {
    g_message ("cluster: stream %s: cannot write %s: %s", name.c_str (),
        file.c_str (), error->message);
    g_clear_error (&error);
  }
}

void
StreamDefinitions::unmirror (const std::string & name)
{
  const std::string file = file_of (name);
  std::string current;
  if (!read_text (file, current) || !is_mirrored_text (current))
    return;                        // the operator's own file: left alone
  if (g_unlink (file.c_str ()) != 0 && errno != ENOENT)
    g_message ("cluster: stream %s: cannot remove %s: %s", name.c_str (),
        file.c_str (), g_strerror (errno));
}

}  // namespace camgate
