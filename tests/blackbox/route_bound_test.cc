// The bound on distinct routes (--max-routes) through real servers on the store under test.
#include <atomic>
#include <thread>
#include <vector>

#include "tests/blackbox/fixture.h"

namespace hitcounter::testing {
namespace {

class RouteBoundTest : public BlackBoxTest {
 protected:
  void SetUp() override {
    BlackBoxTest::SetUp();
    if (External()) GTEST_SKIP() << "starts servers with bounds of their own";
  }

  // A server on this test's store with --max-routes. The fixture's server is stopped first: a
  // SQLite file has one owner.
  std::unique_ptr<ServerProcess> BoundedServer(int max_routes) {
    server_.reset();
    std::vector<std::string> args = ServerArgs();
    args.insert(args.end(), {"--max-routes", std::to_string(max_routes)});
    auto server = std::make_unique<ServerProcess>(store_, args);
    EXPECT_NE(server->port(), 0) << "the bounded server did not start";
    return server;
  }

  std::size_t RoutesListed(HttpClient& client) {
    rapidjson::Document doc = Json(client.Get("/_stats?limit=1000"));
    return doc.IsObject() ? doc["routes"].Size() : 0;
  }
};

TEST_F(RouteBoundTest, PastTheBoundANewRouteGets507AndKnownRoutesKeepCounting) {
  auto server = BoundedServer(3);
  HttpClient client("127.0.0.1", server->port());
  for (const char* suffix : {"/a", "/b", "/c"}) ASSERT_EQ(client.Get(Route(suffix)).status, 200);
  HttpReply refused = client.Get(Route("/d"));
  EXPECT_EQ(refused.status, 507);
  rapidjson::Document error = Json(refused);
  ASSERT_TRUE(error.IsObject());
  EXPECT_STREQ(error["error"].GetString(), "route_limit_reached");
  EXPECT_NE(std::string(error["message"].GetString()).find("3 routes"), std::string::npos);
  HttpReply known = client.Get(Route("/a"));
  EXPECT_EQ(known.status, 200);
  EXPECT_EQ(Json(known)["count"].GetInt64(), 2);
  EXPECT_EQ(client.Get("/_stats?route=" + Route("/d")).status, 404);
  EXPECT_EQ(RoutesListed(client), 3u);
  EXPECT_EQ(client.Get("/_health").status, 200);
}

// On DynamoDB through two servers sharing the table; a SQLite file has one server.
TEST_F(RouteBoundTest, RandomPathsFromConcurrentClientsNeverPassTheBound) {
  constexpr int kMaxRoutes = 10;
  constexpr int kClients = 16;
  constexpr int kPathsPerClient = 8;
  auto first = BoundedServer(kMaxRoutes);
  auto second = StoreUnderTest() == StoreKind::kSqlite ? nullptr : BoundedServer(kMaxRoutes);
  std::atomic<int> ok{0}, refused{0}, other{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      HttpClient client("127.0.0.1", (c % 2 == 0 || !second ? first : second)->port());
      for (int i = 0; i < kPathsPerClient; ++i) {
        int status = client.Get(Route("/" + std::to_string(c) + "-" + std::to_string(i))).status;
        (status == 200 ? ok : status == 507 ? refused : other)++;
      }
    });
  }
  for (std::thread& client : clients) client.join();
  EXPECT_EQ(ok.load(), kMaxRoutes);
  EXPECT_EQ(refused.load(), kClients * kPathsPerClient - kMaxRoutes);
  EXPECT_EQ(other.load(), 0);
  HttpClient client("127.0.0.1", first->port());
  EXPECT_EQ(RoutesListed(client), static_cast<std::size_t>(kMaxRoutes));
}

TEST_F(RouteBoundTest, ABadBoundStopsTheServerAtStartWithAReason) {
  std::string output;
  // Through sh, to read the reason from stderr.
  std::vector<std::string> argv = {"/bin/sh",          "-c",      "exec \"$0\" \"$@\" 2>&1",
                                   HitcounterBinary(), "serve",   "--listen",
                                   "127.0.0.1:0",      "--store", store_,
                                   "--max-routes",     "-5"};
  EXPECT_NE(RunToExit(argv, &output), 0);
  EXPECT_NE(output.find("--max-routes"), std::string::npos) << output;
}

}  // namespace
}  // namespace hitcounter::testing
