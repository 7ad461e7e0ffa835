// What route templates cost a hit: nanoseconds per route for RouteTemplates::Match in a few
// configurations, next to NormalizeRoute (which every hit pays already) as the baseline.
//
//   build/release/src/core/hc_route_templates_bench [iterations]
//
// Prints one line per case: ns per route, and the ratio to NormalizeRoute's cost.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "hitcounter/route.h"
#include "hitcounter/route_templates.h"

namespace {

using hitcounter::NormalizeRoute;
using hitcounter::RouteTemplates;

// Keeps the compiler from dropping the work measured.
volatile std::size_t sink = 0;

template <typename Work>
double NanosPerRoute(const std::vector<std::string>& routes, int iterations, Work work) {
  const auto start = std::chrono::steady_clock::now();
  std::size_t found = 0;
  for (int i = 0; i < iterations; ++i) {
    for (const std::string& route : routes) found += work(route);
  }
  sink = sink + found;
  const std::chrono::duration<double, std::nano> took = std::chrono::steady_clock::now() - start;
  return took.count() / static_cast<double>(routes.size()) / iterations;
}

std::vector<std::string> Routes(const char* format, int count) {
  std::vector<std::string> routes;
  char buffer[128];
  for (int i = 0; i < count; ++i) {
    std::snprintf(buffer, sizeof buffer, format, i * 7919 % 100000);
    routes.emplace_back(buffer);
  }
  return routes;
}

RouteTemplates Templates(const std::vector<std::string>& texts) {
  auto made = RouteTemplates::Make(texts);
  if (!made.ok()) {
    std::fprintf(stderr, "%s\n", made.status().message().c_str());
    std::exit(1);
  }
  return std::move(made).value();
}

}  // namespace

int main(int argc, char** argv) {
  const int iterations = argc > 1 ? std::atoi(argv[1]) : 200;
  const std::vector<std::string> matching = Routes("/api/v1/users/%d/posts", 1000);
  const std::vector<std::string> unmatched = Routes("/static/assets/app-%d.js", 1000);
  const RouteTemplates none;
  const RouteTemplates few = Templates({"/users/me", "/users/{id}", "/api/v1/users/{id}/posts",
                                        "/files/{path+}", "/api/v1/orders/{id}"});
  // 100 templates as an API might have them: none of them matches the unmatched routes, whose
  // first segment no template names; and the same behind a leading parameter ("/{tenant}/..."),
  // which every route enters.
  std::vector<std::string> hundred_texts;
  std::vector<std::string> hundred_behind_parameter_texts;
  for (int i = 0; i < 100; ++i) {
    hundred_texts.push_back("/r" + std::to_string(i) + "/{id}");
    hundred_behind_parameter_texts.push_back("/{tenant}/r" + std::to_string(i) + "/{id}");
  }
  const RouteTemplates hundred = Templates(hundred_texts);
  const RouteTemplates hundred_behind_parameter = Templates(hundred_behind_parameter_texts);
  std::vector<std::string> many_texts;
  for (int i = 0; i < 1000; ++i) many_texts.push_back("/t" + std::to_string(i) + "/{a}/{b}");
  const RouteTemplates many = Templates(many_texts);

  const double normalize = NanosPerRoute(matching, iterations, [](const std::string& route) {
    return NormalizeRoute(route).ok() ? 1u : 0u;
  });
  std::printf("%-58s %8.1f ns/route\n", "NormalizeRoute (every hit pays it; the baseline)",
              normalize);
  auto report = [&](const char* name, const std::vector<std::string>& routes,
                    const RouteTemplates& templates) {
    const double ns = NanosPerRoute(routes, iterations, [&templates](const std::string& route) {
      return !templates.empty() && templates.Match(route) != nullptr ? 1u : 0u;
    });
    std::printf("%-58s %8.1f ns/route  %5.2fx NormalizeRoute\n", name, ns, ns / normalize);
  };
  report("no templates (the one branch)", matching, none);
  report("5 templates, route matches the third", matching, few);
  report("5 templates, route matches none", unmatched, few);
  report("100 templates, route matches none", unmatched, hundred);
  report("100 templates behind a {tenant} parameter, none matches", unmatched,
         hundred_behind_parameter);
  report("1000 templates of the route's shape, none matches", unmatched, many);
  return 0;
}
