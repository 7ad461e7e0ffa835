#include "hitcounter/service.h"

#include <algorithm>
#include <exception>

#include "core/dashboard.h"
#include "core/json.h"
#include "core/stats_query.h"

namespace hitcounter {
namespace {

constexpr std::string_view kReadOnlyMethods = "GET, HEAD, OPTIONS";

// The dashboard may run its own inline script and style, fetch from its own origin and show
// its data: icon; nothing else. So a route name can never load anything into it.
constexpr std::string_view kDashboardPolicy =
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

// Every other reserved answer (JSON, text) needs nothing loaded with it. Saying so keeps a
// browser that displays one (an error page after a cancelled password prompt, /_stats opened
// directly) from asking for /favicon.ico, which would count as a hit.
constexpr std::string_view kNothingToLoadPolicy = "default-src 'none'; frame-ancestors 'none'";

// The content type of Prometheus' text exposition format.
constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

// The reserved endpoints, and which of them the admin token guards.
enum class Endpoint { kStats, kHealth, kDashboard, kMetrics, kUnknown };

Endpoint EndpointNamed(std::string_view name) {
  if (name == "stats") return Endpoint::kStats;
  if (name == "health") return Endpoint::kHealth;
  if (name == "dashboard") return Endpoint::kDashboard;
  if (name == "metrics") return Endpoint::kMetrics;
  return Endpoint::kUnknown;
}

// {prefix}health stays open: load balancers probe it without credentials.
bool NeedsAdminToken(Endpoint endpoint) { return endpoint != Endpoint::kHealth; }

// The error a Status becomes on the wire. `bad_input` names what a kInvalidArgument was about.
Response ErrorFromStatus(const Status& status, std::string_view bad_input) {
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
      return MakeErrorResponse(400, bad_input, status.message());
    case StatusCode::kNotFound:
      return MakeErrorResponse(404, "not_found", status.message());
    case StatusCode::kTooLong:
      return MakeErrorResponse(414, "route_too_long", status.message());
    case StatusCode::kOutOfRange:
      return MakeErrorResponse(500, "count_overflow", status.message());
    case StatusCode::kUnavailable:
      return MakeErrorResponse(503, "store_unavailable", status.message());
    case StatusCode::kInsufficientSpace:
      return MakeErrorResponse(507, "insufficient_storage", status.message());
    case StatusCode::kResourceExhausted:
      return MakeErrorResponse(429, "rate_limited", status.message());
    case StatusCode::kRouteLimitReached:
      return MakeErrorResponse(507, "route_limit_reached", status.message());
    case StatusCode::kOk:
    case StatusCode::kInternal:
      break;
  }
  return MakeErrorResponse(500, "internal", status.message());
}

Response JsonResponse(int status, std::string body) {
  Response response;
  response.status = status;
  response.body = std::move(body);
  response.headers.emplace_back("Access-Control-Allow-Origin", "*");
  return response;
}

// A CORS preflight: any origin may count hits and read stats. Never counts.
Response Preflight() {
  Response response;
  response.status = 204;
  response.content_type.clear();
  response.headers = {{"Access-Control-Allow-Origin", "*"},
                      {"Access-Control-Allow-Methods", "*"},
                      {"Access-Control-Allow-Headers", "*"},
                      {"Access-Control-Max-Age", "86400"}};
  response.reserved = true;
  return response;
}

Response Unauthorized() {
  Response response = MakeErrorResponse(
      401, "unauthorized",
      "this endpoint needs the admin token: send \"Authorization: Bearer <token>\", or HTTP "
      "Basic credentials with the token as password");
  response.headers.emplace_back("WWW-Authenticate", kAdminChallenge);
  return response;
}

// The IETF rate-limit fields: the policy (quota q per window w seconds) and what is left of it
// (r hits, for t seconds). One policy, named for what it limits.
void AddRateLimitFields(Response& response, const RateLimit& limit, std::int64_t remaining,
                        std::int64_t seconds_left) {
  response.headers.emplace_back("RateLimit-Policy",
                                "\"per-route\";q=" + std::to_string(limit.limit) +
                                    ";w=" + std::to_string(limit.window_seconds));
  response.headers.emplace_back("RateLimit", "\"per-route\";r=" + std::to_string(remaining) +
                                                 ";t=" + std::to_string(seconds_left));
  // Lets scripts in browsers read them (CORS hides other headers from them).
  response.headers.emplace_back("Access-Control-Expose-Headers",
                                "RateLimit, RateLimit-Policy, Retry-After");
}

Response RateLimited(std::string_view route, const RateLimit& limit, UnixMillis now) {
  const std::int64_t retry_after = limit.SecondsLeft(now);
  Response response = JsonResponse(429, RateLimitedJson(route, limit, retry_after));
  response.headers.emplace_back("Retry-After", std::to_string(retry_after));
  AddRateLimitFields(response, limit, 0, retry_after);
  return response;
}

std::string_view QueryOf(std::string_view target) {
  std::size_t question = target.find('?');
  if (question == std::string_view::npos) return {};
  std::string_view query = target.substr(question + 1);
  return query.substr(0, query.find('#'));
}

}  // namespace

Response MakeErrorResponse(int status, std::string_view error, std::string_view message) {
  return JsonResponse(status, ErrorJson(error, message));
}

Service::Service(Store& store, const Clock& clock, ServiceOptions options)
    : store_(store),
      clock_(clock),
      options_(std::move(options)),
      admin_token_(options_.admin_token_from_digest.value_or(AdminToken(options_.admin_token))),
      dashboard_page_(DashboardPage(options_.reserved_prefix)) {
  options_.admin_token.clear();  // only its digest is kept (admin_token_)
}

void Service::Handle(const Request& request, ResponseCallback done) {
  Response early;
  try {
    if (request.method == "OPTIONS") {
      done(Preflight());
      return;
    }
    Result<std::string> route = NormalizeRoute(request.target, request.encoding);
    if (!route.ok()) {
      done(ErrorFromStatus(route.status(), "invalid_path"));
      return;
    }
    const std::string& reserved = options_.reserved_prefix;
    if (route->compare(0, reserved.size(), reserved) == 0) {
      HandleReserved(request, std::string_view(*route).substr(reserved.size()),
                     QueryOf(request.target), done);
      return;
    }
    Count(std::move(route).value(), std::move(done));
    return;
  } catch (const std::exception& e) {
    early = MakeErrorResponse(500, "internal", e.what());
  }
  done(std::move(early));
}

void Service::Count(std::string route, ResponseCallback done) {
  const UnixMillis now = clock_.Now();
  const std::optional<RateLimit> limit = options_.rate_limits.LimitFor(route);
  if (!limit) {
    store_.Increment(std::move(route), now, std::nullopt,
                     [done = std::move(done)](Result<CountedHit> hit) {
                       done(hit.ok() ? JsonResponse(200, RouteStatsJson(hit->stats))
                                     : ErrorFromStatus(hit.status(), "invalid_path"));
                     });
    return;
  }
  // The route is kept for the 429 body, which names it.
  store_.Increment(route, now, limit,
                   [done = std::move(done), route, limit = *limit, now](Result<CountedHit> hit) {
                     if (!hit.ok() && hit.status().code() == StatusCode::kResourceExhausted) {
                       done(RateLimited(route, limit, now));
                       return;
                     }
                     if (!hit.ok()) {
                       done(ErrorFromStatus(hit.status(), "invalid_path"));
                       return;
                     }
                     Response response = JsonResponse(200, RouteStatsJson(hit->stats));
                     AddRateLimitFields(response, limit,
                                        std::max<std::int64_t>(0, limit.limit - hit->window_hits),
                                        limit.SecondsLeft(now));
                     done(std::move(response));
                   });
}

void Service::HandleReserved(const Request& request, std::string_view name, std::string_view query,
                             const ResponseCallback& done) {
  Response response = AnswerReserved(request, name, query);
  response.reserved = true;
  const bool has_policy =
      std::any_of(response.headers.begin(), response.headers.end(),
                  [](const auto& header) { return header.first == "Content-Security-Policy"; });
  if (!has_policy) response.headers.emplace_back("Content-Security-Policy", kNothingToLoadPolicy);
  done(std::move(response));
}

Response Service::AnswerReserved(const Request& request, std::string_view name,
                                 std::string_view query) {
  const Endpoint endpoint = EndpointNamed(name);
  if (endpoint == Endpoint::kUnknown) {
    return MakeErrorResponse(404, "not_found",
                             "no such endpoint; paths under " + options_.reserved_prefix +
                                 " are reserved and never count");
  }
  if (request.method != "GET" && request.method != "HEAD") {
    Response response =
        MakeErrorResponse(405, "method_not_allowed", "this endpoint is read-only: use GET or HEAD");
    response.headers.emplace_back("Allow", kReadOnlyMethods);
    return response;
  }
  if (NeedsAdminToken(endpoint) && !admin_token_.Accepts(request.authorization)) {
    return Unauthorized();
  }
  switch (endpoint) {
    case Endpoint::kStats:
      return Stats(query);
    case Endpoint::kHealth:
      return Health();
    case Endpoint::kDashboard:
      return Dashboard();
    case Endpoint::kMetrics:
      return MetricsText();
    case Endpoint::kUnknown:
      break;
  }
  return MakeErrorResponse(500, "internal", "unhandled endpoint");
}

Response Service::Stats(std::string_view query) {
  Result<StatsRequest> request = ParseStatsQuery(query);
  if (!request.ok()) return ErrorFromStatus(request.status(), "invalid_query");
  if (request->route) {
    Result<RouteStats> stats = store_.Get(*request->route);
    if (!stats.ok() && stats.status().code() == StatusCode::kNotFound) {
      return MakeErrorResponse(404, "route_not_found", "this route was never hit");
    }
    if (!stats.ok()) return ErrorFromStatus(stats.status(), "invalid_query");
    return JsonResponse(200, RouteStatsJson(*stats));
  }
  Result<StatsPage> page = store_.List(request->listing);
  if (!page.ok()) return ErrorFromStatus(page.status(), "invalid_query");
  std::string cursor = page->next ? EncodeCursor(request->listing.order, *page->next) : "";
  return JsonResponse(200, StatsPageJson(*page, cursor));
}

Response Service::Dashboard() const {
  Response response;
  response.content_type = "text/html; charset=utf-8";
  response.body = dashboard_page_;
  response.headers = {{"Access-Control-Allow-Origin", "*"},
                      {"Content-Security-Policy", std::string(kDashboardPolicy)},
                      {"X-Content-Type-Options", "nosniff"},
                      {"Cache-Control", "no-cache"}};
  return response;
}

Response Service::MetricsText() const {
  if (options_.metrics == nullptr) {
    return MakeErrorResponse(404, "not_found",
                             "metrics are served by the standalone server (hitcounter serve) "
                             "only; on AWS Lambda, use CloudWatch's metrics of the function");
  }
  Response response;
  response.content_type = kPrometheusContentType;
  response.body = options_.metrics->RenderPrometheus();
  response.headers.emplace_back("Access-Control-Allow-Origin", "*");
  return response;
}

Response Service::Health() {
  Status health = store_.CheckHealth();
  if (!health.ok()) return ErrorFromStatus(health, "internal");
  return JsonResponse(200, HealthJson());
}

}  // namespace hitcounter
