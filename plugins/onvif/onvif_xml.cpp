#include "onvif_xml.h"

#include <libxml/parser.h>

#include <cstring>

namespace camgate::onvif {

namespace {

bool
is_element (xmlNode * node, const char *local)
{
  return node->type == XML_ELEMENT_NODE
      && std::strcmp (reinterpret_cast<const char *> (node->name), local) == 0;
}

void
collect (xmlNode * node, const char *local, std::vector<xmlNode *> & out,
    bool first_only)
{
  for (; node; node = node->next) {
    if (is_element (node, local)) {
      out.push_back (node);
      if (first_only)
        return;
    }
    if (node->children) {
      collect (node->children, local, out, first_only);
      if (first_only && !out.empty ())
        return;
    }
  }
}

std::string
trim (std::string s)
{
  const char *space = " \t\r\n";
  s.erase (0, s.find_first_not_of (space));
  auto end = s.find_last_not_of (space);
  s.erase (end == std::string::npos ? 0 : end + 1);
  return s;
}

}  // namespace

std::unique_ptr<XmlDocument>
XmlDocument::parse (const std::string & text, std::string & error)
{
  if (text.empty ()) {
    error = "empty reply";
    return nullptr;
  }
  if (text.size () > kMaxDocumentBytes) {
    error = "reply larger than " + std::to_string (kMaxDocumentBytes / 1024)
        + " KiB";
    return nullptr;
  }
  // ONVIF never needs a DTD; refusing one up front means no entity is ever
  // declared, let alone expanded.
  if (text.find ("<!DOCTYPE") != std::string::npos) {
    error = "XML with a DTD is refused";
    return nullptr;
  }
  // No network, no entity substitution, no DTD loading; libxml2's own
  // limits on depth and name lengths stay on (no XML_PARSE_HUGE).
  xmlDoc *doc = xmlReadMemory (text.data (), static_cast<int> (text.size ()),
      nullptr, nullptr, XML_PARSE_NONET | XML_PARSE_NOERROR
      | XML_PARSE_NOWARNING | XML_PARSE_NOBLANKS);
  if (!doc) {
    error = "not well-formed XML";
    return nullptr;
  }
  if (doc->intSubset || doc->extSubset) {
    xmlFreeDoc (doc);
    error = "XML with a DTD is refused";
    return nullptr;
  }
  if (!xmlDocGetRootElement (doc)) {
    xmlFreeDoc (doc);
    error = "XML without a root element";
    return nullptr;
  }
  return std::unique_ptr<XmlDocument> (new XmlDocument (doc));
}

XmlDocument::~XmlDocument ()
{
  xmlFreeDoc (doc_);
}

xmlNode *
XmlDocument::root () const
{
  return xmlDocGetRootElement (doc_);
}

xmlNode *
find (xmlNode * node, const char *local)
{
  if (!node)
    return nullptr;
  if (is_element (node, local))
    return node;
  std::vector<xmlNode *> out;
  collect (node->children, local, out, true);
  return out.empty () ? nullptr : out.front ();
}

std::vector<xmlNode *>
find_all (xmlNode * node, const char *local)
{
  std::vector<xmlNode *> out;
  if (node)
    collect (node->children, local, out, false);
  return out;
}

std::vector<xmlNode *>
children (xmlNode * node, const char *local)
{
  std::vector<xmlNode *> out;
  for (xmlNode *c = node ? node->children : nullptr; c; c = c->next)
    if (is_element (c, local))
      out.push_back (c);
  return out;
}

std::string
text (xmlNode * node)
{
  if (!node)
    return "";
  xmlChar *content = xmlNodeGetContent (node);
  std::string out = content ? reinterpret_cast<const char *> (content) : "";
  xmlFree (content);
  return trim (out);
}

std::string
text_of (xmlNode * node, const char *local)
{
  return text (find (node, local));
}

std::string
attribute (xmlNode * node, const char *local)
{
  if (!node)
    return "";
  for (xmlAttr *a = node->properties; a; a = a->next) {
    if (std::strcmp (reinterpret_cast<const char *> (a->name), local) == 0) {
      xmlChar *value = xmlNodeListGetString (node->doc, a->children, 1);
      std::string out = value ? reinterpret_cast<const char *> (value) : "";
      xmlFree (value);
      return trim (out);
    }
  }
  return "";
}

std::string
escape (const std::string & text)
{
  std::string out;
  out.reserve (text.size ());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace camgate::onvif
