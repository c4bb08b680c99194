#include "amf0.h"

#include <cstring>

namespace camgate::rtmp {

namespace {

enum Marker : uint8_t
{
  kNumber = 0x00, kBoolean = 0x01, kString = 0x02, kObject = 0x03,
  kNull = 0x05, kUndefined = 0x06, kEcmaArray = 0x08, kObjectEnd = 0x09,
  kStrictArray = 0x0a, kDate = 0x0b, kLongString = 0x0c,
};

constexpr int kMaxDepth = 16;
// More items than any real command or metadata has: a peer claiming more
// is refused before anything is allocated for them.
constexpr uint32_t kMaxItems = 4096;

class Reader
{
public:
  Reader (const uint8_t * data, size_t size) : p_ (data), end_ (data + size) {}

  bool done () const { return p_ == end_; }

  bool value (Amf0Value & out, int depth)
  {
    uint8_t marker;
    if (depth > kMaxDepth || !byte (marker))
      return false;
    switch (marker) {
      case kNumber:
        out.type = Amf0Value::Type::Number;
        return number (out.number);
      case kBoolean: {
        uint8_t b = 0;
        out.type = Amf0Value::Type::Boolean;
        if (!byte (b))
          return false;
        out.boolean = b != 0;
        return true;
      }
      case kString:
        out.type = Amf0Value::Type::String;
        return string (out.string, 2);
      case kLongString:
        out.type = Amf0Value::Type::String;
        return string (out.string, 4);
      case kObject:
        out.type = Amf0Value::Type::Object;
        return properties (out, depth);
      case kEcmaArray: {
        uint32_t count;          // a hint only: the end marker ends it
        out.type = Amf0Value::Type::Object;
        return u32 (count) && properties (out, depth);
      }
      case kStrictArray: {
        uint32_t count;
        out.type = Amf0Value::Type::Array;
        if (!u32 (count) || count > kMaxItems)
          return false;
        for (uint32_t i = 0; i < count; i++) {
          Amf0Value item;
          if (!value (item, depth + 1))
            return false;
          out.properties.emplace_back ("", std::move (item));
        }
        return true;
      }
      case kDate: {            // a number and a time zone: kept as number
        uint8_t zone[2];
        out.type = Amf0Value::Type::Number;
        return number (out.number) && bytes (zone, 2);
      }
      case kNull:
        out.type = Amf0Value::Type::Null;
        return true;
      case kUndefined:
        out.type = Amf0Value::Type::Undefined;
        return true;
      default:
        return false;          // references, XML, AMF3 switch, ...
    }
  }

private:
  bool bytes (uint8_t * out, size_t n)
  {
    if (static_cast<size_t> (end_ - p_) < n)
      return false;
    memcpy (out, p_, n);
    p_ += n;
    return true;
  }

  bool byte (uint8_t & b) { return bytes (&b, 1); }

  bool u32 (uint32_t & v)
  {
    uint8_t b[4];
    if (!bytes (b, 4))
      return false;
    v = (uint32_t) b[0] << 24 | (uint32_t) b[1] << 16 | (uint32_t) b[2] << 8
        | b[3];
    return true;
  }

  bool number (double & n)
  {
    uint8_t b[8];
    if (!bytes (b, 8))
      return false;
    uint64_t bits = 0;
    for (uint8_t x : b)
      bits = bits << 8 | x;
    memcpy (&n, &bits, sizeof n);
    return true;
  }

  bool string (std::string & s, int length_bytes)
  {
    uint8_t b[4];
    if (!bytes (b, length_bytes))
      return false;
    size_t n = 0;
    for (int i = 0; i < length_bytes; i++)
      n = n << 8 | b[i];
    if (static_cast<size_t> (end_ - p_) < n)
      return false;
    s.assign (reinterpret_cast<const char *> (p_), n);
    p_ += n;
    return true;
  }

  bool properties (Amf0Value & out, int depth)
  {
    for (uint32_t i = 0; i <= kMaxItems; i++) {
      std::string name;
      if (!string (name, 2))
        return false;
      if (name.empty () && p_ < end_ && *p_ == kObjectEnd) {
        p_++;
        return true;
      }
      Amf0Value item;
      if (!value (item, depth + 1))
        return false;
      out.properties.emplace_back (std::move (name), std::move (item));
    }
    return false;
  }

  const uint8_t *p_;
  const uint8_t *end_;
};

void
put_u16 (std::vector<uint8_t> & out, size_t v)
{
  out.push_back (static_cast<uint8_t> (v >> 8));
  out.push_back (static_cast<uint8_t> (v));
}

void
put_name (std::vector<uint8_t> & out, const std::string & s)
{
  put_u16 (out, s.size ());
  out.insert (out.end (), s.begin (), s.end ());
}

}  // namespace

Amf0Value
Amf0Value::of (double n)
{
  Amf0Value v;
  v.type = Type::Number;
  v.number = n;
  return v;
}

Amf0Value
Amf0Value::of (bool b)
{
  Amf0Value v;
  v.type = Type::Boolean;
  v.boolean = b;
  return v;
}

Amf0Value
Amf0Value::of (std::string s)
{
  Amf0Value v;
  v.type = Type::String;
  v.string = std::move (s);
  return v;
}

Amf0Value
Amf0Value::object (std::vector<std::pair<std::string, Amf0Value>> p)
{
  Amf0Value v;
  v.type = Type::Object;
  v.properties = std::move (p);
  return v;
}

Amf0Value
Amf0Value::undefined ()
{
  Amf0Value v;
  v.type = Type::Undefined;
  return v;
}

const Amf0Value *
Amf0Value::get (const std::string & name) const
{
  if (type != Type::Object)
    return nullptr;
  for (const auto & [key, value] : properties)
    if (key == name)
      return &value;
  return nullptr;
}

std::string
Amf0Value::get_string (const std::string & name) const
{
  const Amf0Value *v = get (name);
  return v && v->type == Type::String ? v->string : "";
}

std::optional<std::vector<Amf0Value>>
amf0_decode (const uint8_t * data, size_t size)
{
  Reader reader (data, size);
  std::vector<Amf0Value> values;
  while (!reader.done ()) {
    if (values.size () >= kMaxItems)
      return std::nullopt;
    Amf0Value v;
    if (!reader.value (v, 0))
      return std::nullopt;
    values.push_back (std::move (v));
  }
  return values;
}

void
amf0_encode (const Amf0Value & value, std::vector<uint8_t> & out)
{
  switch (value.type) {
    case Amf0Value::Type::Number: {
      out.push_back (kNumber);
      uint64_t bits;
      memcpy (&bits, &value.number, sizeof bits);
      for (int shift = 56; shift >= 0; shift -= 8)
        out.push_back (static_cast<uint8_t> (bits >> shift));
      break;
    }
    case Amf0Value::Type::Boolean:
      out.push_back (kBoolean);
      out.push_back (value.boolean ? 1 : 0);
      break;
    case Amf0Value::Type::String:
      // Replies carry short strings; a longer one is cut, not mis-framed.
      out.push_back (kString);
      put_name (out, value.string.substr (0, 0xffff));
      break;
    case Amf0Value::Type::Object:
      out.push_back (kObject);
      for (const auto & [name, item] : value.properties) {
        put_name (out, name.substr (0, 0xffff));
        amf0_encode (item, out);
      }
      put_u16 (out, 0);
      out.push_back (kObjectEnd);
      break;
    case Amf0Value::Type::Array:
      out.push_back (kStrictArray);
      for (int shift = 24; shift >= 0; shift -= 8)
        out.push_back (static_cast<uint8_t> (value.properties.size () >> shift));
      for (const auto & item : value.properties)
        amf0_encode (item.second, out);
      break;
    case Amf0Value::Type::Null:
      out.push_back (kNull);
      break;
    case Amf0Value::Type::Undefined:
      out.push_back (kUndefined);
      break;
  }
}

}  // namespace camgate::rtmp
