// The black-box fixture: a fresh `hitcounter serve` on a fresh store, or, when
// HITCOUNTER_TEST_URL=http://HOST:PORT is set, an already running server (tests that need to
// control the process are skipped then). Routes are made unique per test so a shared server
// does not mix counts.
//
// HITCOUNTER_TEST_STORE picks the store: "sqlite" (the default: a file per test), or
// "dynalite" / "dynamodb-local" (one engine per test process on loopback, a table per test).
#ifndef HITCOUNTER_TESTS_BLACKBOX_FIXTURE_H_
#define HITCOUNTER_TESTS_BLACKBOX_FIXTURE_H_

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "tests/support/http_client.h"
#include "tests/support/local_dynamodb.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"

namespace hitcounter::testing {

// The store under test; see above.
enum class StoreKind { kSqlite, kDynalite, kDynamoDbLocal };
StoreKind StoreUnderTest();

// The engine shared by this process's tests (started on first use), or nullptr for SQLite.
LocalDynamoDb* SharedEngine();

// `hitcounter serve` arguments after --store for the store under test: the endpoint for a
// DynamoDB engine.
std::vector<std::string> StoreFlags();

// A new, empty store spec: "sqlite:DIR/hits.db", or "dynamodb:TABLE" for a table it creates.
std::string FreshStore(const std::string& dir);

// Runs the command to its end; its exit code (-1 when it did not start or end in time).
int RunToExit(const std::vector<std::string>& argv, std::string* output = nullptr);

class BlackBoxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* url = std::getenv("HITCOUNTER_TEST_URL");
    if (url != nullptr && *url != '\0') {
      std::string text(url);
      std::string rest = text.substr(text.find("://") + 3);
      host_ = rest.substr(0, rest.rfind(':'));
      port_ = std::atoi(rest.c_str() + rest.rfind(':') + 1);
    } else {
      store_ = FreshStore(dir_.path());
      ASSERT_FALSE(store_.empty()) << "no store to test";
      server_ = std::make_unique<ServerProcess>(store_, ServerArgs());
      port_ = server_->port();
      ASSERT_NE(port_, 0) << "the server did not start";
    }
    client_ = std::make_unique<HttpClient>(host_, port_);
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    unique_ = std::string("/") + info->name() + "-" + std::to_string(std::rand());
  }

  // Arguments of `serve` after --store.
  std::vector<std::string> ServerArgs() { return StoreFlags(); }
  std::string DatabasePath() { return dir_.path() + "/hits.db"; }
  bool External() const { return server_ == nullptr; }

  // A route that belongs to this test alone.
  std::string Route(const std::string& suffix = "") { return unique_ + suffix; }

  static rapidjson::Document Json(const HttpReply& reply) {
    rapidjson::Document doc;
    doc.Parse(reply.body.c_str());
    EXPECT_FALSE(doc.HasParseError()) << reply.body;
    return doc;
  }

  std::int64_t CountOf(const std::string& route) {
    HttpReply reply = client_->Get("/_stats?route=" + route);
    if (reply.status == 404) return 0;
    EXPECT_EQ(reply.status, 200) << reply.body;
    rapidjson::Document doc = Json(reply);
    return doc.IsObject() && doc.HasMember("count") ? doc["count"].GetInt64() : -1;
  }

  TempDir dir_;
  std::string store_;  // the store spec the server was started with
  std::string host_ = "127.0.0.1";
  int port_ = 0;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> client_;
  std::string unique_;
};

}  // namespace hitcounter::testing

#endif  // HITCOUNTER_TESTS_BLACKBOX_FIXTURE_H_
