#include "lambda/function_settings.h"

namespace hitcounter::lambda {
namespace {

std::string Get(const aws::Environment& env, std::string_view name) {
  auto found = env.find(name);
  return found == env.end() ? std::string() : found->second;
}

}  // namespace

Result<FunctionSettings> FunctionSettingsFromEnv(const aws::Environment& env) {
  std::string table = Get(env, "TABLE_NAME");
  if (table.empty()) {
    return Status::InvalidArgument(
        "TABLE_NAME is not set: name the DynamoDB table of the counters");
  }
  Result<DynamoDbSettings> store = ResolveDynamoDbSettings(std::move(table), {}, env);
  if (!store.ok()) return store.status();
  FunctionSettings settings{std::move(store).value(), {}};
  settings.store.workers = 0;
  std::string prefix = Get(env, "HITCOUNTER_RESERVED_PREFIX");
  if (!prefix.empty()) {
    if (prefix.front() != '/') {
      return Status::InvalidArgument("HITCOUNTER_RESERVED_PREFIX must start with '/', got \"" +
                                     prefix + "\"");
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
  settings.service.admin_token = Get(env, "HITCOUNTER_ADMIN_TOKEN");
  return settings;
}

}  // namespace hitcounter::lambda
