// AMF0 (Action Message Format 0), the encoding of RTMP's commands and
// metadata: just what an RTMP server meets — numbers, booleans, strings,
// objects, ECMA and strict arrays, null/undefined — decoded with bounds on
// depth and sizes (a hostile peer's message is at most a few MiB, but may
// nest or claim anything), and encoded for the server's replies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace camgate::rtmp {

struct Amf0Value
{
  enum class Type { Number, Boolean, String, Object, Null, Undefined, Array };

  Type type = Type::Null;
  double number = 0;
  bool boolean = false;
  std::string string;
  // Object and ECMA array properties in order; strict array items with
  // empty names.
  std::vector<std::pair<std::string, Amf0Value>> properties;

  static Amf0Value of (double n);
  static Amf0Value of (bool b);
  static Amf0Value of (std::string s);
  static Amf0Value of (const char *s) { return of (std::string (s)); }
  static Amf0Value object (std::vector<std::pair<std::string, Amf0Value>> p);
  static Amf0Value null () { return {}; }
  static Amf0Value undefined ();

  // The property `name` of an object, or nullptr.
  const Amf0Value *get (const std::string & name) const;
  // The string property `name`, or "" (absent or not a string).
  std::string get_string (const std::string & name) const;
};

// Values read from `data` until it ends; nullopt when any is malformed,
// nested deeper than 16, or not a type listed above.
std::optional<std::vector<Amf0Value>> amf0_decode (const uint8_t * data,
    size_t size);

void amf0_encode (const Amf0Value & value, std::vector<uint8_t> & out);

}  // namespace camgate::rtmp
