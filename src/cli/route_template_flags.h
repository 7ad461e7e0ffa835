// The flags that set route templates (hitcounter/route_templates.h) for `hitcounter serve`:
//
//   --route-template TEMPLATE    repeatable, e.g. --route-template '/users/{id}' (env
//                                HITCOUNTER_ROUTE_TEMPLATES: templates separated by ';' or
//                                newlines); none by default
//   --route-templates-file PATH  one template per line (env HITCOUNTER_ROUTE_TEMPLATES_FILE)
//
// The flags' templates come first, in the order given, then the file's: the first match wins.
// Wherever they are written, ';' separates templates (so no template holds one) and '#' starts
// a comment to the end of its line (RouteTemplates::Parse).
#ifndef HITCOUNTER_CLI_ROUTE_TEMPLATE_FLAGS_H_
#define HITCOUNTER_CLI_ROUTE_TEMPLATE_FLAGS_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "hitcounter/route_templates.h"

namespace CLI {
class App;  // CLI11's, included only where flags are added: it is heavy to compile
}  // namespace CLI

namespace hitcounter::cli {

// The largest templates file read: kMaxRouteTemplates templates of the longest length, each on
// its line, fit.
inline constexpr std::size_t kMaxRouteTemplatesFileBytes = 1024 * 1024;

struct RouteTemplateFlags {
  std::vector<std::string> templates;  // each may hold several, separated by ';' or newlines
  std::string file;                    // empty: none
};

void AddRouteTemplateFlags(CLI::App& command, RouteTemplateFlags& flags);

// The templates the flags describe, checked against the reserved prefix too; kInvalidArgument
// naming the flag (and file) and the template at fault.
Result<RouteTemplates> LoadRouteTemplates(const RouteTemplateFlags& flags,
                                          std::string_view reserved_prefix);

}  // namespace hitcounter::cli

#endif  // HITCOUNTER_CLI_ROUTE_TEMPLATE_FLAGS_H_
