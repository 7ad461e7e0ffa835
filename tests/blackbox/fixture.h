// The black-box fixture: a fresh `hitcounter serve` on its own SQLite file, or, when
// HITCOUNTER_TEST_URL=http://HOST:PORT is set, an already running server (tests that need to
// control the process are skipped then). Routes are made unique per test so a shared server
// does not mix counts.
#ifndef HITCOUNTER_TESTS_BLACKBOX_FIXTURE_H_
#define HITCOUNTER_TESTS_BLACKBOX_FIXTURE_H_

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "tests/support/http_client.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"

namespace hitcounter::testing {

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
      server_ = std::make_unique<ServerProcess>("sqlite:" + DatabasePath(), ExtraArgs());
      port_ = server_->port();
      ASSERT_NE(port_, 0) << "the server did not start";
    }
    client_ = std::make_unique<HttpClient>(host_, port_);
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    unique_ = std::string("/") + info->name() + "-" + std::to_string(std::rand());
  }

  virtual std::vector<std::string> ExtraArgs() { return {}; }
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
  std::string host_ = "127.0.0.1";
  int port_ = 0;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> client_;
  std::string unique_;
};

}  // namespace hitcounter::testing

#endif  // HITCOUNTER_TESTS_BLACKBOX_FIXTURE_H_
