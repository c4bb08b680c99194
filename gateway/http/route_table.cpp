#include "http/route_table.h"

#include "http/http_auth.h"
#include "http/http_server.h"

#include <algorithm>

namespace camgate {

namespace {

constexpr unsigned kEveryPermission[] = { kPermRead, kPermPublish,
  kPermRecord, kPermApi, kPermAdmin, kPermControl };

std::vector<std::string>
segments_of (const std::string & path)
{
  std::vector<std::string> out;
  size_t begin = 1;
  while (begin <= path.size ()) {
    size_t end = path.find ('/', begin);
    if (end == std::string::npos)
      end = path.size ();
    out.push_back (path.substr (begin, end - begin));
    begin = end + 1;
  }
  return out;
}

bool
matches (const std::string & pattern, const std::vector<std::string> & path,
    std::map<std::string, std::string> & params)
{
  const auto wanted = segments_of (pattern);
  if (wanted.size () != path.size ())
    return false;
  std::map<std::string, std::string> found;
  for (size_t i = 0; i < wanted.size (); i++) {
    const std::string & w = wanted[i];
    if (w.size () > 2 && w.front () == '{' && w.back () == '}') {
      if (path[i].empty ())
        return false;
      found[w.substr (1, w.size () - 2)] = path[i];
    } else if (w != path[i]) {
      return false;
    }
  }
  params = std::move (found);
  return true;
}

std::string
with_stream (std::string what, const std::string & stream)
{
  const std::string key = "{stream}";
  if (auto at = what.find (key); at != std::string::npos)
    what.replace (at, key.size (), stream);
  return what;
}

}  // namespace

const std::string &
RouteRequest::param (const std::string & name) const
{
  static const std::string none;
  auto it = params.find (name);
  return it == params.end () ? none : it->second;
}

RouteTable::Found
RouteTable::find (const std::string & method, const std::string & path,
    const Route ** route, std::map<std::string, std::string> & params,
    std::string & allow) const
{
  std::string trimmed = path;
  if (trimmed.size () > 1 && trimmed.back () == '/')
    trimmed.pop_back ();
  const auto segments = segments_of (trimmed);
  std::vector<std::string> methods;
  for (const auto & r : routes_) {
    std::map<std::string, std::string> found;
    if (!matches (r.pattern, segments, found))
      continue;
    if (method == r.method || (method == "HEAD"
            && std::string (r.method) == "GET")) {
      *route = &r;
      params = std::move (found);
      return Found::Route;
    }
    methods.push_back (r.method);
    if (std::string (r.method) == "GET")
      methods.push_back ("HEAD");
  }
  if (methods.empty ())
    return Found::Nothing;
  allow.clear ();
  for (const auto & m : methods)
    if (allow.find (m) == std::string::npos)
      allow += (allow.empty () ? "" : ", ") + m;
  return Found::WrongMethod;
}

bool
RouteTable::dispatch (AccessControl & access, RouteRequest & request) const
{
  const std::string method = soup_server_message_get_method (request.message);
  const Route *route = nullptr;
  std::string allow;
  switch (find (method, request.path, &route, request.params, allow)) {
    case Found::Nothing:
      return false;
    case Found::WrongMethod:
      soup_message_headers_replace (soup_server_message_get_response_headers
          (request.message), "Allow", allow.c_str ());
      send_error (request.message, SOUP_STATUS_METHOD_NOT_ALLOWED, method
          + " is not allowed on " + request.path);
      return true;
    case Found::Route:
      break;
  }
  if (route->access == Route::Access::Needs) {
    const std::string & stream = request.param ("stream");
    const bool allowed = std::any_of (std::begin (kEveryPermission),
        std::end (kEveryPermission), [&](unsigned p) {
          return (route->any_of & p) && access.allowed (request.who, stream, p);
        });
    if (!allowed) {
      refuse_access (request.message, request.who, with_stream (route->what,
              stream));
      return true;
    }
  }
  route->handler (request);
  return true;
}

}  // namespace camgate
