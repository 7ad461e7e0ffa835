// Several servers on one store, and a store that goes away and comes back.
#include <set>
#include <thread>

#include "tests/blackbox/fixture.h"

namespace hitcounter::testing {
namespace {

class SharedStoreTest : public BlackBoxTest {
 protected:
  void SetUp() override {
    BlackBoxTest::SetUp();
    if (External()) GTEST_SKIP() << "starts servers of its own";
  }
};

TEST_F(SharedStoreTest, ASecondServerOnOneSqliteFileExitsNamingTheFileAndDynamoDb) {
  if (StoreUnderTest() != StoreKind::kSqlite) GTEST_SKIP() << "servers share a DynamoDB table";
  std::string output;
  std::vector<std::string> argv = {"/bin/sh",          "-c",      "exec \"$0\" \"$@\" 2>&1",
                                   HitcounterBinary(), "serve",   "--listen",
                                   "127.0.0.1:0",      "--store", store_};
  EXPECT_EQ(RunToExit(argv, &output), 1);
  EXPECT_NE(output.find(store_.substr(std::string("sqlite:").size())), std::string::npos) << output;
  EXPECT_NE(output.find("DynamoDB"), std::string::npos) << output;
  ASSERT_EQ(client_->Get(Route()).status, 200) << "the first server keeps counting";
  EXPECT_EQ(CountOf(Route()), 1);
}

TEST_F(SharedStoreTest, TwoServersOnOneStoreCountExactlyAndNeverReturnACountTwice) {
  if (StoreUnderTest() == StoreKind::kSqlite) GTEST_SKIP() << "one server owns a SQLite file";
  constexpr int kClients = 32;
  constexpr int kHitsPerClient = 200;
  ServerProcess second(store_, ServerArgs());
  ASSERT_NE(second.port(), 0);
  const int ports[] = {port_, second.port()};
  std::vector<std::vector<std::int64_t>> returned(kClients);
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      HttpClient client(host_, ports[c % 2]);
      for (int i = 0; i < kHitsPerClient; ++i) {
        HttpReply reply = client.Get(Route("/shared"));
        rapidjson::Document doc;
        doc.Parse(reply.body.c_str());
        if (reply.status == 200 && !doc.HasParseError()) {
          returned[static_cast<std::size_t>(c)].push_back(doc["count"].GetInt64());
        }
      }
    });
  }
  for (std::thread& client : clients) client.join();
  std::set<std::int64_t> unique;
  std::size_t total = 0;
  for (const auto& counts : returned) {
    total += counts.size();
    unique.insert(counts.begin(), counts.end());
  }
  EXPECT_EQ(total, static_cast<std::size_t>(kClients * kHitsPerClient)) << "hits failed";
  EXPECT_EQ(unique.size(), total) << "a count was returned twice";
  EXPECT_EQ(CountOf(Route("/shared")), kClients * kHitsPerClient);
}

TEST_F(SharedStoreTest, AStoppedEngineGives503AndCountingResumesWhenItIsBack) {
  LocalDynamoDb* engine = SharedEngine();
  if (engine == nullptr) GTEST_SKIP() << "a DynamoDB engine fault";
  ASSERT_EQ(client_->Get(Route()).status, 200);
  engine->Kill();
  auto start = std::chrono::steady_clock::now();
  HttpReply down = client_->Get(Route());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(15)) << "hung";
  EXPECT_EQ(down.status, 503);
  EXPECT_STREQ(Json(down)["error"].GetString(), "store_unavailable");
  EXPECT_EQ(client_->Get("/_health").status, 503);
  HttpReply metrics = client_->Get("/_metrics");
  EXPECT_NE(metrics.body.find("\nhitcounter_store_errors_total 1\n"), std::string::npos)
      << metrics.body;

  std::string error;
  ASSERT_TRUE(engine->Restart(&error)) << error;
  // In-memory engines forget their tables: create it again under the same name.
  std::vector<std::string> argv = {HitcounterBinary(), "create-table", "--store", store_};
  for (const std::string& flag : StoreFlags()) argv.push_back(flag);
  ASSERT_EQ(RunToExit(argv), 0);
  HttpReply back = client_->Get(Route());
  EXPECT_EQ(back.status, 200) << back.body;
  EXPECT_EQ(CountOf(Route()), 1);
}

}  // namespace
}  // namespace hitcounter::testing
