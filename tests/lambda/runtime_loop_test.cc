// The runtime loop in-process: RuntimeClient + RunLoop against the emulator, over an in-memory
// store, so that what the bootstrap does per invocation can be observed from inside.
#include "lambda/runtime_loop.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <stdio.h>

#include <cstdlib>
#include <future>
#include <thread>

#include "tests/lambda/runtime_api_emulator.h"
#include "tests/support/memory_store.h"

namespace hitcounter::lambda {
namespace {

using testing::RuntimeApiEmulator;
using Kind = RuntimeApiEmulator::Outcome::Kind;
using namespace std::chrono_literals;

rapidjson::Document Json(const std::string& text) {
  rapidjson::Document document;
  document.Parse(text.c_str());
  EXPECT_FALSE(document.HasParseError()) << text;
  return document;
}

// A loop on a thread of its own, with the log in memory.
class RuntimeLoopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto runtime = RuntimeClient::Create(emulator_->address());
    ASSERT_TRUE(runtime.ok());
    runtime_ = std::move(runtime).value();
    log_ = open_memstream(&log_text_, &log_size_);
    LoopOptions options;
    options.log = log_;
    options.asked_for_first_event = [this] {
      std::lock_guard lock(mutex_);
      asked_ += 1;
      asked_before_first_event_ = deadlines_.empty();
    };
    options.before_first_event = [this] {
      std::lock_guard lock(mutex_);
      before_first_ += 1;
      before_first_before_handling_ = deadlines_.empty();
    };
    store_.OnIncrement([this](const Hit&, Deadline deadline) {
      std::lock_guard lock(mutex_);
      deadlines_.push_back(deadline);
      trace_ids_.push_back(std::getenv("_X_AMZN_TRACE_ID") ? std::getenv("_X_AMZN_TRACE_ID") : "");
    });
    loop_ = std::async(std::launch::async,
                       [this, options] { return RunLoop(*runtime_, service_, options); });
  }

  void TearDown() override {
    emulator_.reset();  // the Runtime API goes away: the loop ends
    if (loop_.valid()) {
      EXPECT_EQ(loop_.wait_for(10s), std::future_status::ready);
      EXPECT_EQ(loop_.get(), 1);
    }
    if (log_ != nullptr) std::fclose(log_);
    std::free(log_text_);
  }

  std::string Log() {
    std::fflush(log_);
    return std::string(log_text_, log_size_);
  }

  std::unique_ptr<RuntimeApiEmulator> emulator_ = std::make_unique<RuntimeApiEmulator>();
  std::unique_ptr<RuntimeClient> runtime_;
  testing::MemoryStore store_;
  FakeClock clock_{1'795'701'907'123};
  Service service_{store_, clock_};
  std::future<int> loop_;
  std::FILE* log_ = nullptr;
  char* log_text_ = nullptr;
  std::size_t log_size_ = 0;
  std::mutex mutex_;
  std::vector<Deadline> deadlines_;
  std::vector<std::string> trace_ids_;
  int asked_ = 0;
  bool asked_before_first_event_ = false;
  int before_first_ = 0;
  bool before_first_before_handling_ = false;
};

TEST_F(RuntimeLoopTest, SaysOnceThatItAskedForItsFirstEventBeforeAnyEventCame) {
  ASSERT_TRUE(emulator_->WaitForFirstNext(10s).has_value());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(emulator_->InvokeAndWait(R"({"httpMethod":"GET","path":"/a"})").has_value());
  }
  std::lock_guard lock(mutex_);
  EXPECT_EQ(asked_, 1) << "once, for the first GET /next only";
  EXPECT_TRUE(asked_before_first_event_);
  EXPECT_EQ(before_first_, 1) << "once, for the first event only";
  EXPECT_TRUE(before_first_before_handling_);
  EXPECT_EQ(deadlines_.size(), 3u);
}

TEST_F(RuntimeLoopTest, AnswersEachEventWithAProxyResponseOverOneConnection) {
  for (int i = 1; i <= 20; ++i) {
    auto outcome = emulator_->InvokeAndWait(R"({"httpMethod":"GET","path":"/a"})");
    ASSERT_TRUE(outcome.has_value());
    ASSERT_EQ(outcome->kind, Kind::kResponse);
    rapidjson::Document response = Json(outcome->body);
    EXPECT_EQ(response["statusCode"].GetInt(), 200);
    EXPECT_EQ(Json(response["body"].GetString())["count"].GetInt64(), i);
  }
  EXPECT_EQ(emulator_->connections_accepted(), 1u);
  EXPECT_EQ(runtime_->connections_opened(), 1u);
}

TEST_F(RuntimeLoopTest, PassesTheDeadlineLessTheAnswerMarginAndSetsTheTraceId) {
  const auto before = std::chrono::steady_clock::now();
  const std::string id = emulator_->Invoke(R"({"httpMethod":"GET","path":"/a"})", 2000ms);
  ASSERT_TRUE(emulator_->WaitForOutcome(id, 10s).has_value());
  const auto after = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  ASSERT_EQ(deadlines_.size(), 1u);
  // Epoch milliseconds lose up to 1 ms in the conversion.
  EXPECT_GE(deadlines_[0], before + 2000ms - kAnswerMargin - 1ms);
  EXPECT_LE(deadlines_[0], after + 2000ms - kAnswerMargin + 1ms);
  EXPECT_EQ(trace_ids_[0], emulator_->TraceIdOf(id));
}

TEST_F(RuntimeLoopTest, StoreFailuresAndOddEventsAreResponsesAndTheLoopGoesOn) {
  store_.FailWith(Status::Unavailable("down"));
  auto down = emulator_->InvokeAndWait(R"({"httpMethod":"GET","path":"/a"})");
  ASSERT_TRUE(down.has_value());
  EXPECT_EQ(down->kind, Kind::kResponse);
  EXPECT_EQ(Json(down->body)["statusCode"].GetInt(), 503);
  store_.FailWith(Status::Ok());
  auto odd = emulator_->InvokeAndWait("\x01 not json");
  ASSERT_TRUE(odd.has_value());
  EXPECT_EQ(Json(odd->body)["statusCode"].GetInt(), 400);
  auto big = emulator_->InvokeAndWait(std::string(kMaxEventBytes + 1, ' '));
  ASSERT_TRUE(big.has_value());
  EXPECT_EQ(Json(big->body)["statusCode"].GetInt(), 413) << big->body;
  auto fine = emulator_->InvokeAndWait(R"({"httpMethod":"GET","path":"/a"})");
  ASSERT_TRUE(fine.has_value());
  EXPECT_EQ(Json(fine->body)["statusCode"].GetInt(), 200);
}

TEST_F(RuntimeLoopTest, LogsOneJsonLinePerInvocationWithoutThePayload) {
  const std::string id = emulator_->Invoke(
      R"({"httpMethod":"POST","path":"/x","body":"secret-payload","headers":{"Authorization":"Bearer t0ken"}})");
  ASSERT_TRUE(emulator_->WaitForOutcome(id, 10s).has_value());
  const std::string bad = emulator_->Invoke(R"({"httpMethod":"GET","path":"/%zz"})");
  ASSERT_TRUE(emulator_->WaitForOutcome(bad, 10s).has_value());
  std::string log = Log();
  EXPECT_EQ(log.find("secret-payload"), std::string::npos) << log;
  EXPECT_EQ(log.find("t0ken"), std::string::npos) << log;
  std::size_t newline = log.find('\n');
  ASSERT_NE(newline, std::string::npos);
  rapidjson::Document hit = Json(log.substr(0, newline));
  EXPECT_EQ(hit["requestId"].GetString(), id);
  EXPECT_STREQ(hit["route"].GetString(), "/x");
  EXPECT_EQ(hit["status"].GetInt(), 200);
  EXPECT_EQ(hit["count"].GetInt64(), 1);
  EXPECT_TRUE(hit["durationMs"].IsNumber());
  const std::size_t second_end = log.find('\n', newline + 1);
  ASSERT_NE(second_end, std::string::npos);
  rapidjson::Document refused = Json(log.substr(newline + 1, second_end - newline - 1));
  EXPECT_EQ(refused["status"].GetInt(), 400);
  EXPECT_STREQ(refused["error"].GetString(), "invalid_path");
}

TEST(RuntimeClientTest, ReportsErrorsAsTheRuntimeApiDocuments) {
  RuntimeApiEmulator emulator;
  auto runtime = std::move(RuntimeClient::Create(emulator.address())).value();
  const std::string id = emulator.Invoke("{}");
  Result<Invocation> invocation = runtime->Next();
  ASSERT_TRUE(invocation.ok()) << invocation.status().message();
  EXPECT_EQ(invocation->request_id, id);
  EXPECT_EQ(invocation->event, "{}");
  ASSERT_TRUE(invocation->deadline.has_value());
  ASSERT_TRUE(runtime->PostError(id, ErrorReport{"Runtime.Test", "it \"broke\""}).ok());
  auto outcome = emulator.WaitForOutcome(id, 10s);
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->kind, Kind::kError);
  EXPECT_EQ(outcome->error_type, "Runtime.Test");
  rapidjson::Document body = Json(outcome->body);
  EXPECT_STREQ(body["errorMessage"].GetString(), "it \"broke\"");
  EXPECT_STREQ(body["errorType"].GetString(), "Runtime.Test");
  EXPECT_TRUE(body["stackTrace"].IsArray());
  // A second answer to the same invocation is refused.
  EXPECT_FALSE(runtime->PostResponse(id, "{}").ok());
  ASSERT_TRUE(runtime->PostInitError(ErrorReport{"Runtime.InitTest", "no"}).ok());
  auto init = emulator.WaitForInitError(10s);
  ASSERT_TRUE(init.has_value());
  EXPECT_EQ(init->error_type, "Runtime.InitTest");
}

TEST(RuntimeClientTest, ABadAddressIsRefusedAndAnAbsentApiIsUnavailable) {
  EXPECT_FALSE(RuntimeClient::Create("no-port").ok());
  auto runtime = std::move(RuntimeClient::Create("127.0.0.1:1")).value();
  EXPECT_EQ(runtime->Next().status().code(), StatusCode::kUnavailable);
}

TEST(StoreDeadlineTest, IsTheLambdaDeadlineLessTheMarginAndNeverInThePast) {
  const aws::Deadline now = std::chrono::steady_clock::now();
  EXPECT_EQ(StoreDeadline(10'000, 7'000, now), now + 3'000ms - kAnswerMargin);
  EXPECT_EQ(StoreDeadline(10'000, 10'000, now), now);
  EXPECT_EQ(StoreDeadline(10'000, 20'000, now), now);
}

}  // namespace
}  // namespace hitcounter::lambda
