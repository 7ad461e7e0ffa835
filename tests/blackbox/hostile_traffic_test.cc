// Hostile and broken traffic through the real binary: every shape of tests/support/
// hostile_shapes.h (request smuggling, odd methods, targets and versions, oversized parts) in
// turn on one server, and pipelines. Each shape gets the status in its table row (a refusal
// closes the connection), and afterwards /_stats shows exactly the hits that were accepted — a
// misframed body would show up as a second answer and a smuggled route — and the server still
// answers normally. Each shape on a fresh server of its own: src/server/http_server_shapes_test.cc,
// in-process.
#include <map>

#include "tests/blackbox/fixture.h"
#include "tests/support/hostile_shapes.h"
#include "tests/support/raw_connection.h"

namespace hitcounter::testing {
namespace {

using namespace std::string_literals;  // "...\0..."s keeps the NUL

class HostileTrafficTest : public BlackBoxTest {
 protected:
  void SetUp() override {
    BlackBoxTest::SetUp();
    if (External()) GTEST_SKIP() << "raw-socket tests need a local server";
  }

  // Sends `shape` on a connection of its own (its routes under `route`) and checks the answer;
  // returns the route it counted, or "" when it counted nothing.
  std::string Try(const Shape& shape, const std::string& route) {
    SCOPED_TRACE(shape.name);
    RawConnection connection(port_);
    EXPECT_TRUE(connection.connected());
    connection.Send(ExpandShape(shape.request, route));
    connection.ReadResponses(1);
    std::vector<RawResponse> responses = ParseResponses(connection.received());
    EXPECT_EQ(responses.size(), 1u) << Printable(connection.received());
    if (responses.empty()) return "";
    const RawResponse& response = responses.front();
    EXPECT_EQ(response.status, shape.status) << response.body;
    if (response.status >= 400) {
      auto type = response.headers.find("content-type");
      EXPECT_TRUE(type != response.headers.end() && type->second == "application/json")
          << response.body;
    }
    EXPECT_EQ(connection.closed_by_server(), shape.closes)
        << (shape.closes ? "the connection was left open" : "the connection was closed");
    // Said in the answer too: an HTTP/1.0 client keeps a connection only when told it may.
    auto connection_header = response.headers.find("connection");
    EXPECT_TRUE(connection_header != response.headers.end() &&
                connection_header->second == (shape.closes ? "close" : "keep-alive"));
    return shape.counts == nullptr ? "" : ExpandShape(shape.counts, route);
  }

  // Every route under this test's prefix with its count, from /_stats.
  std::map<std::string, std::int64_t> CountedRoutes() {
    HttpReply reply = client_->Get("/_stats?limit=1000&prefix=" + Route());
    EXPECT_EQ(reply.status, 200) << reply.body;
    std::map<std::string, std::int64_t> counts;
    rapidjson::Document stats = Json(reply);
    if (!stats.IsObject() || !stats.HasMember("routes")) return counts;
    for (const auto& entry : stats["routes"].GetArray()) {
      counts[entry["route"].GetString()] = entry["count"].GetInt64();
    }
    return counts;
  }

  // The counts are exactly `expected`, and the server still counts a plain hit.
  void ExpectCountsAndAServerStillServing(const std::map<std::string, std::int64_t>& expected) {
    EXPECT_EQ(CountedRoutes(), expected);
    const std::string after = "/after" + Route();
    EXPECT_EQ(client_->Get(after).status, 200);
    EXPECT_EQ(CountOf(after), 1);
  }
};

// Each group again, every shape on one server in turn: what one shape leaves behind does not
// change how the next is answered or counted.
TEST_F(HostileTrafficTest, EveryGroupInTurnOnOneServerCountsExactlyTheAcceptedHits) {
  std::map<std::string, std::int64_t> expected;
  for (const std::vector<Shape>& group : AllShapeGroups()) {
    for (const Shape& shape : group) {
      std::string counted = Try(shape, Route("/" + std::string(shape.name)));
      if (!counted.empty()) ++expected[counted];
    }
    EXPECT_EQ(CountedRoutes(), expected);
    EXPECT_EQ(client_->Get("/_health").status, 200);
  }
  ExpectCountsAndAServerStillServing(expected);
}

// N requests in one write; the route each answer names, in order.
std::vector<std::string> AnsweredRoutes(const std::vector<RawResponse>& responses) {
  std::vector<std::string> routes;
  for (const RawResponse& response : responses) {
    rapidjson::Document doc;
    doc.Parse(response.body.c_str());
    routes.push_back(doc.IsObject() && doc.HasMember("route") ? doc["route"].GetString()
                                                              : std::to_string(response.status));
  }
  return routes;
}

TEST_F(HostileTrafficTest, AHundredPipelinedRequestsInOneWriteAreAnsweredInOrder) {
  std::string pipeline;
  std::vector<std::string> routes;
  std::map<std::string, std::int64_t> expected;
  for (int i = 0; i < 100; ++i) {
    routes.push_back(Route("/" + std::to_string(i % 7)));
    ++expected[routes.back()];
    // Bodies of both framings in between: each is read whole and does not spill over.
    if (i % 3 == 1) {
      pipeline += "POST " + routes.back() + " HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc";
    } else if (i % 3 == 2) {
      pipeline += "PUT " + routes.back() +
                  " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n";
    } else {
      pipeline += "GET " + routes.back() + " HTTP/1.1\r\nHost: x\r\n\r\n";
    }
  }
  RawConnection connection(port_);
  ASSERT_TRUE(connection.Send(pipeline));
  connection.ReadResponses(routes.size());
  EXPECT_EQ(AnsweredRoutes(ParseResponses(connection.received())), routes);
  EXPECT_FALSE(connection.closed_by_server());
  ExpectCountsAndAServerStillServing(expected);
}

TEST_F(HostileTrafficTest, APipelineIsAnsweredUpToABadRequestAndClosedAfterIt) {
  const std::vector<std::string> bad_requests = {
      "G(T /x HTTP/1.1\r\nHost: x\r\n\r\n",
      "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
      "GET /x HTTP/1.1\r\n\r\n",
      "GET /x\0 HTTP/1.1\r\nHost: x\r\n\r\n"s,
  };
  std::map<std::string, std::int64_t> expected;
  for (std::size_t i = 0; i < bad_requests.size(); ++i) {
    SCOPED_TRACE(Printable(bad_requests[i]));
    std::string before = Route("/" + std::to_string(i) + "/before");
    std::string after = Route("/" + std::to_string(i) + "/after");
    std::string get_before = "GET " + before + " HTTP/1.1\r\nHost: x\r\n\r\n";
    std::string get_after = "GET " + after + " HTTP/1.1\r\nHost: x\r\n\r\n";
    RawConnection connection(port_);
    ASSERT_TRUE(connection.Send(get_before + get_before + get_before + bad_requests[i] + get_after +
                                get_after));
    EXPECT_TRUE(connection.WaitForClose(std::chrono::seconds(5)));
    std::vector<RawResponse> responses = ParseResponses(connection.received());
    EXPECT_EQ(AnsweredRoutes(responses), (std::vector<std::string>{before, before, before, "400"}))
        << Printable(connection.received());
    expected[before] = 3;
  }
  ExpectCountsAndAServerStillServing(expected);
}

}  // namespace
}  // namespace hitcounter::testing
