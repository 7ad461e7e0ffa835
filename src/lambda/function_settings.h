// What the function reads from its environment at start-up, once.
//
//   TABLE_NAME                  the DynamoDB table of the counters (required)
//   AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (set by Lambda),
//   AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL (optional): as ResolveDynamoDbSettings says,
//                               with static keys only (aws::StaticKeyCredentials): the function
//                               is built without the rest of the SDKs' credentials chain
//   HITCOUNTER_RESERVED_PREFIX  the prefix of the read-only endpoints (optional, default "/_")
//   HITCOUNTER_RATE_LIMIT       counted hits per route and window, e.g. "100/1m" (optional)
//   HITCOUNTER_RATE_LIMIT_RULES per-prefix overrides, "PREFIX LIMIT/WINDOW" or
//                               "PREFIX unlimited", separated by ';' or newlines (optional)
//   HITCOUNTER_ROUTE_TEMPLATES  route templates (hitcounter/route_templates.h), e.g.
//                               "/users/{id};/files/{path+}", separated by ';' or newlines, the
//                               first match winning (optional)
//   HITCOUNTER_ADMIN_TOKEN_SHA256  the SHA-256 (64 hex digits) of the token guarding
//                               {prefix}stats and {prefix}dashboard (optional; what infra/
//                               sets, so that the function's configuration never holds the
//                               token itself)
//   HITCOUNTER_ADMIN_TOKEN      the token itself, instead of its digest (optional; at most one
//                               of the two may be set)
//   HITCOUNTER_MAX_ROUTES       the most distinct routes counted (optional, default
//                               kDefaultMaxRoutes; 0: no bound)
//   HITCOUNTER_LISTING_CACHE_SECONDS  how long an instance answers a listing from its last scan
//                               (optional, default kFunctionListingCacheSeconds; 0: always scan)
//
// {prefix}metrics answers 404 in the function: each instance would report only its own few
// requests, and CloudWatch already has the function's invocations, errors and duration.
//
// Pure functions of the environment passed in; safe to call from any thread.
#ifndef HITCOUNTER_LAMBDA_FUNCTION_SETTINGS_H_
#define HITCOUNTER_LAMBDA_FUNCTION_SETTINGS_H_

#include "aws/aws_config.h"
#include "hitcounter/service.h"
#include "hitcounter/status.h"
#include "store/dynamodb_store.h"

namespace hitcounter::lambda {

// A function instance answers a repeated listing from its last scan for this long: the
// dashboard asks every 5 s, and a scan reads the whole table (~2,500 read units at 100,000
// routes). Listings may so lag by this much, as they may anyway across instances.
inline constexpr int kFunctionListingCacheSeconds = 3;
inline constexpr int kMaxListingCacheSeconds = 3'600;

struct FunctionSettings {
  DynamoDbSettings store;  // inline (workers = 0): the function serves one event at a time
  ServiceOptions service;
};

// The settings, or kInvalidArgument naming the variable that is missing or wrong.
Result<FunctionSettings> FunctionSettingsFromEnv(const aws::Environment& env);

}  // namespace hitcounter::lambda

#endif  // HITCOUNTER_LAMBDA_FUNCTION_SETTINGS_H_
