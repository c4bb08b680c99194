// OnvifXml: the small read-only view of untrusted XML that ONVIF needs.
// Documents come from the network (cameras, anything answering on port
// 3702), so they are parsed by libxml2 with entity expansion and network
// access off, DTDs refused, and a size limit; elements are found by local
// name because vendors use every prefix (and SOAP 1.1 or 1.2).
#pragma once

#include <libxml/tree.h>

#include <memory>
#include <string>
#include <vector>

namespace camgate::onvif {

// Bigger replies are refused unread (a GetProfiles of a 16-channel NVR is
// well under 1 MiB).
constexpr size_t kMaxDocumentBytes = 1024 * 1024;

class XmlDocument
{
public:
  // Parses `text`; null with `error` set when it is not acceptable XML.
  static std::unique_ptr<XmlDocument> parse (const std::string & text,
      std::string & error);
  ~XmlDocument ();
  XmlDocument (const XmlDocument &) = delete;
  XmlDocument & operator= (const XmlDocument &) = delete;

  xmlNode *root () const;

private:
  explicit XmlDocument (xmlDoc * doc) : doc_ (doc) {}
  xmlDoc *doc_;
};

// The first element named `local` under `node` (depth first, node itself
// included), or null.
xmlNode *find (xmlNode * node, const char *local);
// Every element named `local` under `node`.
std::vector<xmlNode *> find_all (xmlNode * node, const char *local);
// Direct children named `local`.
std::vector<xmlNode *> children (xmlNode * node, const char *local);
// The element's text content, trimmed ("" for null).
std::string text (xmlNode * node);
// Text of the first `local` element under `node`.
std::string text_of (xmlNode * node, const char *local);
// Attribute value by local name ("" when absent).
std::string attribute (xmlNode * node, const char *local);

// Escapes &, <, >, " and ' for element text and attribute values.
std::string escape (const std::string & text);

}  // namespace camgate::onvif
