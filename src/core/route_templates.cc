#include "hitcounter/route_templates.h"

#include <algorithm>

namespace hitcounter {
namespace {

constexpr std::string_view kWhitespace = " \t\r";

std::string_view Trim(std::string_view text) {
  const std::size_t first = text.find_first_not_of(kWhitespace);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(kWhitespace) - first + 1);
}

bool IsNameCharacter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

// The segments of a normalised route, without its leading '/': "/a/b" has "a" and "b"; "/" has
// none. A route has no empty segment (route.h, rule 5).
std::size_t SegmentCount(std::string_view route) {
  if (route.size() <= 1) return 0;
  return static_cast<std::size_t>(std::count(route.begin(), route.end(), '/'));
}

}  // namespace

Result<RouteTemplates::Template> RouteTemplates::Compile(std::string_view text) {
  const std::string quoted = "route template \"" + std::string(text) + "\"";
  auto refuse = [&quoted](const std::string& why) {
    return Status::InvalidArgument(quoted + ": " + why);
  };
  if (text.empty()) return refuse("is empty");
  if (text.front() != '/') {
    return refuse("must start with '/' (newlines and ';' separate templates in a list)");
  }
  if (text.size() > kMaxRouteTemplateBytes) {
    return refuse("is longer than " + std::to_string(kMaxRouteTemplateBytes) + " bytes");
  }
  Result<std::string> normal = NormalizeRoute(text);
  if (!normal.ok()) return refuse("is not a route: " + normal.status().message());
  if (*normal != text) {
    return refuse("is not a normalised route; write it as routes are counted and listed: \"" +
                  *normal + "\"");
  }
  Template compiled{std::string(text), {}, false};
  if (text == "/") return compiled;
  std::vector<std::string_view> names;
  std::size_t start = 1;
  while (start <= text.size()) {
    std::size_t end = text.find('/', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view segment = text.substr(start, end - start);
    Segment compiled_segment{Segment::Kind::kLiteral, static_cast<std::uint16_t>(start),
                             static_cast<std::uint16_t>(segment.size())};
    if (segment.find_first_of("{}") != std::string_view::npos) {
      if (compiled.rest) return refuse("{name+} must be the last segment");
      std::string_view name = segment;
      if (name.size() < 2 || name.front() != '{' || name.back() != '}' ||
          name.substr(1, name.size() - 2).find_first_of("{}") != std::string_view::npos) {
        return refuse("a parameter must be a whole segment, {name} or {name+}; \"" +
                      std::string(segment) + "\" has braces in the middle of a segment");
      }
      name = name.substr(1, name.size() - 2);
      compiled_segment.kind = Segment::Kind::kOne;
      if (name.ends_with('+')) {
        name.remove_suffix(1);
        compiled_segment.kind = Segment::Kind::kRest;
        compiled.rest = true;
      }
      if (name.empty()) return refuse("the parameter \"" + std::string(segment) + "\" has no name");
      if (name.size() > kMaxTemplateNameBytes ||
          !std::all_of(name.begin(), name.end(), IsNameCharacter)) {
        return refuse("the parameter name \"" + std::string(name) + "\" must be 1 to " +
                      std::to_string(kMaxTemplateNameBytes) + " ASCII letters, digits, '_' or '-'");
      }
      if (std::find(names.begin(), names.end(), name) != names.end()) {
        return refuse("the parameter name \"" + std::string(name) + "\" is used twice");
      }
      names.push_back(name);
    } else if (compiled.rest) {
      return refuse("{name+} must be the last segment");
    }
    compiled.segments.push_back(compiled_segment);
    start = end + 1;
  }
  return compiled;
}

Result<RouteTemplates> RouteTemplates::Make(std::span<const std::string> texts) {
  RouteTemplates templates;
  for (const std::string& text : texts) {
    if (templates.templates_.size() == kMaxRouteTemplates) {
      return Status::InvalidArgument("more than " + std::to_string(kMaxRouteTemplates) +
                                     " route templates");
    }
    Result<Template> compiled = Compile(text);
    if (!compiled.ok()) return compiled.status();
    for (const Template& seen : templates.templates_) {
      if (seen.text == compiled->text) {
        return Status::InvalidArgument("route template \"" + text + "\" is given twice");
      }
    }
    templates.templates_.push_back(std::move(compiled).value());
  }
  return templates;
}

Result<RouteTemplates> RouteTemplates::Parse(std::string_view list) {
  std::vector<std::string> texts;
  while (!list.empty()) {
    const std::size_t line_end = list.find('\n');
    // A comment runs to the end of its line, ';' included.
    std::string_view line = list.substr(0, std::min(line_end, list.find('#')));
    list = line_end == std::string_view::npos ? std::string_view() : list.substr(line_end + 1);
    while (!line.empty()) {
      const std::size_t end = line.find(';');
      const std::string_view entry = Trim(line.substr(0, end));
      line = end == std::string_view::npos ? std::string_view() : line.substr(end + 1);
      if (entry.empty()) continue;
      // Bounded before the whole list is compiled, so a huge list costs no more than this.
      if (texts.size() == kMaxRouteTemplates) {
        return Status::InvalidArgument("more than " + std::to_string(kMaxRouteTemplates) +
                                       " route templates");
      }
      texts.emplace_back(entry);
    }
  }
  return Make(texts);
}

Status RouteTemplates::CheckOutsideReservedPrefix(std::string_view reserved_prefix) const {
  for (const Template& compiled : templates_) {
    if (compiled.text.starts_with(reserved_prefix)) {
      return Status::InvalidArgument(
          "route template \"" + compiled.text + "\" is under the reserved prefix \"" +
          std::string(reserved_prefix) +
          "\": paths there are hitcounter's own endpoints and never count");
    }
  }
  return Status::Ok();
}

bool RouteTemplates::Matches(const Template& compiled, std::string_view route) {
  // The caller checked the segment counts, so each segment of the template has one in the route.
  std::size_t start = 1;
  for (const Segment& segment : compiled.segments) {
    if (segment.kind == Segment::Kind::kRest) return true;
    std::size_t end = route.find('/', start);
    if (end == std::string_view::npos) end = route.size();
    if (segment.kind == Segment::Kind::kLiteral &&
        route.substr(start, end - start) !=
            std::string_view(compiled.text).substr(segment.offset, segment.size)) {
      return false;
    }
    start = end + 1;
  }
  return true;
}

const std::string* RouteTemplates::Match(std::string_view route) const {
  const std::size_t segments = SegmentCount(route);
  for (const Template& compiled : templates_) {
    const bool fits =
        compiled.rest ? segments >= compiled.segments.size() : segments == compiled.segments.size();
    if (fits && Matches(compiled, route)) return &compiled.text;
  }
  return nullptr;
}

}  // namespace hitcounter
