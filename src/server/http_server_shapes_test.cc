// Each hostile or broken shape of tests/support/hostile_shapes.h on a fresh HttpServer of its
// own, in this process (over a MemoryStore): it gets the status in its table row, the connection
// is closed or kept as the row says, exactly the route the row names is counted (a misframed
// body would show up as a second answer and a smuggled route), and a plain hit still counts
// afterwards. The same shapes go through the real binary, all in turn on one server, in
// tests/blackbox/hostile_traffic_test.cc.
#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "hitcounter/clock.h"
#include "hitcounter/service.h"
#include "server/http_server.h"
#include "tests/support/hostile_shapes.h"
#include "tests/support/memory_store.h"
#include "tests/support/raw_connection.h"

namespace hitcounter::server {
namespace {

using testing::ExpandShape;
using testing::Printable;
using testing::RawConnection;
using testing::RawResponse;
using testing::Shape;

// What `hitcounter serve` runs, without the process: a Service over a MemoryStore behind an
// HttpServer on 127.0.0.1 (a free port), its io_context run by a thread of its own.
class InProcessServer {
 public:
  InProcessServer() : service_(store_, clock_), server_(io_, service_, ServerOptions{}) {
    store_.OnIncrement([this](const Hit& hit, Deadline) {
      std::lock_guard lock(mutex_);
      counted_.push_back(hit.route);
    });
    Result<tcp::endpoint> endpoint = server_.Listen("127.0.0.1", 0);
    if (!endpoint.ok()) return;
    port_ = endpoint->port();
    server_.Start();
    thread_ = std::thread([this] { io_.run(); });
  }

  ~InProcessServer() {
    asio::post(io_, [this] { server_.Shutdown(); });
    if (thread_.joinable()) thread_.join();
  }

  InProcessServer(const InProcessServer&) = delete;
  InProcessServer& operator=(const InProcessServer&) = delete;

  // 0 when the server could not listen.
  int port() const { return port_; }

  // The routes the service counted, in the order it counted them.
  std::vector<std::string> counted() {
    std::lock_guard lock(mutex_);
    return counted_;
  }

 private:
  testing::MemoryStore store_;
  SystemClock clock_;
  Service service_;
  asio::io_context io_;
  HttpServer server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::string> counted_;  // guarded by mutex_
};

// Sends `bytes` on a connection of its own and reads what comes back, up to one answer.
std::vector<RawResponse> AnswersTo(int port, const std::string& bytes, bool* closed) {
  RawConnection connection(port);
  EXPECT_TRUE(connection.connected());
  connection.Send(bytes);
  connection.ReadResponses(1);
  *closed = connection.closed_by_server();
  std::vector<RawResponse> responses = testing::ParseResponses(connection.received());
  EXPECT_EQ(responses.size(), 1u) << Printable(connection.received());
  return responses;
}

class HttpServerShapeTest : public ::testing::TestWithParam<Shape> {};

TEST_P(HttpServerShapeTest, GetsItsStatusAndCountsOnlyWhatWasAccepted) {
  const Shape& shape = GetParam();
  const std::string route = "/shape";
  InProcessServer server;
  ASSERT_NE(server.port(), 0) << "the server did not listen";

  bool closed = false;
  std::vector<RawResponse> responses =
      AnswersTo(server.port(), ExpandShape(shape.request, route), &closed);
  ASSERT_FALSE(responses.empty());
  const RawResponse& response = responses.front();
  EXPECT_EQ(response.status, shape.status) << response.body;
  if (response.status >= 400) {
    auto type = response.headers.find("content-type");
    EXPECT_TRUE(type != response.headers.end() && type->second == "application/json")
        << response.body;
  }
  EXPECT_EQ(closed, shape.closes) << (shape.closes ? "the connection was left open"
                                                   : "the connection was closed");
  // Said in the answer too: an HTTP/1.0 client keeps a connection only when told it may.
  auto connection_header = response.headers.find("connection");
  EXPECT_TRUE(connection_header != response.headers.end() &&
              connection_header->second == (shape.closes ? "close" : "keep-alive"));

  std::vector<std::string> expected;
  if (shape.counts != nullptr) expected.push_back(ExpandShape(shape.counts, route));
  EXPECT_EQ(server.counted(), expected);

  std::vector<RawResponse> after =
      AnswersTo(server.port(), "GET /after HTTP/1.1\r\nHost: x\r\n\r\n", &closed);
  ASSERT_FALSE(after.empty());
  EXPECT_EQ(after.front().status, 200) << after.front().body;
  expected.push_back("/after");
  EXPECT_EQ(server.counted(), expected);
}

std::string ShapeName(const ::testing::TestParamInfo<Shape>& info) { return info.param.name; }

INSTANTIATE_TEST_SUITE_P(Smuggling, HttpServerShapeTest,
                         ::testing::ValuesIn(testing::SmugglingShapes()), ShapeName);
INSTANTIATE_TEST_SUITE_P(Methods, HttpServerShapeTest, ::testing::ValuesIn(testing::MethodShapes()),
                         ShapeName);
INSTANTIATE_TEST_SUITE_P(Targets, HttpServerShapeTest, ::testing::ValuesIn(testing::TargetShapes()),
                         ShapeName);
INSTANTIATE_TEST_SUITE_P(Versions, HttpServerShapeTest,
                         ::testing::ValuesIn(testing::VersionShapes()), ShapeName);
INSTANTIATE_TEST_SUITE_P(Oversized, HttpServerShapeTest,
                         ::testing::ValuesIn(testing::OversizedShapes()), ShapeName);

}  // namespace
}  // namespace hitcounter::server
