// Strict YAML reading with "file:line: reason" errors, shared by the
// pipeline-file and gateway-config parsers.
#pragma once

#include "config/pipeline_file.h"
#include "config/text_helpers.h"

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

namespace camgate {

// Collects errors for one file, each tagged with the node's line.
class YamlReader
{
public:
  YamlReader (const std::string & file, std::vector<ConfigError> & errors)
      : file_ (file), errors_ (errors) {}

  void error (const YAML::Node & node, const std::string & reason)
  {
    int line = node.IsDefined () ? node.Mark ().line + 1 : 0;
    errors_.push_back ({ file_, line, reason });
    failed_ = true;
  }

  bool failed () const { return failed_; }

  // Reports keys of `map` that are not in `allowed`, with a suggestion.
  void check_keys (const YAML::Node & map, const std::string & where,
      const std::vector<std::string> & allowed)
  {
    for (const auto & entry : map) {
      const YAML::Node & key = entry.first;
      if (!key.IsScalar ()) {
        error (key, where + ": keys must be plain words");
        continue;
      }
      const std::string name = key.Scalar ();
      if (std::find (allowed.begin (), allowed.end (), name) != allowed.end ())
        continue;
      std::string reason = "unknown key '" + qualified (where, name) + "'";
      if (auto guess = closest_match (name, allowed))
        reason += " (did you mean '" + qualified (where, *guess) + "'?)";
      error (key, reason);
    }
  }

  bool scalar (const YAML::Node & node, const std::string & what,
      std::string & out)
  {
    if (!node.IsScalar ()) {
      error (node, what + ": expected a single value, got " + kind (node));
      return false;
    }
    out = node.Scalar ();
    return true;
  }

  bool boolean (const YAML::Node & node, const std::string & what, bool & out)
  {
    std::string text;
    if (!scalar (node, what, text))
      return false;
    if (text == "true" || text == "yes" || text == "on") {
      out = true;
      return true;
    }
    if (text == "false" || text == "no" || text == "off") {
      out = false;
      return true;
    }
    error (node, what + ": expected true or false, got '" + text + "'");
    return false;
  }

  bool duration (const YAML::Node & node, const std::string & what,
      uint32_t max_ms, uint32_t & out)
  {
    std::string text;
    if (!scalar (node, what, text))
      return false;
    auto ms = parse_duration_ms (text);
    if (!ms) {
      error (node, what + ": expected a duration such as 200ms or 2s, got '"
          + text + "'");
      return false;
    }
    if (*ms > max_ms) {
      error (node, what + ": " + text + " is longer than the maximum of "
          + std::to_string (max_ms) + "ms");
      return false;
    }
    out = static_cast<uint32_t> (*ms);
    return true;
  }

  // A whole number within [min, max].
  bool number (const YAML::Node & node, const std::string & what,
      uint32_t min, uint32_t max, uint32_t & out)
  {
    std::string text;
    if (!scalar (node, what, text))
      return false;
    char *end = nullptr;
    long long n = std::strtoll (text.c_str (), &end, 10);
    if (text.empty () || *end || n < min || n > max) {
      error (node, what + ": expected a number " + std::to_string (min) + "-"
          + std::to_string (max) + ", got '" + text + "'");
      return false;
    }
    out = static_cast<uint32_t> (n);
    return true;
  }

  static std::string kind (const YAML::Node & node)
  {
    switch (node.Type ()) {
      case YAML::NodeType::Map:
        return "a mapping";
      case YAML::NodeType::Sequence:
        return "a list";
      case YAML::NodeType::Null:
        return "nothing";
      default:
        return "a value";
    }
  }

private:
  static std::string qualified (const std::string & where,
      const std::string & key)
  {
    return where.empty () ? key : where + "." + key;
  }

  std::string file_;
  std::vector<ConfigError> & errors_;
  bool failed_ = false;
};

}  // namespace camgate
