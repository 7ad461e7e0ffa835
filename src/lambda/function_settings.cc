#include "lambda/function_settings.h"

#include <cstdlib>

#include <charconv>

namespace hitcounter::lambda {
namespace {

std::string Get(const aws::Environment& env, std::string_view name) {
  auto found = env.find(name);
  return found == env.end() ? std::string() : found->second;
}

// kDefaultMaxRoutes when unset; "0" is no bound.
Result<std::int64_t> MaxRoutes(const std::string& text) {
  if (text.empty()) return kDefaultMaxRoutes;
  std::int64_t value = -1;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 0) {
    return Status::InvalidArgument(
        "HITCOUNTER_MAX_ROUTES must be a whole number, 0 for no bound, "
        "got \"" +
        text + "\"");
  }
  return value;
}

// The guard of the read-only endpoints: from the token's digest, from the token, or none.
Status ReadAdminToken(const aws::Environment& env, ServiceOptions& service) {
  std::string token = Get(env, "HITCOUNTER_ADMIN_TOKEN");
  std::string digest = Get(env, "HITCOUNTER_ADMIN_TOKEN_SHA256");
  if (!token.empty() && !digest.empty()) {
    return Status::InvalidArgument(
        "HITCOUNTER_ADMIN_TOKEN and HITCOUNTER_ADMIN_TOKEN_SHA256 are both set: set only one");
  }
  if (digest.empty()) {
    if (Status valid = ValidateAdminToken(token); !valid.ok()) {
      return Status::InvalidArgument("HITCOUNTER_ADMIN_TOKEN: " + valid.message());
    }
    service.admin_token = std::move(token);
    return Status::Ok();
  }
  Result<AdminToken> guard = AdminToken::FromSha256Hex(digest);
  if (!guard.ok()) {
    return Status::InvalidArgument("HITCOUNTER_ADMIN_TOKEN_SHA256: " + guard.status().message());
  }
  service.admin_token_from_digest = *guard;
  return Status::Ok();
}

}  // namespace

Result<FunctionSettings> FunctionSettingsFromEnv(const aws::Environment& env) {
  std::string table = Get(env, "TABLE_NAME");
  if (table.empty()) {
    return Status::InvalidArgument(
        "TABLE_NAME is not set: name the DynamoDB table of the counters");
  }
  Result<DynamoDbSettings> store =
      ResolveDynamoDbSettings(std::move(table), {}, env, aws::StaticKeyCredentials);
  if (!store.ok()) return store.status();
  FunctionSettings settings{std::move(store).value(), {}};
  settings.store.workers = 0;
  settings.store.listing_cache_ttl = std::chrono::seconds(kFunctionListingCacheSeconds);
  if (std::string cache = Get(env, "HITCOUNTER_LISTING_CACHE_SECONDS"); !cache.empty()) {
    char* end = nullptr;
    const long seconds = std::strtol(cache.c_str(), &end, 10);
    if (*end != '\0' || seconds < 0 || seconds > kMaxListingCacheSeconds) {
      return Status::InvalidArgument("HITCOUNTER_LISTING_CACHE_SECONDS must be 0 to " +
                                     std::to_string(kMaxListingCacheSeconds) + ", got \"" + cache +
                                     "\"");
    }
    settings.store.listing_cache_ttl = std::chrono::seconds(seconds);
  }
  std::string prefix = Get(env, "HITCOUNTER_RESERVED_PREFIX");
  if (!prefix.empty()) {
    if (Status valid = ValidateReservedPrefix(prefix); !valid.ok()) {
      return Status::InvalidArgument("HITCOUNTER_RESERVED_PREFIX: " + valid.message());
    }
    settings.service.reserved_prefix = std::move(prefix);
  }
  std::optional<RateLimit> default_limit;
  if (std::string limit = Get(env, "HITCOUNTER_RATE_LIMIT"); !limit.empty()) {
    Result<RateLimit> parsed = ParseRateLimit(limit);
    if (!parsed.ok()) {
      return Status::InvalidArgument("HITCOUNTER_RATE_LIMIT: " + parsed.status().message());
    }
    default_limit = *parsed;
  }
  Result<RateLimitPolicy> policy =
      RateLimitPolicy::Make(default_limit, Get(env, "HITCOUNTER_RATE_LIMIT_RULES"));
  if (!policy.ok()) {
    return Status::InvalidArgument("HITCOUNTER_RATE_LIMIT_RULES: " + policy.status().message());
  }
  settings.service.rate_limits = std::move(policy).value();
  Result<RouteTemplates> templates = RouteTemplates::Parse(Get(env, "HITCOUNTER_ROUTE_TEMPLATES"));
  if (!templates.ok()) {
    return Status::InvalidArgument("HITCOUNTER_ROUTE_TEMPLATES: " + templates.status().message());
  }
  if (Status outside = templates->CheckOutsideReservedPrefix(settings.service.reserved_prefix);
      !outside.ok()) {
    return Status::InvalidArgument("HITCOUNTER_ROUTE_TEMPLATES: " + outside.message());
  }
  settings.service.route_templates = std::move(templates).value();
  if (Status admin = ReadAdminToken(env, settings.service); !admin.ok()) return admin;
  Result<std::int64_t> max_routes = MaxRoutes(Get(env, "HITCOUNTER_MAX_ROUTES"));
  if (!max_routes.ok()) return max_routes.status();
  settings.store.max_routes = *max_routes;
  return settings;
}

}  // namespace hitcounter::lambda
