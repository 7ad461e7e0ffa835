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
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hitcounter/route.h"
#include "hitcounter/status.h"

namespace hitcounter {

// Most templates in one set. A hit that no template matches tries them all: each costs one
// comparison of segment counts, plus a walk of the route for those of the same shape, so a few
// hundred cost well under a microsecond per hit. An API with more route shapes than this is
// better counted by its routes' own names.
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
  // none does. Allocates nothing. The pointer lives as long as this object.
  const std::string* Match(std::string_view route) const;

  // Replaces `route` by the template it matches, if any; true when it did.
  bool Apply(std::string& route) const {
    const std::string* matched = Match(route);
    if (matched == nullptr) return false;
    route = *matched;
    return true;
  }

  bool empty() const { return templates_.empty(); }
  std::size_t size() const { return templates_.size(); }

 private:
  struct Segment {
    enum class Kind : std::uint8_t { kLiteral, kOne, kRest };
    Kind kind = Kind::kLiteral;
    // A literal's place in the template's text (offsets, so that moving the text, which may
    // move its characters, cannot leave them dangling).
    std::uint16_t offset = 0;
    std::uint16_t size = 0;
  };
  struct Template {
    std::string text;
    std::vector<Segment> segments;
    bool rest = false;  // ends with {name+}: matches routes of at least segments.size()
  };

  static Result<Template> Compile(std::string_view text);
  static bool Matches(const Template& compiled, std::string_view route);

  std::vector<Template> templates_;
};

}  // namespace hitcounter

#endif  // HITCOUNTER_ROUTE_TEMPLATES_H_
