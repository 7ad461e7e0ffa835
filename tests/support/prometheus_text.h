// A small parser of Prometheus' text exposition format (0.0.4), strict enough to catch what a
// scraper would refuse: every sample belongs to a family declared by # TYPE, names and labels
// are well formed, values are numbers, and a histogram's buckets are cumulative and end with
// le="+Inf" equal to its _count. For tests.
#ifndef HITCOUNTER_TESTS_SUPPORT_PROMETHEUS_TEXT_H_
#define HITCOUNTER_TESTS_SUPPORT_PROMETHEUS_TEXT_H_

#include <cstdlib>
#include <map>
#include <regex>
#include <sstream>
#include <string>

namespace hitcounter::testing {

struct PrometheusText {
  std::map<std::string, std::string> types;  // family -> counter | gauge | histogram | ...
  std::map<std::string, double> samples;     // `name{labels}` as written -> value
  std::string error;                         // empty when the text parsed

  bool ok() const { return error.empty(); }
  // The value of a sample, or -1 when absent.
  double Value(const std::string& series) const {
    auto found = samples.find(series);
    return found == samples.end() ? -1 : found->second;
  }
};

inline PrometheusText ParsePrometheusText(const std::string& text) {
  static const std::regex kComment(R"(# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*))");
  static const std::regex kSample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? )"
      R"(([-+]?(?:[0-9.]+(?:e[-+]?[0-9]+)?|Inf|NaN)))");
  static const std::regex kTypes("counter|gauge|histogram|summary|untyped");
  PrometheusText out;
  std::istringstream lines(text);
  std::string line;
  int number = 0;
  auto fail = [&](const std::string& why) {
    out.error = "line " + std::to_string(number) + ": " + why + ": " + line;
    return out;
  };
  std::map<std::string, double> last_bucket;  // histogram -> last cumulative bucket count
  while (std::getline(lines, line)) {
    ++number;
    std::smatch match;
    if (line.empty()) continue;
    if (line[0] == '#') {
      if (!std::regex_match(line, match, kComment)) return fail("bad comment");
      if (match[1] == "TYPE") {
        if (!std::regex_match(match[3].str(), kTypes)) return fail("unknown type");
        if (out.types.count(match[2])) return fail("family typed twice");
        out.types[match[2]] = match[3];
      }
      continue;
    }
    if (!std::regex_match(line, match, kSample)) return fail("bad sample");
    std::string name = match[1];
    std::string family = name;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      std::string s(suffix);
      if (!out.types.count(family) && name.size() > s.size() &&
          name.compare(name.size() - s.size(), s.size(), s) == 0) {
        family = name.substr(0, name.size() - s.size());
      }
    }
    if (!out.types.count(family)) return fail("sample of an undeclared family");
    std::string series = name + match[2].str();
    if (out.samples.count(series)) return fail("sample repeated");
    double value = std::strtod(match[4].str().c_str(), nullptr);
    out.samples[series] = value;
    if (out.types[family] == "histogram" && name == family + "_bucket") {
      if (value < last_bucket[family]) return fail("buckets not cumulative");
      last_bucket[family] = value;
    }
    if (out.types[family] == "histogram" && name == family + "_count" &&
        out.Value(family + "_bucket{le=\"+Inf\"}") != value) {
      return fail("_count differs from the +Inf bucket");
    }
  }
  return out;
}

}  // namespace hitcounter::testing

#endif  // HITCOUNTER_TESTS_SUPPORT_PROMETHEUS_TEXT_H_
