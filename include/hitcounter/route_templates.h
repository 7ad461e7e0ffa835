// Route templates: which routes count together, under one name ("/users/123" and "/users/456"
// both count as "/users/{id}").
//
// This is the one place that decides. The Service applies the templates to every hit right
// after route normalisation (route.h) and to the route of GET {prefix}stats?route=..., the same
// in every front end. The rules:
//
//  1. A template is a normalised route (route.h), spelled as /_stats shows routes: "/café/{id}",
//     not "/caf%C3%A9/{id}"; "/a%2Fb/{id}" keeps its "%2F". Each segment is one of:
//       - a literal, which matches only a segment of the same text (case-sensitive, compared
//         with the normalised route, so "/Users/1" is not matched by "/users/{id}");
//       - {name}, which matches exactly one segment, whatever its text ("/users/a%2Fb" is
//         matched by "/users/{id}": an encoded slash stays inside its segment);
//       - {name+}, which matches one or more trailing segments; it must be the last segment.
//     A name is 1 to kMaxTemplateNameBytes ASCII letters, digits, '_' or '-', and each name is
//     used once per template. A parameter is a whole segment: "user{id}" and "{a}{b}" are
//     refused, and so is any other '{' or '}'.
//  2. A route matches a template when it has as many segments as the template (at least as
//     many, with {name+}) and every literal segment is equal. The root "/" has no segment, so
//     only the template "/" matches it.
//  3. The first matching template, in the order given, wins; its text is the route the hit
//     counts under, answers and is listed as. A template without parameters is allowed and
//     useful before broader ones: "/users/me" listed before "/users/{id}" keeps /users/me apart.
//     A route no template matches counts as itself.
//  4. Reserved endpoints are decided before templates apply: a template never makes a path
//     under the reserved prefix count, and a template under the reserved prefix is refused
//     (CheckOutsideReservedPrefix), as it could never match.
//  5. Rate limits (rate_limit.h) see the route as counted: the template.
//
// Applying the templates to a route they produced gives it back (a template's text matches
// itself or an earlier template that shadows it), so /_stats?route=/users/{id} answers the
// template's own record too.
//
// Thread safety: RouteTemplates is immutable once made; share it freely.
#ifndef HITCOUNTER_ROUTE_TEMPLATES_H_
#define HITCOUNTER_ROUTE_TEMPLATES_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hitcounter/route.h"
#include "hitcounter/status.h"

namespace hitcounter {

// Most templates in one set: bounds the tree Make() builds and the work of checking them at
// start. An API with more route shapes than this is better counted by its routes' own names.
inline constexpr std::size_t kMaxRouteTemplates = 1'000;

// Longest template: its text is a route as stored (route.h), so it obeys a route's bound.
inline constexpr std::size_t kMaxRouteTemplateBytes = kMaxRouteBytes;

// Longest parameter name: names only document the template, a long one is a mistake.
inline constexpr std::size_t kMaxTemplateNameBytes = 64;

class RouteTemplates {
 public:
  // No template: every route counts as itself.
  RouteTemplates() = default;

  // The templates in `texts`, in order. kInvalidArgument quoting the template at fault and
  // saying what is wrong with it: empty, not a normalised route (the message gives its
  // normalised spelling), longer than kMaxRouteTemplateBytes, a malformed parameter (no name,
  // a name used twice, braces inside a segment, {name+} not last), the same template twice, or
  // more than kMaxRouteTemplates.
  static Result<RouteTemplates> Make(std::span<const std::string> texts);

  // Make() over a list in text: templates separated by newlines or ';' (so a template cannot
  // hold a ';'), blanks around them trimmed, empty entries skipped, and '#' starting a comment
  // that runs to the end of its line (no template holds a '#': a route never does). The form
  // of a templates file and of HITCOUNTER_ROUTE_TEMPLATES.
  static Result<RouteTemplates> Parse(std::string_view list);

  // OK when no template lies under `reserved_prefix` (service.h); otherwise kInvalidArgument
  // naming it: every path it could match is a reserved endpoint, so it would never count.
  Status CheckOutsideReservedPrefix(std::string_view reserved_prefix) const;

  // The text of the first template that `route` (a normalised route) matches, or nullptr when
  // none does. Allocates nothing: it walks a tree of the templates' segments (at each segment
  // of the route, the child for that literal text, looked up in a sorted map, and the child
  // for a parameter), skipping every branch whose templates all come after one already
  // matched. Its cost grows with the route's segments and with the templates that share its
  // leading literals, not with the number of templates. The pointer lives as long as this.
  const std::string* Match(std::string_view route) const;

  // Replaces `route` by the template it matches, if any; true when it did.
  bool Apply(std::string& route) const {
    const std::string* matched = Match(route);
    if (matched == nullptr) return false;
    route = *matched;
    return true;
  }

  bool empty() const { return texts_.empty(); }
  std::size_t size() const { return texts_.size(); }

 private:
  static constexpr std::uint32_t kNone = UINT32_MAX;

  // A place in the tree: the templates that reach it share their first segments. Children and
  // templates are indices (into nodes_ and texts_), so copies and moves keep them valid.
  struct Node {
    std::map<std::string, std::uint32_t, std::less<>> literals;  // segment text -> child
    std::uint32_t parameter = kNone;                             // the child after a {name} segment
    std::uint32_t ends_here = kNone;  // the first template that ends at this node
    std::uint32_t rest_here = kNone;  // the first template whose {name+} follows this node
    std::uint32_t first = kNone;      // the first template at or below this node
  };

  // Checks `text` and adds it to the tree as template number texts_.size().
  Status Add(std::string_view text);
  // Lowers `best` to the first template that matches the route's segments from `position`.
  void Search(std::uint32_t node, std::string_view route, std::size_t position,
              std::uint32_t& best) const;

  std::vector<std::string> texts_;
  std::vector<Node> nodes_;  // nodes_[0], the root, once a template is added
};

}  // namespace hitcounter

#endif  // HITCOUNTER_ROUTE_TEMPLATES_H_
