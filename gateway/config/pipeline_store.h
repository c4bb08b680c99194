// PipelineStore: the stream management API's writes. Each change is checked
// with the same parser `camgate check` uses and then written atomically
// (temporary file + rename) into the pipelines folder, which stays the single
// source of truth: hot reload applies it. A refused change leaves no file.
#pragma once

#include "config/shared_definitions.h"

#include <string>
#include <vector>

namespace camgate {

// What became of a change; the API maps each to its HTTP status.
enum class StoreOutcome
{
  Done,                            // changed or removed
  Created,
  Invalid,                         // the body or the file it would make
  NotAllowed,                      // this caller may not make this change
  Conflict,                        // the name or file is taken, or not ours
  WriteFailed,                     // the filesystem refused
};

struct StoreResult
{
  StoreOutcome outcome = StoreOutcome::Done;
  std::vector<std::string> errors; // "field: reason", as camgate check says
  std::string file;                // the pipeline file written or removed

  bool ok () const
  {
    return outcome == StoreOutcome::Done || outcome == StoreOutcome::Created;
  }
};

class PipelineStore
{
public:
  // `pipelines`: whether admins may write source.pipeline (the gateway's
  // api-pipelines setting); nobody else ever may.
  explicit PipelineStore (std::string dir, bool pipelines = false)
      : dir_ (std::move (dir)), pipelines_ (pipelines) {}

  bool usable () const { return !dir_.empty (); }
  // In a cluster: every change is stored in `shared` first (a refusal
  // there refuses it), then mirrored into the folder.
  void share_through (SharedDefinitions * shared) { shared_ = shared; }
  // `body` is a pipeline file as JSON (at most 64 KiB). `name` comes from the URL
  // (or, for create, from the body's "name").
  // `admin`: whether the caller is an admin of the stream.
  StoreResult create (const std::string & body,
      const std::vector<std::string> & taken_names, bool admin) const;
  // Replace (PUT) or merge (PATCH, RFC 7396 merge patch) the stream whose
  // file is `file`.
  StoreResult replace (const std::string & name, const std::string & file,
      const std::string & body, bool merge, bool admin) const;
  StoreResult remove (const std::string & name, const std::string & file) const;

private:
  StoreResult write (const std::string & name, const std::string & file,
      const std::string & yaml, bool admin, bool create = false) const;

  std::string dir_;
  bool pipelines_;
  SharedDefinitions *shared_ = nullptr;
};

}  // namespace camgate
