// RouteTable: the HTTP API's routes as data: method, path pattern, the
// permission a caller needs and the handler. The server looks a request up,
// authorises it once against its route, and only then dispatches, so "every
// route is guarded" is one lookup, and a test can enumerate the table.
#pragma once

#include "auth/access_control.h"

#include <libsoup/soup.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace camgate {

struct RouteRequest
{
  SoupServerMessage *message;
  const std::string & path;
  GHashTable *query;
  const Identity & who;
  std::map<std::string, std::string> params;   // {name} -> its segment

  const std::string & param (const std::string & name) const;
};

struct Route
{
  enum class Access
  {
    Public,                        // anyone: holds nothing secret
    Needs,                         // one of `any_of` on {stream} (or the gateway)
    PerItem,                       // the handler shows or does what each
                                   // caller's permissions allow (lists;
                                   // a name that comes in the body)
  };
  using Handler = std::function<void (const RouteRequest &)>;

  const char *method;              // "GET" answers HEAD too
  const char *pattern;             // "/api/v1/streams/{stream}"
  Access access;
  unsigned any_of;                 // kPerm* bits, for Needs
  const char *what;                // "manage stream '{stream}'", for refusals
  Handler handler;
};

class RouteTable
{
public:
  void add (Route route) { routes_.push_back (std::move (route)); }
  const std::vector<Route> & routes () const { return routes_; }

  enum class Found { Route, WrongMethod, Nothing };
  // The route for `method` on `path` (a trailing slash ignored), with its
  // parameters; WrongMethod with `allow` filled when only the method is
  // wrong.
  Found find (const std::string & method, const std::string & path,
      const Route ** route, std::map<std::string, std::string> & params,
      std::string & allow) const;

  // Finds, authorises and runs the route: 404 / 405 (with Allow) / the
  // access refusal are answered here. False when no pattern matches.
  bool dispatch (AccessControl & access, RouteRequest & request) const;

private:
  std::vector<Route> routes_;
};

}  // namespace camgate
