#include "cli/route_template_flags.h"

#include <CLI/CLI.hpp>
#include <fstream>
#include <iterator>

namespace hitcounter::cli {

void AddRouteTemplateFlags(CLI::App& command, RouteTemplateFlags& flags) {
  command
      .add_option("--route-template", flags.templates,
                  "Count the routes a template matches under the template, e.g. /users/{id} "
                  "({name}: one segment, {name+}: one or more trailing ones); repeatable, the "
                  "first match wins. In the environment, separate templates with ';'")
      ->envname("HITCOUNTER_ROUTE_TEMPLATES");
  command
      .add_option("--route-templates-file", flags.file,
                  "Route templates, one per line (# comments), after those of --route-template")
      ->envname("HITCOUNTER_ROUTE_TEMPLATES_FILE");
}

Result<RouteTemplates> LoadRouteTemplates(const RouteTemplateFlags& flags,
                                          std::string_view reserved_prefix) {
  std::string listed;
  for (const std::string& text : flags.templates) {
    listed += text;
    listed += '\n';
  }
  // Each source is checked alone first, so that an error names where the template came from.
  if (Result<RouteTemplates> alone = RouteTemplates::Parse(listed); !alone.ok()) {
    return Status::InvalidArgument("--route-template: " + alone.status().message());
  }
  const std::string file_flag = "--route-templates-file " + flags.file;
  std::string file;
  if (!flags.file.empty()) {
    std::ifstream in(flags.file, std::ios::binary);
    if (!in) return Status::InvalidArgument(file_flag + ": cannot read it");
    file.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (file.size() > kMaxRouteTemplatesFileBytes) {
      return Status::InvalidArgument(file_flag + ": larger than " +
                                     std::to_string(kMaxRouteTemplatesFileBytes) + " bytes");
    }
    if (Result<RouteTemplates> alone = RouteTemplates::Parse(file); !alone.ok()) {
      return Status::InvalidArgument(file_flag + ": " + alone.status().message());
    }
  }
  Result<RouteTemplates> templates = RouteTemplates::Parse(listed + file);
  if (!templates.ok()) {
    return Status::InvalidArgument("--route-template and " + file_flag + ": " +
                                   templates.status().message());
  }
  if (Status outside = templates->CheckOutsideReservedPrefix(reserved_prefix); !outside.ok()) {
    return Status::InvalidArgument(
        (flags.file.empty() ? std::string("--route-template") : "--route-template, " + file_flag) +
        ": " + outside.message());
  }
  return templates;
}

}  // namespace hitcounter::cli
