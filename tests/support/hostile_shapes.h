// Hostile and broken HTTP/1.1 traffic as tables of shapes: request smuggling, odd methods,
// targets and versions, oversized parts. Each shape says the one status it must get, the route it
// counts (if any) and whether the server closes the connection after answering. Sent one per
// server in-process (src/server/http_server_shapes_test.cc) and all in turn through the real
// binary (tests/blackbox/hostile_traffic_test.cc).
#ifndef HITCOUNTER_TESTS_SUPPORT_HOSTILE_SHAPES_H_
#define HITCOUNTER_TESTS_SUPPORT_HOSTILE_SHAPES_H_

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace hitcounter::testing {

// A request to send and what must come of it.
struct Shape {
  const char* name;     // the test case's name: what is sent
  std::string request;  // the bytes; "{r}" stands for the test's own route
  int status;           // the one answer's status
  const char* counts;   // the route counted once ("{r}..."), or nullptr: nothing counts
  bool closes;          // the server closes the connection after answering
};

// Test logs name the shape rather than dump its bytes.
inline void PrintTo(const Shape& shape, std::ostream* out) { *out << shape.name; }

std::vector<Shape> SmugglingShapes();
std::vector<Shape> MethodShapes();
std::vector<Shape> TargetShapes();
std::vector<Shape> VersionShapes();
std::vector<Shape> OversizedShapes();

// Every group above, in that order.
std::vector<std::vector<Shape>> AllShapeGroups();

// `pattern` with "{r}" replaced by `route`.
std::string ExpandShape(std::string pattern, const std::string& route);

// `bytes` with what is not printable ASCII escaped (\xNN), cut at 600 bytes: for failure
// messages.
std::string Printable(std::string_view bytes);

}  // namespace hitcounter::testing

#endif  // HITCOUNTER_TESTS_SUPPORT_HOSTILE_SHAPES_H_
