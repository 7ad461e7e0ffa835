// The real package end to end: bootstrap, unpacked from hitcounter-lambda.zip into an empty
// directory, run as Lambda runs it (AWS_LAMBDA_RUNTIME_API pointing at the emulator) against
// DynamoDB Local. Every fixture event and generated ones; the answers, the counts in the table
// afterwards, and the failure paths.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "store/dynamodb_test_support.h"
#include "tests/lambda/lambda_package.h"
#include "tests/lambda/runtime_api_emulator.h"
#include "tests/support/route_template_examples.h"
#include "tests/support/store_calls.h"
#include "tests/support/test_ca.h"
#include "tests/support/tls_proxy.h"

namespace hitcounter::testing {
namespace {

using namespace std::chrono_literals;
using Kind = RuntimeApiEmulator::Outcome::Kind;

constexpr auto kAnswerWait = 30s;
constexpr int kCreateAttempts = 3;

std::string Fixture(const std::string& name) {
  std::ifstream file(std::string(HITCOUNTER_APIGW_DATA) + "/" + name);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

std::string RestEvent(const std::string& method, const std::string& path,
                      const std::string& extra = "") {
  return R"({"resource":"/{proxy+}","httpMethod":")" + method + R"(","path":")" + path +
         R"(","requestContext":{"stage":"prod"},"isBase64Encoded":false)" + extra + "}";
}

std::string HttpApiEvent(const std::string& method, const std::string& raw_path,
                         const std::string& stage = "$default", const std::string& query = "") {
  return R"({"version":"2.0","routeKey":"$default","rawPath":")" + raw_path +
         R"(","rawQueryString":")" + query + R"(","requestContext":{"stage":")" + stage +
         R"(","http":{"method":")" + method + R"("}}})";
}

// A proxy response, checked to have exactly the shape API Gateway accepts.
struct ProxyAnswer {
  int status = 0;
  std::string content_type;
  std::map<std::string, std::string> headers;  // as sent
  rapidjson::Document body;
};

ProxyAnswer ReadProxyAnswer(const std::optional<RuntimeApiEmulator::Outcome>& outcome) {
  ProxyAnswer answer;
  EXPECT_TRUE(outcome.has_value()) << "no answer";
  if (!outcome) return answer;
  EXPECT_EQ(outcome->kind, Kind::kResponse) << outcome->body;
  rapidjson::Document json;
  json.Parse(outcome->body.c_str());
  EXPECT_TRUE(!json.HasParseError() && json.IsObject()) << outcome->body;
  if (json.HasParseError() || !json.IsObject()) return answer;
  EXPECT_EQ(json.MemberCount(), 4u) << outcome->body;
  EXPECT_TRUE(json.HasMember("statusCode") && json["statusCode"].IsInt()) << outcome->body;
  EXPECT_TRUE(json.HasMember("headers") && json["headers"].IsObject()) << outcome->body;
  EXPECT_TRUE(json.HasMember("body") && json["body"].IsString()) << outcome->body;
  EXPECT_TRUE(json.HasMember("isBase64Encoded") && json["isBase64Encoded"].IsFalse());
  if (!json["statusCode"].IsInt() || !json["headers"].IsObject() || !json["body"].IsString()) {
    return answer;
  }
  answer.status = json["statusCode"].GetInt();
  for (const auto& [name, value] : json["headers"].GetObject()) {
    EXPECT_TRUE(value.IsString()) << outcome->body;
    if (!value.IsString()) continue;
    answer.headers[name.GetString()] = value.GetString();
    if (std::string_view(name.GetString()) == "Content-Type") {
      answer.content_type = value.GetString();
    }
  }
  answer.body.Parse(json["body"].GetString());
  return answer;
}

class BootstrapTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { zip_ = new UnpackedLambdaZip(); }
  static void TearDownTestSuite() {
    delete zip_;
    zip_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(zip_->ok()) << "cannot unpack " << HITCOUNTER_LAMBDA_ZIP;
    // The function's environment is only what the test gives (a child inherits this process's
    // environment, and the inherited value wins): no table, and none of the host's CA settings.
    for (const char* name : {"TABLE_NAME", "SSL_CERT_FILE", "SSL_CERT_DIR"}) unsetenv(name);
  }

  // The environment Lambda would give the function, pointing at `engine`'s table `table`.
  std::vector<std::string> FunctionEnvironment(const LocalDynamoDb& engine,
                                               const std::string& table) {
    return {"AWS_LAMBDA_RUNTIME_API=" + emulator_.address(), "TABLE_NAME=" + table,
            "AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test",
            "AWS_SESSION_TOKEN=token", "AWS_ENDPOINT_URL_DYNAMODB=" + engine.endpoint_url(),
            // Hermetic: no profile of the machine running the tests fills a gap.
            "AWS_CONFIG_FILE=" + zip_->dir() + "/no-config",
            "AWS_SHARED_CREDENTIALS_FILE=" + zip_->dir() + "/no-credentials"};
  }

  // A new table on `engine`, and the function started on it with `extra_env`.
  void StartFunction(LocalDynamoDb& engine, const std::vector<std::string>& extra_env = {}) {
    table_ = UniqueTableName("lambda");
    settings_ = SettingsFor(engine, table_);
    // DynamoDB Local's first calls can take seconds on a loaded machine; creating is idempotent.
    Status created;
    for (int attempt = 0; attempt < kCreateAttempts; ++attempt) {
      created = CreateDynamoDbTable(settings_, std::nullopt, kTableWait);
      if (created.ok()) break;
    }
    ASSERT_TRUE(created.ok()) << created.message();
    std::vector<std::string> env = FunctionEnvironment(engine, table_);
    for (const std::string& variable : extra_env) {  // replaces a variable of the same name
      const std::string name = variable.substr(0, variable.find('=') + 1);
      std::erase_if(env, [&name](const std::string& v) { return v.rfind(name, 0) == 0; });
      env.push_back(variable);
    }
    function_ = Launch(env);
    ASSERT_NE(function_, nullptr);
  }

  std::unique_ptr<ChildProcess> Launch(const std::vector<std::string>& env) {
    return ChildProcess::Start({zip_->bootstrap()}, env, zip_->dir());
  }

  // The count of `route` in the table, read straight from it; 0 when never hit.
  std::int64_t CountInTable(const std::string& route) {
    auto store = std::move(DynamoDbStore::Open(settings_)).value();
    Result<RouteStats> stats = GetNow(*store, route);
    if (!stats.ok()) {
      EXPECT_EQ(stats.status().code(), StatusCode::kNotFound) << stats.status().message();
      return 0;
    }
    return stats->count;
  }

  ProxyAnswer Invoke(const std::string& event) {
    return ReadProxyAnswer(emulator_.InvokeAndWait(event, kAnswerWait));
  }

  // Invokes `event` and expects a counted hit on `route` with `count`.
  void ExpectHit(const std::string& event, const std::string& route, std::int64_t count) {
    ProxyAnswer answer = Invoke(event);
    ASSERT_EQ(answer.status, 200) << event;
    EXPECT_EQ(answer.content_type, "application/json");
    ASSERT_TRUE(answer.body.IsObject()) << event;
    EXPECT_EQ(answer.body["route"].GetString(), route) << event;
    EXPECT_EQ(answer.body["count"].GetInt64(), count) << event;
  }

  void ExpectError(const std::string& event, int status, const std::string& error) {
    ProxyAnswer answer = Invoke(event);
    EXPECT_EQ(answer.status, status) << event;
    EXPECT_EQ(answer.content_type, "application/json");
    ASSERT_TRUE(answer.body.IsObject()) << event;
    EXPECT_EQ(answer.body["error"].GetString(), error) << event;
  }

  void KillAndRestartTheEngineUnderInvocations(Engine kind);

  static UnpackedLambdaZip* zip_;
  RuntimeApiEmulator emulator_;
  std::string table_;
  DynamoDbSettings settings_;
  std::unique_ptr<ChildProcess> function_;
};

UnpackedLambdaZip* BootstrapTest::zip_ = nullptr;

TEST_F(BootstrapTest, EveryFixtureEventCountsUnderItsRoute) {
  LocalDynamoDb* engine = SharedEngine(Engine::kDynamoDbLocal);
  ASSERT_NE(engine, nullptr);
  ASSERT_NO_FATAL_FAILURE(StartFunction(*engine));
  ExpectHit(Fixture("rest-v1-proxy-hello-world.json"), "/hello/world", 1);
  ExpectHit(Fixture("rest-v1-trailing-slash.json"), "/my/path", 1);  // body "base64": ignored
  ExpectHit(Fixture("http-v2-root-default-stage.json"), "/", 1);
  ExpectHit(Fixture("http-v2-named-stage-in-path.json"), "/my/path", 2);
  ExpectHit(Fixture("function-url-v2-my-path.json"), "/my/path", 3);

  EXPECT_EQ(CountInTable("/hello/world"), 1);
  EXPECT_EQ(CountInTable("/my/path"), 3);
  EXPECT_EQ(CountInTable("/"), 1);
  EXPECT_EQ(CountInTable("/Prod/my/path"), 0);
  // One kept-alive connection to the Runtime API served every invocation.
  EXPECT_EQ(emulator_.connections_accepted(), 1u);
}

TEST_F(BootstrapTest, TheSameRequestCountsOnceUnderOneRouteWhicheverDoorItUsed) {
  LocalDynamoDb* engine = SharedEngine(Engine::kDynamoDbLocal);
  ASSERT_NE(engine, nullptr);
  ASSERT_NO_FATAL_FAILURE(StartFunction(*engine));
  ExpectHit(RestEvent("GET", "/"), "/", 1);
  ExpectHit(HttpApiEvent("GET", "/", "Prod"), "/", 2);
  ExpectHit(HttpApiEvent("GET", "/Prod", "Prod"), "/", 3);
  ExpectHit(RestEvent("GET", "/caf%C3%A9/a%20b"), "/café/a b", 1);
  ExpectHit(HttpApiEvent("PUT", "/café/a b"), "/café/a b", 2);
  ExpectHit(HttpApiEvent("GET", "/Prod/café/a b", "Prod"), "/café/a b", 3);
  ExpectHit(RestEvent("GET", "/a%2Fb"), "/a%2Fb", 1);  // an encoded slash is its own route
  ExpectHit(RestEvent("GET", "/q%3Fx"), "/q?x", 1);
  ExpectHit(HttpApiEvent("GET", "/q?x"), "/q?x", 2);
  ExpectError(RestEvent("GET", "/%zz"), 400, "invalid_path");
  ExpectError(HttpApiEvent("GET", "/\\u0001"), 400, "invalid_path");

  // Reserved endpoints, with their query string from either format; they never count.
  ProxyAnswer v2 = Invoke(HttpApiEvent("GET", "/_stats", "$default", "route=%2Fcaf%C3%A9%2Fa%20b"));
  ASSERT_EQ(v2.status, 200);
  EXPECT_EQ(v2.body["count"].GetInt64(), 3);
  ProxyAnswer v1 = Invoke(RestEvent(
      "GET", "/_stats", R"(,"multiValueQueryStringParameters":{"sort":["route"],"limit":["2"]})"));
  ASSERT_EQ(v1.status, 200);
  ASSERT_EQ(v1.body["routes"].Size(), 2u);
  EXPECT_STREQ(v1.body["routes"][0]["route"].GetString(), "/");
  EXPECT_STREQ(v1.body["routes"][1]["route"].GetString(), "/a%2Fb");
  ExpectError(RestEvent("GET", "/_stats", R"(,"queryStringParameters":{"sort":"sideways"})"), 400,
              "invalid_query");
  EXPECT_EQ(Invoke(HttpApiEvent("GET", "/_health")).status, 200);
  ExpectError(HttpApiEvent("POST", "/_stats"), 405, "method_not_allowed");

  EXPECT_EQ(CountInTable("/"), 3);
  EXPECT_EQ(CountInTable("/café/a b"), 3);
  EXPECT_EQ(CountInTable("/a%2Fb"), 1);
  EXPECT_EQ(CountInTable("/a/b"), 0);
  EXPECT_EQ(CountInTable("/q?x"), 2);
  EXPECT_EQ(CountInTable("/_stats"), 0);
  EXPECT_EQ(CountInTable("/_health"), 0);
}

TEST_F(BootstrapTest, AHitOverTheRateLimitIsAProxy429WithItsHeaders) {
  LocalDynamoDb* engine = SharedEngine(Engine::kDynamoDbLocal);
  ASSERT_NE(engine, nullptr);
  ASSERT_NO_FATAL_FAILURE(StartFunction(
      *engine, {"HITCOUNTER_RATE_LIMIT=2/1d", "HITCOUNTER_RATE_LIMIT_RULES=/open unlimited"}));
  ProxyAnswer first = Invoke(RestEvent("GET", "/login"));
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(first.headers["RateLimit-Policy"], "\"per-route\";q=2;w=86400");
  EXPECT_EQ(first.headers["RateLimit"].rfind("\"per-route\";r=1;t=", 0), 0u);
  ExpectHit(HttpApiEvent("POST", "/login"), "/login", 2);
  ProxyAnswer refused = Invoke(RestEvent("GET", "/login"));
  ASSERT_EQ(refused.status, 429);
  EXPECT_EQ(refused.content_type, "application/json");
  ASSERT_TRUE(refused.body.IsObject());
  EXPECT_STREQ(refused.body["error"].GetString(), "rate_limited");
  EXPECT_STREQ(refused.body["route"].GetString(), "/login");
  EXPECT_EQ(refused.body["limit"].GetInt(), 2);
  EXPECT_EQ(refused.body["windowSeconds"].GetInt(), 86400);
  const std::string retry_after = refused.headers["Retry-After"];
  EXPECT_EQ(retry_after, std::to_string(refused.body["retryAfter"].GetInt()));
  EXPECT_EQ(refused.headers["RateLimit"], "\"per-route\";r=0;t=" + retry_after);
  for (int i = 1; i <= 3; ++i) ExpectHit(RestEvent("GET", "/open"), "/open", i);
  EXPECT_EQ(CountInTable("/login"), 2);
}

// The examples every door runs (tests/support/route_template_examples.h), through the packaged
// function with its templates in HITCOUNTER_ROUTE_TEMPLATES, as infra/ sets them: hits as REST
// API events, /_stats?route= as HTTP API events (their raw query string), counts in the table.
TEST_F(BootstrapTest, TheRouteTemplateExamplesCountUnderTheirTemplatesInTheTable) {
  LocalDynamoDb* engine = SharedEngine(Engine::kDynamoDbLocal);
  ASSERT_NE(engine, nullptr);
  std::string list;
  for (const std::string& text : ExampleRouteTemplates()) list += text + ";";
  ASSERT_NO_FATAL_FAILURE(StartFunction(*engine, {"HITCOUNTER_ROUTE_TEMPLATES=" + list}));
  auto read = [](const ProxyAnswer& answer) {
    DoorAnswer door{answer.status, "", -1};
    if (!answer.body.IsObject()) return door;
    if (answer.body.HasMember("route")) door.route = answer.body["route"].GetString();
    if (answer.body.HasMember("count")) door.count = answer.body["count"].GetInt64();
    return door;
  };
  ExpectTheExamplesCountUnderTheirTemplates(
      [&](std::string_view path) { return read(Invoke(RestEvent("GET", std::string(path)))); },
      [&](std::string_view path) {
        return read(Invoke(HttpApiEvent("GET", "/_stats", "$default", StatsRouteQuery(path))));
      });
  std::map<std::string, std::int64_t> expected;
  for (const RouteTemplateExample& example : kRouteTemplateExamples) {
    ++expected[std::string(example.counted_as)];
  }
  for (const auto& [route, count] : expected) EXPECT_EQ(CountInTable(route), count) << route;
  EXPECT_EQ(CountInTable("/users/123"), 0);
}

TEST_F(BootstrapTest, MalformedEventsAreAnsweredAndTheNextInvocationStillCounts) {
  LocalDynamoDb* engine = SharedEngine(Engine::kDynamoDbLocal);
  ASSERT_NE(engine, nullptr);
  ASSERT_NO_FATAL_FAILURE(StartFunction(*engine));
  ExpectError("this is not JSON", 400, "bad_event");
  ExpectError("{}", 400, "bad_event");
  ExpectError(R"({"source":"aws.events","detail-type":"Scheduled Event"})", 400, "bad_event");
  ExpectError(R"({"httpMethod":["GET"],"path":"/a"})", 400, "bad_event");
  ExpectError(std::string(1'000'000, '['), 400, "bad_event");
  ExpectError(RestEvent("GET", "/" + std::string(20'000, 'a')), 414, "target_too_long");
  ExpectError(std::string(7 * 1024 * 1024, ' '), 413, "event_too_large");
  ExpectHit(Fixture("rest-v1-proxy-hello-world.json"), "/hello/world", 1);
  EXPECT_EQ(CountInTable("/hello/world"), 1);
  // Still the one connection: an oversized event is drained by reconnecting, hence at most 2.
  EXPECT_LE(emulator_.connections_accepted(), 2u);
}

TEST_F(BootstrapTest, LogsOneJsonLinePerInvocationWithoutPayloadOrCredentials) {
  LocalDynamoDb* engine = SharedEngine(Engine::kDynamoDbLocal);
  ASSERT_NE(engine, nullptr);
  ASSERT_NO_FATAL_FAILURE(StartFunction(*engine));
  const std::string first =
      emulator_.Invoke(Fixture("http-v2-named-stage-in-path.json"));  // body "Hello from Lambda"
  ASSERT_TRUE(emulator_.WaitForOutcome(first, kAnswerWait).has_value());
  const std::string second = emulator_.Invoke("garbage");
  ASSERT_TRUE(emulator_.WaitForOutcome(second, kAnswerWait).has_value());
  ASSERT_TRUE(function_->WaitForLine(second, 10s).has_value());
  const std::string log = function_->Output();
  EXPECT_EQ(log.find("Hello from Lambda"), std::string::npos) << log;
  EXPECT_EQ(log.find("AWS_SECRET"), std::string::npos) << log;
  EXPECT_EQ(log.find("token"), std::string::npos) << log;
  std::istringstream lines(log);
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) {
    rapidjson::Document json;
    json.Parse(line.c_str());
    ASSERT_FALSE(json.HasParseError()) << line;
    if (++count == 1) {
      EXPECT_EQ(json["requestId"].GetString(), first);
      EXPECT_STREQ(json["route"].GetString(), "/my/path");
      EXPECT_EQ(json["status"].GetInt(), 200);
      EXPECT_EQ(json["count"].GetInt64(), 1);
      EXPECT_TRUE(json["durationMs"].IsNumber());
    } else {
      EXPECT_EQ(json["requestId"].GetString(), second);
      EXPECT_EQ(json["status"].GetInt(), 400);
      EXPECT_STREQ(json["error"].GetString(), "bad_event");
    }
  }
  EXPECT_EQ(count, 2);
}

TEST_F(BootstrapTest, DynamoDbDownIs503WithinTheDeadlineAndTheLoopGoesOn) {
  std::string error;
  auto engine = LocalDynamoDb::Start(Engine::kDynamoDbLocal, &error);  // its own: it is stopped
  ASSERT_NE(engine, nullptr) << error;
  ASSERT_NO_FATAL_FAILURE(StartFunction(*engine));
  ExpectHit(RestEvent("GET", "/up"), "/up", 1);

  // Frozen: the call runs out of the invocation's time, and is answered before the deadline.
  engine->Pause();
  const std::string frozen = emulator_.Invoke(RestEvent("GET", "/up"), 1500ms);
  const std::optional<RuntimeApiEmulator::Outcome> outcome =
      emulator_.WaitForOutcome(frozen, kAnswerWait);
  ASSERT_TRUE(outcome.has_value());
  EXPECT_TRUE(outcome->before_deadline);
  ProxyAnswer late = ReadProxyAnswer(outcome);
  EXPECT_EQ(late.status, 503);
  engine->Resume();
  // The frozen call was written before the engine froze, so the engine may still apply it on
  // waking: a 503 hit "may have been counted" (aws/json_client.h), never counted twice.
  ProxyAnswer after = Invoke(RestEvent("GET", "/up"));
  ASSERT_EQ(after.status, 200);
  EXPECT_GE(after.body["count"].GetInt64(), 2);
  EXPECT_LE(after.body["count"].GetInt64(), 3);

  // Gone: refused connections are 503 too, invocation after invocation.
  engine->Kill();
  ExpectError(RestEvent("GET", "/up"), 503, "store_unavailable");
  ExpectError(HttpApiEvent("GET", "/up"), 503, "store_unavailable");
  ExpectError(HttpApiEvent("GET", "/_health"), 503, "store_unavailable");
  EXPECT_FALSE(function_->WaitForExit(0ms).has_value()) << "the function must keep running";
}

// The engine killed under a burst of queued invocations, then restarted (empty: the table is
// created again). While it is dead every invocation is a proxy 503 answered before its deadline
// and the function keeps running; once it is back every invocation counts, exactly, on the same
// function: its kept connection to the dead engine was replaced.
void BootstrapTest::KillAndRestartTheEngineUnderInvocations(Engine kind) {
  constexpr int kBurst = 10;
  constexpr auto kDeadline = 3s;
  std::string error;
  auto engine = LocalDynamoDb::Start(kind, &error);  // its own: it is killed
  ASSERT_NE(engine, nullptr) << error;
  ASSERT_NO_FATAL_FAILURE(StartFunction(*engine));
  for (int i = 1; i <= 3; ++i) ExpectHit(RestEvent("GET", "/before"), "/before", i);

  std::vector<std::string> burst;
  for (int i = 0; i < kBurst; ++i) burst.push_back(emulator_.Invoke(RestEvent("GET", "/during")));
  engine->Kill();
  std::map<int, int> statuses;
  for (const std::string& id : burst) {
    ProxyAnswer answer = ReadProxyAnswer(emulator_.WaitForOutcome(id, kAnswerWait));
    ++statuses[answer.status];
    EXPECT_TRUE(answer.status == 200 || answer.status == 503) << answer.status;
  }
  for (int i = 0; i < 5; ++i) {
    const std::string id = emulator_.Invoke(HttpApiEvent("GET", "/down"), kDeadline);
    const std::optional<RuntimeApiEmulator::Outcome> outcome =
        emulator_.WaitForOutcome(id, kAnswerWait);
    ASSERT_TRUE(outcome.has_value());
    EXPECT_TRUE(outcome->before_deadline);
    ProxyAnswer answer = ReadProxyAnswer(outcome);
    ++statuses[answer.status];
    EXPECT_EQ(answer.status, 503);
    ASSERT_TRUE(answer.body.IsObject());
    EXPECT_STREQ(answer.body["error"].GetString(), "store_unavailable");
  }
  EXPECT_FALSE(function_->WaitForExit(0ms).has_value()) << "the function must keep running";

  const auto restart = std::chrono::steady_clock::now();
  ASSERT_TRUE(engine->Restart(&error)) << error;
  Status created = Status::Unavailable("not tried");
  for (int attempt = 0; attempt < kCreateAttempts && !created.ok(); ++attempt) {
    created = CreateDynamoDbTable(settings_, std::nullopt, kTableWait);
  }
  ASSERT_TRUE(created.ok()) << created.message();
  const auto table_back = std::chrono::steady_clock::now();
  burst.clear();
  for (int i = 0; i < kBurst; ++i) burst.push_back(emulator_.Invoke(RestEvent("GET", "/after")));
  std::set<std::int64_t> counts;
  for (const std::string& id : burst) {
    ProxyAnswer answer = ReadProxyAnswer(emulator_.WaitForOutcome(id, kAnswerWait));
    ASSERT_EQ(answer.status, 200);
    counts.insert(answer.body["count"].GetInt64());
  }
  const auto first_burst_done = std::chrono::steady_clock::now();
  ExpectHit(HttpApiEvent("GET", "/after"), "/after", kBurst + 1);
  EXPECT_EQ(counts.size(), static_cast<std::size_t>(kBurst)) << "a count was returned twice";
  EXPECT_EQ(*counts.begin(), 1);
  EXPECT_EQ(*counts.rbegin(), kBurst);
  EXPECT_EQ(CountInTable("/after"), kBurst + 1);
  EXPECT_EQ(Invoke(HttpApiEvent("GET", "/_health")).status, 200);
  std::string seen;
  for (const auto& [status, n] : statuses) {
    seen += (seen.empty() ? "" : ", ") + std::to_string(n) + " x " + std::to_string(status);
  }
  auto ms = [](auto duration) {
    return static_cast<long long>(
        std::chrono::duration_cast<std::chrono::milliseconds>(duration).count());
  };
  std::printf(
      "lambda, engine %s killed: %s; restart and table %lld ms; %d hits after it in %lld ms, all "
      "200\n",
      LocalDynamoDb::Name(kind), seen.c_str(), ms(table_back - restart), kBurst,
      ms(first_burst_done - table_back));
}

TEST_F(BootstrapTest, DynaliteKilledUnderInvocationsIs503AndCountsExactlyOnceBack) {
  KillAndRestartTheEngineUnderInvocations(Engine::kDynalite);
}

TEST_F(BootstrapTest, DynamoDbLocalKilledUnderInvocationsIs503AndCountsExactlyOnceBack) {
  KillAndRestartTheEngineUnderInvocations(Engine::kDynamoDbLocal);
}

// DynamoDB Local behind https: a TLS proxy with a certificate from a CA the test makes, trusted
// through SSL_CERT_FILE as a custom endpoint's CA is. The function opens its connection, TLS
// included, once it has asked for its first event and before any event comes; every invocation
// then rides that one connection.
TEST_F(BootstrapTest, OpensItsHttpsConnectionBeforeItsFirstEventAndEveryHitReusesIt) {
  LocalDynamoDb* engine = SharedEngine(Engine::kDynamoDbLocal);
  ASSERT_NE(engine, nullptr);
  TestCa ca("hitcounter test CA");
  TlsProxy proxy(ca.IssueServerCertificate("127.0.0.1"),
                 static_cast<std::uint16_t>(engine->port()));
  const std::string ca_file = zip_->dir() + "/test-ca.pem";
  std::ofstream(ca_file) << ca.certificate_pem();
  ASSERT_NO_FATAL_FAILURE(StartFunction(
      *engine, {"AWS_ENDPOINT_URL_DYNAMODB=https://127.0.0.1:" + std::to_string(proxy.port()),
                "SSL_CERT_FILE=" + ca_file}));
  ASSERT_TRUE(emulator_.WaitForFirstNext(kAnswerWait).has_value());
  EXPECT_TRUE(proxy.WaitForHandshakes(1, 10s)) << "no connection opened before an event came";
  EXPECT_EQ(emulator_.next_requests(), 1u) << "the handshake came before any event was handed out";
  for (int i = 1; i <= 3; ++i) ExpectHit(RestEvent("GET", "/tls"), "/tls", i);
  EXPECT_EQ(Invoke(HttpApiEvent("GET", "/_health")).status, 200);
  EXPECT_EQ(proxy.handshakes(), 1u) << "an invocation opened a connection of its own";
}

// The same endpoint with a certificate from a CA the function does not trust: no hit is counted
// (the store's log line on stderr says why: aws/http_client_test.cc checks the message).
TEST_F(BootstrapTest, RefusesAnHttpsEndpointSignedByAnUntrustedCa) {
  LocalDynamoDb* engine = SharedEngine(Engine::kDynamoDbLocal);
  ASSERT_NE(engine, nullptr);
  TestCa ca("hitcounter test CA");
  TestCa other("another test CA");
  TlsProxy proxy(ca.IssueServerCertificate("127.0.0.1"),
                 static_cast<std::uint16_t>(engine->port()));
  const std::string ca_file = zip_->dir() + "/other-ca.pem";
  std::ofstream(ca_file) << other.certificate_pem();
  ASSERT_NO_FATAL_FAILURE(StartFunction(
      *engine, {"AWS_ENDPOINT_URL_DYNAMODB=https://127.0.0.1:" + std::to_string(proxy.port()),
                "SSL_CERT_FILE=" + ca_file}));
  ExpectError(RestEvent("GET", "/untrusted"), 503, "store_unavailable");
  EXPECT_EQ(proxy.handshakes(), 0u);
  EXPECT_EQ(CountInTable("/untrusted"), 0);
}

TEST_F(BootstrapTest, MissingTableNameIsAnInitErrorAndANonZeroExit) {
  LocalDynamoDb* engine = SharedEngine(Engine::kDynalite);
  ASSERT_NE(engine, nullptr);
  std::vector<std::string> env = FunctionEnvironment(*engine, "unused");
  env.erase(env.begin() + 1);  // TABLE_NAME
  function_ = Launch(env);
  ASSERT_NE(function_, nullptr);
  auto init_error = emulator_.WaitForInitError(kAnswerWait);
  ASSERT_TRUE(init_error.has_value());
  EXPECT_EQ(init_error->error_type, "Runtime.InvalidConfiguration");
  EXPECT_NE(init_error->body.find("TABLE_NAME"), std::string::npos) << init_error->body;
  std::optional<int> code = function_->WaitForExit(10s);
  ASSERT_TRUE(code.has_value());
  EXPECT_NE(*code, 0);
  EXPECT_EQ(emulator_.next_requests(), 0u);
}

TEST_F(BootstrapTest, BadSettingsAreAnInitError) {
  LocalDynamoDb* engine = SharedEngine(Engine::kDynalite);
  ASSERT_NE(engine, nullptr);
  for (const char* bad : {"TABLE_NAME=no spaces", "HITCOUNTER_RESERVED_PREFIX=stats",
                          "AWS_REGION=", "HITCOUNTER_ADMIN_TOKEN_SHA256=not-a-digest",
                          "HITCOUNTER_ROUTE_TEMPLATES=/users/{}"}) {
    RuntimeApiEmulator emulator;
    std::vector<std::string> env = FunctionEnvironment(*engine, "hits");
    env.front() = "AWS_LAMBDA_RUNTIME_API=" + emulator.address();
    const std::string name = std::string(bad).substr(0, std::string(bad).find('=') + 1);
    std::erase_if(env, [&name](const std::string& var) { return var.rfind(name, 0) == 0; });
    env.push_back(bad);
    auto function = Launch(env);
    ASSERT_NE(function, nullptr);
    EXPECT_TRUE(emulator.WaitForInitError(kAnswerWait).has_value()) << bad;
    EXPECT_EQ(function->WaitForExit(10s), 1) << bad;
  }
}

}  // namespace
}  // namespace hitcounter::testing
