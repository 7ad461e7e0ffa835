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
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hitcounter/admin_token.h"
#include "hitcounter/clock.h"
#include "hitcounter/metrics.h"
#include "hitcounter/rate_limit.h"
#include "hitcounter/route.h"
#include "hitcounter/store.h"

namespace hitcounter {

struct Request {
  std::string method;  // as received, e.g. "GET"; methods are case-sensitive
  std::string target;  // the request-target as received, percent-encoded, query included
  PathEncoding encoding = PathEncoding::kPercentEncoded;  // how `target`'s path is spelled
  // The Authorization header's value, empty when there was none. Read only by the reserved
  // endpoints that the admin token guards; never logged.
  std::string authorization{};  // "{}": Request{method, target} may leave it out
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // beyond Content-Type
  std::string body;
  // Set by the reserved endpoints and the CORS preflight, which never count: the server's
  // metrics keep their latency out of the hits' histogram.
  bool reserved = false;
};

// Limits of the read-only listing, GET {prefix}stats.
inline constexpr std::size_t kDefaultStatsLimit = 100;
inline constexpr std::size_t kMaxStatsLimit = 1000;

struct ServiceOptions {
  // Paths under this prefix are hitcounter's own endpoints and never count: {prefix}stats,
  // {prefix}health. Any other path under it is 404. Change it for APIs whose routes use "/_".
  std::string reserved_prefix = "/_";

  // When set, {prefix}stats, {prefix}dashboard and {prefix}metrics answer 401 unless the
  // request presents this token (see core/admin_token.h); {prefix}health stays open for load
  // balancers. Empty: they are open to everyone.
  std::string admin_token{};

  // What {prefix}metrics reports, in Prometheus' text format; null (as in Lambda, where each
  // instance would report only its own share) makes the endpoint 404. Must outlive the Service.
  const Metrics* metrics = nullptr;

  // Counted hits per route and window (rate_limit.h); none by default. A hit over its limit
  // gets 429 with Retry-After and counts nothing. Every response to a limited route carries the
  // IETF RateLimit-Policy and RateLimit header fields (draft-ietf-httpapi-ratelimit-headers).
  RateLimitPolicy rate_limits{};

  // Instead of admin_token: the guard built from the token's SHA-256 alone
  // (AdminToken::FromSha256Hex), for a front end given only the digest (the Lambda function).
  // When set, admin_token is ignored.
  std::optional<AdminToken> admin_token_from_digest{};
};

// The JSON error every front end sends: {"error":"<code>","message":"<sentence>"}.
Response MakeErrorResponse(int status, std::string_view error, std::string_view message);

class Service {
 public:
  using ResponseCallback = std::function<void(Response)>;

  // `store` and `clock` must outlive the Service.
  Service(Store& store, const Clock& clock, ServiceOptions options = {});

  // Produces the response to `request` and passes it to `done`, exactly once. `done` may run
  // on another thread (the store's) and may run before Handle returns. Never throws.
  void Handle(const Request& request, ResponseCallback done);

 private:
  void Count(std::string route, ResponseCallback done);
  void HandleReserved(const Request& request, std::string_view name, std::string_view query,
                      const ResponseCallback& done);
  Response AnswerReserved(const Request& request, std::string_view name, std::string_view query);
  Response Stats(std::string_view query);
  Response Health();
  Response Dashboard() const;
  Response MetricsText() const;

  Store& store_;
  const Clock& clock_;
  ServiceOptions options_;
  AdminToken admin_token_;
  std::string dashboard_page_;  // built once: the reserved prefix does not change
};

}  // namespace hitcounter

#endif  // HITCOUNTER_SERVICE_H_
