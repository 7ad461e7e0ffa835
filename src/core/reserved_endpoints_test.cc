// The dashboard, the metrics and the admin token, through Service::Handle.
#include <gtest/gtest.h>

#include "hitcounter/service.h"
#include "tests/support/fake_proc_fs.h"
#include "tests/support/memory_store.h"
#include "tests/support/service_replies.h"

namespace hitcounter {
namespace {

using testing::CountIn;
using testing::HeaderOf;

constexpr UnixMillis kNow = 1795701907123;
constexpr char kToken[] = "s3cret";

class ReservedEndpointsTest : public ::testing::Test {
 protected:
  Response Call(Service& service, std::string method, std::string target,
                std::string authorization = "") {
    Response out;
    Request request{std::move(method), std::move(target)};
    request.authorization = std::move(authorization);
    service.Handle(request, [&](Response r) { out = std::move(r); });
    return out;
  }

  testing::MemoryStore store_;
  FakeClock clock_{kNow};
  Metrics metrics_;
  Service open_{store_, clock_, ServiceOptions{"/_", "", &metrics_}};
  Service guarded_{store_, clock_, ServiceOptions{"/_", kToken, &metrics_}};
};

TEST_F(ReservedEndpointsTest, DashboardIsAnHtmlPageThatCountsNothing) {
  Response page = Call(open_, "GET", "/_dashboard");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_NE(page.body.find(R"(content="./_stats")"), std::string::npos);
  EXPECT_NE(HeaderOf(page, "Content-Security-Policy").find("connect-src 'self'"),
            std::string::npos);
  EXPECT_TRUE(page.reserved);
  EXPECT_EQ(CountIn(store_, "/_dashboard"), 0);
  EXPECT_EQ(ListNow(store_, {})->routes.size(), 0u);
}

TEST_F(ReservedEndpointsTest, DashboardFollowsTheReservedPrefix) {
  Service service(store_, clock_, ServiceOptions{"/admin/"});
  Response page = Call(service, "GET", "/admin/dashboard");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find(R"(content="./stats")"), std::string::npos);
  EXPECT_EQ(Call(service, "GET", "/_dashboard").status, 200);  // outside the prefix: a hit
  EXPECT_EQ(CountIn(store_, "/_dashboard"), 1);
}

TEST_F(ReservedEndpointsTest, DashboardIsReadOnly) {
  Response response = Call(open_, "POST", "/_dashboard");
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(HeaderOf(response, "Allow"), "GET, HEAD, OPTIONS");
}

TEST_F(ReservedEndpointsTest, MetricsAreServedAsPrometheusTextWhenTheServerKeepsThem) {
  metrics_.RecordResponse(200);
  Response response = Call(open_, "GET", "/_metrics");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(response.body.find("hitcounter_http_responses_total{code=\"200\"} 1\n"),
            std::string::npos);
}

// A store that knows its size, as SqliteStore does.
class SizedStore final : public Store {
 public:
  void Increment(Hit hit, Deadline deadline, IncrementCallback done) override {
    inner_.Increment(std::move(hit), deadline, std::move(done));
  }
  void Get(std::string route, Deadline deadline, GetCallback done) override {
    inner_.Get(std::move(route), deadline, std::move(done));
  }
  void List(StatsQuery query, Deadline deadline, ListCallback done) override {
    inner_.List(std::move(query), deadline, std::move(done));
  }
  void Delete(std::vector<std::string> routes, Deadline deadline, DeleteCallback done) override {
    inner_.Delete(std::move(routes), deadline, std::move(done));
  }
  void Import(std::vector<RouteStats> records, ImportMode mode, Deadline deadline,
              ImportCallback done) override {
    inner_.Import(std::move(records), mode, deadline, std::move(done));
  }
  void CheckHealth(Deadline deadline, HealthCallback done) override {
    inner_.CheckHealth(deadline, std::move(done));
  }
  StoreFigures Figures() override {
    StoreFigures figures;
    figures.routes = 3;
    figures.max_routes = 4;
    return figures;
  }

 private:
  testing::MemoryStore inner_;
};

TEST_F(ReservedEndpointsTest, MetricsReadTheStoresAndTheProcesssFiguresAtEachScrape) {
  SizedStore store;
  const testing::FakeProcFs proc = testing::TypicalProcFs();
  ServiceOptions options;
  options.metrics = &metrics_;
  options.proc = &proc;
  Service service(store, clock_, options);
  const std::string body = Call(service, "GET", "/_metrics").body;
  EXPECT_NE(body.find("\nhitcounter_routes 3\n"), std::string::npos) << body;
  EXPECT_NE(body.find("\nhitcounter_routes_limit 4\n"), std::string::npos) << body;
  EXPECT_NE(body.find("\nprocess_open_fds 7\n"), std::string::npos) << body;
  EXPECT_EQ(Call(open_, "GET", "/_metrics").body.find("process_"), std::string::npos)
      << "no ProcFs given, no process_* series";
}

TEST_F(ReservedEndpointsTest, ReservedAnswersNameTheirEndpointForTheMetrics) {
  EXPECT_EQ(Call(open_, "GET", "/_stats").endpoint, "stats");
  EXPECT_EQ(Call(open_, "GET", "/_stats?sort=nothing").endpoint, "stats");
  EXPECT_EQ(Call(open_, "GET", "/_health").endpoint, "health");
  EXPECT_EQ(Call(open_, "GET", "/_dashboard").endpoint, "dashboard");
  EXPECT_EQ(Call(open_, "GET", "/_metrics").endpoint, "metrics");
  EXPECT_EQ(Call(guarded_, "GET", "/_metrics").endpoint, "metrics");  // its 401 too
  EXPECT_EQ(Call(open_, "POST", "/_stats").endpoint, "stats");        // its 405 too
  EXPECT_EQ(Call(open_, "GET", "/_nothing").endpoint, "not_found");
  EXPECT_EQ(Call(open_, "OPTIONS", "/a").endpoint, "preflight");
  Response hit = Call(open_, "GET", "/a");
  EXPECT_FALSE(hit.reserved);
  EXPECT_EQ(hit.endpoint, "");
}

TEST_F(ReservedEndpointsTest, MetricsAre404WithAReasonWhereNoneAreKept) {
  Service lambda_like(store_, clock_);
  Response response = Call(lambda_like, "GET", "/_metrics");
  EXPECT_EQ(response.status, 404);
  EXPECT_NE(response.body.find("standalone server"), std::string::npos);
}

TEST_F(ReservedEndpointsTest, WithoutTheTokenGuardedEndpointsAnswer401WithAChallenge) {
  for (const char* path : {"/_stats", "/_dashboard", "/_metrics", "/_stats?route=/a"}) {
    Response response = Call(guarded_, "GET", path);
    EXPECT_EQ(response.status, 401) << path;
    EXPECT_EQ(response.content_type, "application/json") << path;
    EXPECT_NE(response.body.find(R"("error":"unauthorized")"), std::string::npos) << path;
    EXPECT_EQ(HeaderOf(response, "WWW-Authenticate"), kAdminChallenge) << path;
  }
}

TEST_F(ReservedEndpointsTest, OtherReservedAnswersLetABrowserLoadNothingNotEvenAFavicon) {
  for (const char* path : {"/_stats", "/_metrics", "/_health", "/_nothing"}) {
    EXPECT_EQ(HeaderOf(Call(guarded_, "GET", path), "Content-Security-Policy"),
              "default-src 'none'; frame-ancestors 'none'")
        << path;
  }
  EXPECT_EQ(HeaderOf(Call(open_, "GET", "/_stats"), "Content-Security-Policy"),
            "default-src 'none'; frame-ancestors 'none'");
}

TEST_F(ReservedEndpointsTest, AWrongTokenIs401AndNeverEchoed) {
  Response response = Call(guarded_, "GET", "/_stats", "Bearer wrong-token");
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(response.body.find("wrong-token"), std::string::npos);
  EXPECT_EQ(response.body.find(kToken), std::string::npos);
}

TEST_F(ReservedEndpointsTest, TheTokenOpensEveryGuardedEndpoint) {
  Call(guarded_, "GET", "/a");
  EXPECT_EQ(Call(guarded_, "GET", "/_stats", "Bearer s3cret").status, 200);
  EXPECT_EQ(Call(guarded_, "GET", "/_stats?route=/a", "Bearer s3cret").status, 200);
  EXPECT_EQ(Call(guarded_, "GET", "/_dashboard", "Basic YWRtaW46czNjcmV0").status, 200);
  EXPECT_EQ(Call(guarded_, "GET", "/_metrics", "bearer s3cret").status, 200);
}

TEST_F(ReservedEndpointsTest, HealthAndHitsNeedNoToken) {
  EXPECT_EQ(Call(guarded_, "GET", "/_health").status, 200);
  Response hit = Call(guarded_, "GET", "/a");
  EXPECT_EQ(hit.status, 200);
  EXPECT_FALSE(hit.reserved);
  EXPECT_EQ(CountIn(store_, "/a"), 1);
}

TEST_F(ReservedEndpointsTest, UnknownReservedPathsStay404WithAToken) {
  EXPECT_EQ(Call(guarded_, "GET", "/_nothing").status, 404);
}

}  // namespace
}  // namespace hitcounter
