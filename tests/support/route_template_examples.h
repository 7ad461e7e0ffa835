// The examples of route templates (hitcounter/route_templates.h) that the matcher's unit tests
// and both doors run (the standalone server over HTTP on the store under test; the Lambda front
// end through its events, in process and as the packaged bootstrap on DynamoDB Local), so that
// the doors cannot drift apart. The README's table under "Route templates" shows these same
// rows: change both together.
#ifndef HITCOUNTER_TESTS_SUPPORT_ROUTE_TEMPLATE_EXAMPLES_H_
#define HITCOUNTER_TESTS_SUPPORT_ROUTE_TEMPLATE_EXAMPLES_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace hitcounter::testing {

// The templates, in the order given: the first that matches wins.
inline const std::vector<std::string>& ExampleRouteTemplates() {
  static const std::vector<std::string> templates = {
      "/users/me",                 // before /users/{id}, so that it counts apart
      "/users/{id}",               // {id}: exactly one segment
      "/users/{id}/posts/{post}",  // parameters between literals
      "/files/{path+}",            // {path+}: one or more trailing segments
      "/café/{item}",              // a literal is written as routes are listed: decoded
  };
  return templates;
}

struct RouteTemplateExample {
  std::string_view path;        // as a client sends it: percent-encoded, as on the wire
  std::string_view counted_as;  // the route the hit counts under, answers and is listed as
};

inline constexpr RouteTemplateExample kRouteTemplateExamples[] = {
    {"/users/123", "/users/{id}"},
    {"/users/456", "/users/{id}"},
    {"/users/me", "/users/me"},                // the first matching template wins
    {"/users/123/", "/users/{id}"},            // normalised first: "/users/123"
    {"/users//789", "/users/{id}"},            // normalised first: "/users/789"
    {"/users/1/../2", "/users/{id}"},          // normalised first: "/users/2"
    {"/users/a%2Fb", "/users/{id}"},           // an encoded slash stays inside its segment
    {"/users/%7Bid%7D", "/users/{id}"},        // a template's own text counts under it
    {"/users", "/users"},                      // {id} needs a segment: no template matches
    {"/users/123/posts", "/users/123/posts"},  // three segments: no template has three
    {"/users/123/posts/9", "/users/{id}/posts/{post}"},
    {"/Users/123", "/Users/123"},  // literals are case-sensitive
    {"/files/report.pdf", "/files/{path+}"},
    {"/files/2026/q4/report.pdf", "/files/{path+}"},  // {path+}: one or more segments
    {"/files", "/files"},                             // ... but not none
    {"/caf%C3%A9/42", "/café/{item}"},                // literals are compared after decoding
    {"/", "/"},                                       // the root has no segment
};

// `path` as the value of GET /_stats?route=: every byte but unreserved ones and '/' escaped, so
// that the value decodes back to `path` as sent ("%2F" stays "%2F").
inline std::string StatsRouteQuery(std::string_view path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string query = "route=";
  for (char c : path) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') ||
        (byte >= '0' && byte <= '9') || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      query.push_back(c);
    } else {
      query.push_back('%');
      query.push_back(kHex[byte >> 4]);
      query.push_back(kHex[byte & 0xF]);
    }
  }
  return query;
}

// What a door answered, read from its JSON body (count -1 when there was none).
struct DoorAnswer {
  int status = 0;
  std::string route;
  std::int64_t count = -1;
};

// Runs the table through one door, started with ExampleRouteTemplates() on an empty store:
// `hit` sends a path as a hit (GET), `stats` asks GET /_stats?route= for a path
// (StatsRouteQuery). Each hit must answer its template with the count so far; then /_stats must
// answer, for every example's path, its template's record with the final count.
inline void ExpectTheExamplesCountUnderTheirTemplates(
    const std::function<DoorAnswer(std::string_view path)>& hit,
    const std::function<DoorAnswer(std::string_view path)>& stats) {
  std::map<std::string, std::int64_t, std::less<>> counts;
  for (const RouteTemplateExample& example : kRouteTemplateExamples) {
    const std::int64_t expected = ++counts[std::string(example.counted_as)];
    const DoorAnswer answer = hit(example.path);
    EXPECT_EQ(answer.status, 200) << example.path;
    EXPECT_EQ(answer.route, example.counted_as) << example.path;
    EXPECT_EQ(answer.count, expected) << example.path;
  }
  for (const RouteTemplateExample& example : kRouteTemplateExamples) {
    const DoorAnswer answer = stats(example.path);
    EXPECT_EQ(answer.status, 200) << "/_stats?route= " << example.path;
    EXPECT_EQ(answer.route, example.counted_as) << "/_stats?route= " << example.path;
    EXPECT_EQ(answer.count, counts.find(example.counted_as)->second)
        << "/_stats?route= " << example.path;
  }
}

}  // namespace hitcounter::testing

#endif  // HITCOUNTER_TESTS_SUPPORT_ROUTE_TEMPLATE_EXAMPLES_H_
