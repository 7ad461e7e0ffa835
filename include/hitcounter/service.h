// Service: hitcounter's behaviour, as a function from a request to a response.
//
// The HTTP server and the Lambda runtime are adapters: they turn what arrived into a Request,
// call Service::Handle, and send back the Response it produces. Everything a user can observe
// (which paths count, the reserved endpoints, the JSON, the error codes) is decided here, over
// two seams: the Store (where counts live) and the Clock.
//
// Thread safety: Handle may be called from any number of threads at once.
#ifndef HITCOUNTER_SERVICE_H_
#define HITCOUNTER_SERVICE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hitcounter/admin_token.h"
#include "hitcounter/clock.h"
#include "hitcounter/metrics.h"
#include "hitcounter/rate_limit.h"
#include "hitcounter/route.h"
#include "hitcounter/route_templates.h"
#include "hitcounter/store.h"

namespace hitcounter {

struct Request {
  std::string method;  // as received, e.g. "GET"; methods are case-sensitive
  std::string target;  // the request-target as received, percent-encoded, query included
  PathEncoding encoding = PathEncoding::kPercentEncoded;  // how `target`'s path is spelled
  // The Authorization header's value, empty when there was none. Read only by the reserved
  // endpoints that the admin token guards; never logged.
  std::string authorization{};  // "{}": Request{method, target} may leave it out
  // When the answer is due: store calls made for this request end by then (Store's Deadline).
  // The Lambda front end passes its invocation's deadline; the server leaves it open and lets
  // the store bound its own time.
  Deadline deadline = kNoDeadline;
  // The front end's name for this request (the Lambda request id; the server makes one): a
  // server-side failure's body carries it as "requestId", and the front end's log line too.
  std::string request_id{};
};

struct Response {
  int status = 200;
  // Empty: no body. One of the service's constants, so a view (no allocation per response).
  std::string_view content_type = "application/json";
  // Beyond Content-Type. Names are the service's own constants (string literals), never built
  // from a request: a view saves allocating one per header per response.
  std::vector<std::pair<std::string_view, std::string>> headers;
  std::string body;
  // Set by the reserved endpoints and the CORS preflight, which never count: the server's
  // metrics keep their latency out of the hits' histogram.
  bool reserved = false;
  // With `reserved`: which endpoint answered ("stats", "health", "dashboard", "metrics",
  // "not_found" for another name under the prefix, "preflight"), for the server's metrics.
  std::string_view endpoint{};

  // What a front end's log line says of this answer, so that no front end parses the body or
  // normalises the path again. Never anything the client sent beyond the normalised route.
  std::string route{};                  // the normalised route, when the path was valid
  std::optional<std::int64_t> count{};  // the route's count, after a counted hit
  std::string error{};                  // the error code of an error answer
  // What went wrong inside, for the log only, never sent: a store's own message (it may name a
  // table, a region, an account or a file). Empty for request errors, whose message is sent.
  std::string detail{};
};

// Limits of the read-only listing, GET {prefix}stats.
inline constexpr std::size_t kDefaultStatsLimit = 100;
inline constexpr std::size_t kMaxStatsLimit = 1000;

// The default reserved prefix: the endpoints are /_stats, /_health, ...
inline constexpr std::string_view kDefaultReservedPrefix = "/_";

// OK when `prefix` can be a reserved prefix: the default "/_", or one or more whole segments
// ending in '/' ("/admin/" reserves /admin/stats, /admin/health, ... and leaves /admin and
// /administrator to count), spelled as a normalised route is (route.h: no empty, "." or ".."
// segment, no escape but %2F and %25). kInvalidArgument otherwise, with a sentence that suggests
// the fix ("/" would reserve every path; "/admin" lacks its closing slash).
Status ValidateReservedPrefix(std::string_view prefix);

struct ServiceOptions {
  // Paths under this prefix are hitcounter's own endpoints and never count: {prefix}stats,
  // {prefix}health. Any other path under it is 404. Change it for APIs whose routes use "/_".
  // Must pass ValidateReservedPrefix.
  std::string reserved_prefix{kDefaultReservedPrefix};

  // When set, {prefix}stats, {prefix}dashboard and {prefix}metrics answer 401 unless the
  // request presents this token (see hitcounter/admin_token.h); {prefix}health stays open for load
  // balancers. Empty: they are open to everyone, except DELETE {prefix}stats, which deletes
  // counts only with a token and answers 403 without one.
  std::string admin_token{};

  // What {prefix}metrics reports, in Prometheus' text format; null (as in Lambda, where each
  // instance would report only its own share) makes the endpoint 404. Must outlive the Service.
  const Metrics* metrics = nullptr;
  // Where {prefix}metrics reads the process_* figures (process_figures.h); null leaves them
  // out. Must outlive the Service.
  const ProcFs* proc = nullptr;

  // Counted hits per route and window (rate_limit.h), for the route as counted (the template,
  // when route_templates match it); none by default. A hit over its limit gets 429 with
  // Retry-After and counts nothing. Every response to a limited route carries the IETF
  // RateLimit-Policy and RateLimit header fields (draft-ietf-httpapi-ratelimit-headers).
  RateLimitPolicy rate_limits{};

  // Instead of admin_token: the guard built from the token's SHA-256 alone
  // (AdminToken::FromSha256Hex), for a front end given only the digest (the Lambda function).
  // When set, admin_token is ignored.
  std::optional<AdminToken> admin_token_from_digest{};

  // Which routes count together under one name (route_templates.h): applied to each hit right
  // after normalisation, unless the path is a reserved endpoint, and to the route of
  // {prefix}stats?route=. None by default: every route counts as itself. Must pass
  // CheckOutsideReservedPrefix(reserved_prefix).
  RouteTemplates route_templates{};
};

// The JSON error every front end sends: {"error":"<code>","message":"<sentence>"}.
Response MakeErrorResponse(int status, std::string_view error, std::string_view message);

class Service {
 public:
  using ResponseCallback = std::function<void(Response)>;

  // `store` and `clock` must outlive the Service.
  Service(Store& store, const Clock& clock, ServiceOptions options = {});

  // Produces the response to `request` and passes it to `done`, exactly once. `done` may run
  // on another thread (the store's, or its Executor's) and may run before Handle returns. Never
  // throws: anything unexpected, a throwing store included, is answered 500.
  void Handle(const Request& request, ResponseCallback done);

 private:
  class Answer;

  // `route` (normalised) is under the reserved prefix: one of the service's own endpoints.
  bool IsReserved(std::string_view route) const {
    return route.compare(0, options_.reserved_prefix.size(), options_.reserved_prefix) == 0;
  }

  void Count(std::string route, Deadline deadline, const std::shared_ptr<Answer>& answer);
  void HandleReserved(const Request& request, std::string_view name, std::string_view query,
                      const std::shared_ptr<Answer>& answer);
  void Stats(std::string_view query, Deadline deadline, const std::shared_ptr<Answer>& answer);
  void DeleteStats(const Request& request, std::string_view query,
                   const std::shared_ptr<Answer>& answer);
  void Health(Deadline deadline, const std::shared_ptr<Answer>& answer);
  Response Dashboard() const;
  // Reads the store's and the process's figures (at once, from memory and /proc) into the text.
  Response MetricsText() const;

  Store& store_;
  const Clock& clock_;
  ServiceOptions options_;
  AdminToken admin_token_;
  std::string dashboard_page_;  // built once: the reserved prefix does not change
};

}  // namespace hitcounter

#endif  // HITCOUNTER_SERVICE_H_
