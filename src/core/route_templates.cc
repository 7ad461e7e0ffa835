#include "hitcounter/route_templates.h"

#include <algorithm>

#include "core/text.h"

namespace hitcounter {
namespace {

bool IsNameCharacter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

}  // namespace

Status RouteTemplates::Add(std::string_view text) {
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
  for (const std::string& seen : texts_) {
    if (seen == text) return Status::InvalidArgument(quoted + " is given twice");
  }
  // The template's path through the tree: a literal's text, or a parameter (empty). A final
  // {name+} is not a step: the node before it takes it.
  struct Step {
    std::string_view literal;
    bool parameter = false;
  };
  std::vector<Step> steps;
  std::vector<std::string_view> names;
  bool rest = false;
  for (std::size_t start = 1; start < text.size();) {
    std::size_t end = text.find('/', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view segment = text.substr(start, end - start);
    start = end + 1;
    if (rest) return refuse("{name+} must be the last segment");
    if (segment.find_first_of("{}") == std::string_view::npos) {
      steps.push_back({segment, false});
      continue;
    }
    if (segment.size() < 2 || segment.front() != '{' || segment.back() != '}' ||
        segment.substr(1, segment.size() - 2).find_first_of("{}") != std::string_view::npos) {
      return refuse("a parameter must be a whole segment, {name} or {name+}; \"" +
                    std::string(segment) + "\" has braces in the middle of a segment");
    }
    std::string_view name = segment.substr(1, segment.size() - 2);
    if (name.ends_with('+')) {
      name.remove_suffix(1);
      rest = true;
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
    if (!rest) steps.push_back({{}, true});
  }
  // Into the tree (Make drops the whole tree when a template fails). A template that ends
  // where an earlier one ends matches the same routes, all of which the earlier one takes.
  const auto index = static_cast<std::uint32_t>(texts_.size());
  if (nodes_.empty()) nodes_.emplace_back();
  std::vector<std::uint32_t> path = {0};
  for (const Step& step : steps) {
    const std::uint32_t here = path.back();
    std::uint32_t next = step.parameter ? nodes_[here].parameter : kNone;
    if (!step.parameter) {
      auto found = nodes_[here].literals.find(step.literal);
      if (found != nodes_[here].literals.end()) next = found->second;
    }
    if (next == kNone) {
      next = static_cast<std::uint32_t>(nodes_.size());
      nodes_.emplace_back();  // may move the nodes: `here` is an index, not a reference
      if (step.parameter) {
        nodes_[here].parameter = next;
      } else {
        nodes_[here].literals.emplace(std::string(step.literal), next);
      }
    }
    path.push_back(next);
  }
  std::uint32_t& slot = rest ? nodes_[path.back()].rest_here : nodes_[path.back()].ends_here;
  if (slot != kNone) {
    return refuse("matches the same routes as \"" + texts_[slot] +
                  "\", which comes first, so it would never count");
  }
  slot = index;
  for (std::uint32_t node : path) nodes_[node].first = std::min(nodes_[node].first, index);
  texts_.emplace_back(text);
  return Status::Ok();
}

Result<RouteTemplates> RouteTemplates::Make(std::span<const std::string> texts) {
  RouteTemplates templates;
  for (const std::string& text : texts) {
    if (templates.texts_.size() == kMaxRouteTemplates) {
      return Status::InvalidArgument("more than " + std::to_string(kMaxRouteTemplates) +
                                     " route templates");
    }
    if (Status added = templates.Add(text); !added.ok()) return added;
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
      const std::string_view entry = TrimBlanks(line.substr(0, end));
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
  for (const std::string& text : texts_) {
    if (text.starts_with(reserved_prefix)) {
      return Status::InvalidArgument(
          "route template \"" + text + "\" is under the reserved prefix \"" +
          std::string(reserved_prefix) +
          "\": paths there are hitcounter's own endpoints and never count");
    }
  }
  return Status::Ok();
}

void RouteTemplates::Search(std::uint32_t node_index, std::string_view route, std::size_t position,
                            std::uint32_t& best) const {
  const Node& node = nodes_[node_index];
  if (node.first >= best) return;  // nothing here could win
  if (position > route.size()) {   // no segment left
    best = std::min(best, node.ends_here);
    return;
  }
  best = std::min(best, node.rest_here);  // {name+} takes the one or more segments left
  std::size_t end = route.find('/', position);
  if (end == std::string_view::npos) end = route.size();
  if (!node.literals.empty()) {
    auto found = node.literals.find(route.substr(position, end - position));
    if (found != node.literals.end()) Search(found->second, route, end + 1, best);
  }
  if (node.parameter != kNone) Search(node.parameter, route, end + 1, best);
}

const std::string* RouteTemplates::Match(std::string_view route) const {
  if (nodes_.empty()) return nullptr;
  std::uint32_t best = kNone;
  // The root "/" has no segment: its search starts past its end.
  Search(0, route, route.size() <= 1 ? route.size() + 1 : 1, best);
  return best == kNone ? nullptr : &texts_[best];
}

}  // namespace hitcounter
