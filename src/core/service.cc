#include "hitcounter/service.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <memory>

#include "core/dashboard.h"
#include "core/delete_routes.h"
#include "core/json.h"
#include "core/stats_query.h"

namespace hitcounter {
namespace {

constexpr std::string_view kReadOnlyMethods = "GET, HEAD, OPTIONS";
// {prefix}stats also deletes counts (with the admin token).
constexpr std::string_view kStatsMethods = "GET, HEAD, DELETE, OPTIONS";

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

// Its name in the metrics (Metrics::kEndpoints).
std::string_view MetricsName(Endpoint endpoint) {
  switch (endpoint) {
    case Endpoint::kStats:
      return "stats";
    case Endpoint::kHealth:
      return "health";
    case Endpoint::kDashboard:
      return "dashboard";
    case Endpoint::kMetrics:
      return "metrics";
    case Endpoint::kUnknown:
      break;
  }
  return "not_found";
}

Endpoint EndpointNamed(std::string_view name) {
  if (name == "stats") return Endpoint::kStats;
  if (name == "health") return Endpoint::kHealth;
  if (name == "dashboard") return Endpoint::kDashboard;
  if (name == "metrics") return Endpoint::kMetrics;
  return Endpoint::kUnknown;
}

// {prefix}health stays open: load balancers probe it without credentials.
bool NeedsAdminToken(Endpoint endpoint) { return endpoint != Endpoint::kHealth; }

// What a 503 for a store failure asks clients to wait (Retry-After), in seconds. Throttling and
// outages last seconds; one second spreads the retries of many clients past the store's own
// backoff (at most ~1 s) without holding a client back long once the store recovers.
constexpr std::int64_t kStoreRetryAfterSeconds = 1;

// A store failure's answer: a fixed sentence for the client, the store's own words (which may
// name tables, regions, accounts or files) kept for the log only.
Response StoreFailure(int status, std::string_view error, std::string_view sentence,
                      const Status& cause) {
  Response response = MakeErrorResponse(status, error, sentence);
  response.detail = cause.message();
  return response;
}

// The error a Status becomes on the wire. `bad_input` names what a kInvalidArgument was about.
// The messages of request errors are the parsers' own sentences about the request, and are
// sent; those of store errors are not (StoreFailure).
Response ErrorFromStatus(const Status& status, std::string_view bad_input) {
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
      return MakeErrorResponse(400, bad_input, status.message());
    case StatusCode::kNotFound:
      return MakeErrorResponse(404, "not_found", status.message());
    case StatusCode::kTooLong:
      return MakeErrorResponse(414, "route_too_long", status.message());
    case StatusCode::kOutOfRange:
      return StoreFailure(500, "count_overflow",
                          "the count of this route is at its maximum and cannot grow", status);
    case StatusCode::kUnavailable: {
      Response response =
          StoreFailure(503, "store_unavailable",
                       "the store is unavailable; nothing was counted, try again", status);
      response.headers.emplace_back("Retry-After", std::to_string(kStoreRetryAfterSeconds));
      return response;
    }
    case StatusCode::kInsufficientSpace:
      return StoreFailure(507, "insufficient_storage",
                          "the store has no room left; nothing was counted", status);
    case StatusCode::kResourceExhausted:
      return MakeErrorResponse(429, "rate_limited", status.message());
    case StatusCode::kRouteLimitReached:
      return MakeErrorResponse(507, "route_limit_reached", status.message());
    case StatusCode::kOk:
    case StatusCode::kInternal:
      break;
  }
  return StoreFailure(500, "internal", "an unexpected error; nothing was counted", status);
}

// A failed deletion's answer: as a store error is, in words about deleting.
Response DeleteFailure(const Status& status, std::string_view partly) {
  const std::string tail = partly.empty() ? "" : " (" + std::string(partly) + ")";
  switch (status.code()) {
    case StatusCode::kUnavailable:
      return StoreFailure(
          503, "store_unavailable",
          "the store is unavailable; the deletion may not have happened" + tail + ": try again",
          status);
    case StatusCode::kInsufficientSpace:
      return StoreFailure(507, "insufficient_storage",
                          "the store has no room left to record the deletion; nothing was deleted",
                          status);
    default:
      return StoreFailure(500, "internal", "an unexpected error while deleting" + tail, status);
  }
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
  response.content_type = {};
  response.headers = {{"Access-Control-Allow-Origin", "*"},
                      {"Access-Control-Allow-Methods", "*"},
                      {"Access-Control-Allow-Headers", "*"},
                      {"Access-Control-Max-Age", "86400"}};
  response.reserved = true;
  response.endpoint = "preflight";
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
  response.error = "rate_limited";  // its body's "error" too (json.cc), for logs and metrics
  response.headers.emplace_back("Retry-After", std::to_string(retry_after));
  AddRateLimitFields(response, limit, 0, retry_after);
  return response;
}

// The answer to a counted hit.
Response Counted(CountedHit hit) {
  Response response = JsonResponse(200, RouteStatsJson(hit.stats));
  response.count = hit.stats.count;
  response.route = std::move(hit.stats.route);
  return response;
}

std::string_view QueryOf(std::string_view target) {
  std::size_t question = target.find('?');
  if (question == std::string_view::npos) return {};
  std::string_view query = target.substr(question + 1);
  return query.substr(0, query.find('#'));
}

}  // namespace

Status ValidateReservedPrefix(std::string_view prefix) {
  const std::string quoted = "\"" + std::string(prefix) + "\"";
  auto refuse = [&quoted](std::string_view why, std::string_view suggestion) {
    return Status::InvalidArgument("the reserved prefix " + quoted + " " + std::string(why) +
                                   ": use " + std::string(suggestion) + " (or /_, the default)");
  };
  if (prefix.empty() || prefix.front() != '/') {
    return refuse("must start with '/'", "/" + std::string(prefix));
  }
  // Whole segments and a closing '/', then nothing, or the '_' that starts every endpoint's
  // name in the default's form ("/_stats", "/prod/_stats").
  const std::string_view segments =
      prefix.substr(0, prefix.ends_with("/_") ? prefix.size() - 1 : prefix.size());
  if (!segments.ends_with('/')) {
    return refuse("must end with '/' (or \"/_\"), so that it takes whole segments: it would take " +
                      std::string(prefix) + "istrator too and put the endpoints at " +
                      std::string(prefix) + "stats",
                  std::string(prefix) + "/");
  }
  if (segments == "/" && segments == prefix) {
    return refuse("would reserve every path and count nothing", "/admin/");
  }
  const std::string_view path = segments.substr(0, segments.size() - 1);
  if (path.empty()) return Status::Ok();  // "/_"
  Result<std::string> normal = NormalizeRoute(path);
  if (!normal.ok() || *normal != path || *normal == "/") {
    return refuse("is not spelled as a route is (no empty, . or .. segment, no escape)",
                  normal.ok() && *normal != "/" ? *normal + "/" : "/admin/");
  }
  return Status::Ok();
}

Response MakeErrorResponse(int status, std::string_view error, std::string_view message) {
  Response response = JsonResponse(status, ErrorJson(error, message));
  response.error = error;
  return response;
}

// The one answer a request gets. Shared by every path that may answer it, so that whichever comes
// first answers and the others find it done: the store's callback, or the last-resort handler
// when the store threw after taking the callback.
class Service::Answer {
 public:
  Answer(ResponseCallback done, std::string request_id)
      : done_(std::move(done)), request_id_(std::move(request_id)) {}

  void Send(Response response) {
    if (sent_.exchange(true)) return;
    if (response.route.empty()) response.route = route_;
    // A server-side failure names the request, so that a client can quote it and an operator
    // find its log line.
    if (response.status >= 500 && !response.error.empty() && !request_id_.empty()) {
      response.body = ErrorJsonWithRequestId(response.body, request_id_);
    }
    done_(std::move(response));
  }

  // The normalised route, named in the log facts of every answer (service.h).
  void set_route(std::string_view route) { route_ = route; }
  // The reserved endpoint that answers, named in the metrics (Response::endpoint).
  void set_endpoint(std::string_view endpoint) { endpoint_ = endpoint; }

  // A reserved endpoint's answer: never counts, and loads nothing unless it says so.
  void SendReserved(Response response) {
    response.reserved = true;
    response.endpoint = endpoint_;
    const bool has_policy =
        std::any_of(response.headers.begin(), response.headers.end(),
                    [](const auto& header) { return header.first == "Content-Security-Policy"; });
    if (!has_policy) {
      response.headers.emplace_back("Content-Security-Policy", kNothingToLoadPolicy);
    }
    Send(std::move(response));
  }

 private:
  ResponseCallback done_;
  const std::string request_id_;
  std::string route_;
  std::string_view endpoint_ = "not_found";
  std::atomic<bool> sent_{false};
};

Service::Service(Store& store, const Clock& clock, ServiceOptions options)
    : store_(store),
      clock_(clock),
      options_(std::move(options)),
      admin_token_(options_.admin_token_from_digest.value_or(AdminToken(options_.admin_token))),
      dashboard_page_(DashboardPage(options_.reserved_prefix)) {
  options_.admin_token.clear();  // only its digest is kept (admin_token_)
}

void Service::Handle(const Request& request, ResponseCallback done) {
  std::shared_ptr<Answer> answer;
  try {
    answer = std::make_shared<Answer>(std::move(done), request.request_id);
    if (request.method == "OPTIONS") return answer->Send(Preflight());
    Result<std::string> route = NormalizeRoute(request.target, request.encoding);
    if (!route.ok()) return answer->Send(ErrorFromStatus(route.status(), "invalid_path"));
    // Reserved endpoints are decided first: no template makes one of them count.
    const bool reserved = IsReserved(*route);
    if (!reserved && !options_.route_templates.empty())
      options_.route_templates.Apply(route.value());
    answer->set_route(*route);
    if (reserved) {
      return HandleReserved(request,
                            std::string_view(*route).substr(options_.reserved_prefix.size()),
                            QueryOf(request.target), answer);
    }
    Count(std::move(route).value(), request.deadline, answer);
  } catch (const std::exception& e) {
    // Answered unless the store answered before it threw. Without `answer` (no memory for it),
    // `done` was never moved and is still ours.
    Response failure = StoreFailure(500, "internal", "an unexpected error; nothing was counted",
                                    Status::Internal(e.what()));
    if (answer) return answer->Send(std::move(failure));
    if (done) done(std::move(failure));
  }
}

void Service::Count(std::string route, Deadline deadline, const std::shared_ptr<Answer>& answer) {
  const UnixMillis now = clock_.Now();
  const std::optional<RateLimit> limit = options_.rate_limits.LimitFor(route);
  if (!limit) {
    store_.Increment(Hit{std::move(route), now, std::nullopt}, deadline,
                     [answer](Result<CountedHit> hit) {
                       answer->Send(hit.ok() ? Counted(std::move(hit).value())
                                             : ErrorFromStatus(hit.status(), "invalid_path"));
                     });
    return;
  }
  // The route is kept for the 429 body, which names it.
  store_.Increment(Hit{route, now, limit}, deadline,
                   [answer, route, limit = *limit, now](Result<CountedHit> hit) {
                     if (!hit.ok() && hit.status().code() == StatusCode::kResourceExhausted) {
                       return answer->Send(RateLimited(route, limit, now));
                     }
                     if (!hit.ok())
                       return answer->Send(ErrorFromStatus(hit.status(), "invalid_path"));
                     const std::int64_t window_hits = hit->window_hits;
                     Response response = Counted(std::move(hit).value());
                     AddRateLimitFields(response, limit,
                                        std::max<std::int64_t>(0, limit.limit - window_hits),
                                        limit.SecondsLeft(now));
                     answer->Send(std::move(response));
                   });
}

void Service::HandleReserved(const Request& request, std::string_view name, std::string_view query,
                             const std::shared_ptr<Answer>& answer) {
  const Endpoint endpoint = EndpointNamed(name);
  answer->set_endpoint(MetricsName(endpoint));
  if (endpoint == Endpoint::kUnknown) {
    return answer->SendReserved(MakeErrorResponse(404, "not_found",
                                                  "no such endpoint; paths under " +
                                                      options_.reserved_prefix +
                                                      " are reserved and never count"));
  }
  if (endpoint == Endpoint::kStats && request.method == "DELETE") {
    return DeleteStats(request, query, answer);
  }
  if (request.method != "GET" && request.method != "HEAD") {
    const bool stats = endpoint == Endpoint::kStats;
    Response response =
        MakeErrorResponse(405, "method_not_allowed",
                          stats ? "use GET or HEAD to read counts, DELETE to delete them"
                                : "this endpoint is read-only: use GET or HEAD");
    response.headers.emplace_back("Allow", stats ? kStatsMethods : kReadOnlyMethods);
    return answer->SendReserved(std::move(response));
  }
  if (NeedsAdminToken(endpoint) && !admin_token_.Accepts(request.authorization)) {
    return answer->SendReserved(Unauthorized());
  }
  switch (endpoint) {
    case Endpoint::kStats:
      return Stats(query, request.deadline, answer);
    case Endpoint::kHealth:
      return Health(request.deadline, answer);
    case Endpoint::kDashboard:
      return answer->SendReserved(Dashboard());
    case Endpoint::kMetrics:
      return answer->SendReserved(MetricsText());
    case Endpoint::kUnknown:
      break;
  }
  answer->SendReserved(MakeErrorResponse(500, "internal", "unhandled endpoint"));
}

void Service::Stats(std::string_view query, Deadline deadline,
                    const std::shared_ptr<Answer>& answer) {
  Result<StatsRequest> request = ParseStatsQuery(query);
  if (!request.ok()) {
    return answer->SendReserved(ErrorFromStatus(request.status(), "invalid_query"));
  }
  if (request->route) {
    // The record a hit on this path counts in: its template's, when one matches.
    std::string& route = *request.value().route;
    if (!options_.route_templates.empty() && !IsReserved(route)) {
      options_.route_templates.Apply(route);
    }
    store_.Get(std::move(route), deadline, [answer](Result<RouteStats> stats) {
      if (!stats.ok() && stats.status().code() == StatusCode::kNotFound) {
        return answer->SendReserved(
            MakeErrorResponse(404, "route_not_found", "this route was never hit"));
      }
      if (!stats.ok()) return answer->SendReserved(ErrorFromStatus(stats.status(), "internal"));
      answer->SendReserved(JsonResponse(200, RouteStatsJson(*stats)));
    });
    return;
  }
  const StatsOrder order = request->listing.order;
  store_.List(std::move(request->listing), deadline, [answer, order](Result<StatsPage> page) {
    if (!page.ok()) return answer->SendReserved(ErrorFromStatus(page.status(), "internal"));
    std::string cursor = page->next ? EncodeCursor(order, *page->next) : "";
    answer->SendReserved(JsonResponse(200, StatsPageJson(*page, cursor)));
  });
}

void Service::DeleteStats(const Request& request, std::string_view query,
                          const std::shared_ptr<Answer>& answer) {
  // Without a token anyone who reaches the server could read counts, and that is a choice an
  // operator makes; deleting them is never left open.
  if (!admin_token_.required()) {
    return answer->SendReserved(MakeErrorResponse(
        403, "forbidden",
        "deleting counts needs an admin token, and none is configured: start hitcounter serve "
        "with --admin-token (HITCOUNTER_ADMIN_TOKEN), or set the Lambda function's adminToken, "
        "then send it as \"Authorization: Bearer <token>\""));
  }
  if (!admin_token_.Accepts(request.authorization)) return answer->SendReserved(Unauthorized());
  Result<DeleteRequest> parsed = ParseDeleteQuery(query);
  if (!parsed.ok()) return answer->SendReserved(ErrorFromStatus(parsed.status(), "invalid_query"));
  if (parsed->prefix) {
    std::string prefix = *parsed->prefix;
    DeleteUnderPrefix(store_, std::move(*parsed->prefix), request.deadline,
                      [answer, prefix](Result<PrefixDeletion> deletion) {
                        if (!deletion.ok()) {
                          return answer->SendReserved(
                              DeleteFailure(deletion.status(), "some routes may be deleted"));
                        }
                        answer->SendReserved(JsonResponse(
                            200, DeletedPrefixJson(prefix, deletion->deleted, deletion->more)));
                      });
    return;
  }
  // The record a hit on this path counts in, as for GET ?route=.
  std::string route = std::move(*parsed->route);
  if (!options_.route_templates.empty() && !IsReserved(route)) {
    options_.route_templates.Apply(route);
  }
  store_.Delete({route}, request.deadline, [answer, route](Result<DeletedRoutes> deleted) {
    if (!deleted.ok()) return answer->SendReserved(DeleteFailure(deleted.status(), ""));
    if (deleted->routes == 0) {
      return answer->SendReserved(
          MakeErrorResponse(404, "route_not_found", "this route was never hit"));
    }
    answer->SendReserved(JsonResponse(200, DeletedRouteJson(route, *deleted)));
  });
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
  ScrapeFigures figures;
  figures.store = store_.Figures();
  if (options_.proc != nullptr) figures.process = ReadProcessFigures(*options_.proc);
  response.body = options_.metrics->RenderPrometheus(figures);
  response.headers.emplace_back("Access-Control-Allow-Origin", "*");
  return response;
}

void Service::Health(Deadline deadline, const std::shared_ptr<Answer>& answer) {
  store_.CheckHealth(deadline, [answer](Status health) {
    if (!health.ok()) return answer->SendReserved(ErrorFromStatus(health, "internal"));
    answer->SendReserved(JsonResponse(200, HealthJson()));
  });
}

}  // namespace hitcounter
