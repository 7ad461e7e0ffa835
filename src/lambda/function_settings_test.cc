#include "lambda/function_settings.h"

#include <gtest/gtest.h>

#include "aws/credentials_provider.h"

namespace hitcounter::lambda {
namespace {

aws::Environment LambdaEnvironment() {
  return {{"TABLE_NAME", "hits"},
          {"AWS_REGION", "eu-west-1"},
          {"AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"},
          {"AWS_SECRET_ACCESS_KEY", "secret"},
          {"AWS_SESSION_TOKEN", "token"},
          {"AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000"}};
}

TEST(FunctionSettingsTest, ReadsTheTableRegionCredentialsAndEndpoint) {
  Result<FunctionSettings> settings = FunctionSettingsFromEnv(LambdaEnvironment());
  ASSERT_TRUE(settings.ok()) << settings.status().message();
  EXPECT_EQ(settings->store.table, "hits");
  EXPECT_EQ(settings->store.workers, 0u);  // inline: one event at a time
  EXPECT_EQ(settings->store.service.region, "eu-west-1");
  Result<std::shared_ptr<const aws::Credentials>> credentials =
      settings->store.service.credentials->GetCredentials(aws::Deadline::max());
  ASSERT_TRUE(credentials.ok()) << credentials.status().message();
  EXPECT_EQ((*credentials)->session_token, "token");
  EXPECT_EQ(settings->store.service.endpoint.port, 8000);
  EXPECT_EQ(settings->service.reserved_prefix, "/_");
}

TEST(FunctionSettingsTest, MissingKeysStopInitEvenWithAnotherSourceOfTheChainConfigured) {
  // The function signs with the keys Lambda puts in its environment: it is built without the
  // rest of the SDKs' chain (no container endpoint, web identity or instance metadata).
  aws::Environment env = LambdaEnvironment();
  env.erase("AWS_ACCESS_KEY_ID");
  env.erase("AWS_SECRET_ACCESS_KEY");
  env["HOME"] = "/nonexistent";
  env["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/v2/credentials/x";
  Result<FunctionSettings> settings = FunctionSettingsFromEnv(env);
  ASSERT_EQ(settings.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(settings.status().message().find("AWS_ACCESS_KEY_ID"), std::string::npos)
      << settings.status().message();
}

TEST(FunctionSettingsTest, TheReservedPrefixCanBeChanged) {
  aws::Environment env = LambdaEnvironment();
  env["HITCOUNTER_RESERVED_PREFIX"] = "/.hits/";
  Result<FunctionSettings> settings = FunctionSettingsFromEnv(env);
  ASSERT_TRUE(settings.ok());
  EXPECT_EQ(settings->service.reserved_prefix, "/.hits/");
  env["HITCOUNTER_RESERVED_PREFIX"] = "hits";
  EXPECT_EQ(FunctionSettingsFromEnv(env).status().code(), StatusCode::kInvalidArgument);
}

TEST(FunctionSettingsTest, RateLimitsComeFromTheDefaultAndTheRules) {
  aws::Environment env = LambdaEnvironment();
  EXPECT_TRUE(FunctionSettingsFromEnv(env)->service.rate_limits.empty());
  env["HITCOUNTER_RATE_LIMIT"] = "100/1m";
  env["HITCOUNTER_RATE_LIMIT_RULES"] = "/login 5/1m; /static/ unlimited";
  Result<FunctionSettings> settings = FunctionSettingsFromEnv(env);
  ASSERT_TRUE(settings.ok()) << settings.status().message();
  EXPECT_EQ(settings->service.rate_limits.LimitFor("/a"), (RateLimit{100, 60}));
  EXPECT_EQ(settings->service.rate_limits.LimitFor("/login"), (RateLimit{5, 60}));
  EXPECT_FALSE(settings->service.rate_limits.LimitFor("/static/x"));
}

TEST(FunctionSettingsTest, BadRateLimitsAreRefusedByName) {
  aws::Environment env = LambdaEnvironment();
  env["HITCOUNTER_RATE_LIMIT"] = "lots";
  Status bad_limit = FunctionSettingsFromEnv(env).status();
  EXPECT_NE(bad_limit.message().find("HITCOUNTER_RATE_LIMIT:"), std::string::npos);
  env.erase("HITCOUNTER_RATE_LIMIT");
  env["HITCOUNTER_RATE_LIMIT_RULES"] = "login 5/1m";
  Status bad_rules = FunctionSettingsFromEnv(env).status();
  EXPECT_NE(bad_rules.message().find("HITCOUNTER_RATE_LIMIT_RULES"), std::string::npos);
}

TEST(FunctionSettingsTest, TheAdminTokenComesFromTheEnvironment) {
  aws::Environment env = LambdaEnvironment();
  EXPECT_EQ(FunctionSettingsFromEnv(env)->service.admin_token, "");
  env["HITCOUNTER_ADMIN_TOKEN"] = "s3cret";
  EXPECT_EQ(FunctionSettingsFromEnv(env)->service.admin_token, "s3cret");
}

// SHA-256("s3cret").
constexpr const char* kS3cretSha256 =
    "1ec1c26b50d5d3c58d9583181af8076655fe00756bf7285940ba3670f99fcba0";

TEST(FunctionSettingsTest, TheAdminTokenMayComeAsItsDigestAlone) {
  aws::Environment env = LambdaEnvironment();
  env["HITCOUNTER_ADMIN_TOKEN_SHA256"] = kS3cretSha256;
  Result<FunctionSettings> settings = FunctionSettingsFromEnv(env);
  ASSERT_TRUE(settings.ok()) << settings.status().message();
  EXPECT_EQ(settings->service.admin_token, "");
  ASSERT_TRUE(settings->service.admin_token_from_digest.has_value());
  EXPECT_TRUE(settings->service.admin_token_from_digest->Accepts("Bearer s3cret"));
  EXPECT_FALSE(settings->service.admin_token_from_digest->Accepts("Bearer s3cret2"));
  EXPECT_FALSE(settings->service.admin_token_from_digest->Accepts(""));
}

TEST(FunctionSettingsTest, AMalformedDigestIsRefusedAtInitByName) {
  aws::Environment env = LambdaEnvironment();
  for (const char* bad :
       {"s3cret", "1ec1c26b50d5d3c58d9583181af8076655fe00756bf7285940ba3670f99fcba",
        "1ec1c26b50d5d3c58d9583181af8076655fe00756bf7285940ba3670f99fcbaz"}) {
    env["HITCOUNTER_ADMIN_TOKEN_SHA256"] = bad;
    Status status = FunctionSettingsFromEnv(env).status();
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(status.message().rfind("HITCOUNTER_ADMIN_TOKEN_SHA256: ", 0), 0u) << status.message();
    EXPECT_NE(status.message().find("64 hex digits"), std::string::npos) << status.message();
  }
}

TEST(FunctionSettingsTest, TheTokenAndItsDigestTogetherAreRefused) {
  aws::Environment env = LambdaEnvironment();
  env["HITCOUNTER_ADMIN_TOKEN"] = "s3cret";
  env["HITCOUNTER_ADMIN_TOKEN_SHA256"] = kS3cretSha256;
  Status status = FunctionSettingsFromEnv(env).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("set only one"), std::string::npos) << status.message();
}

TEST(FunctionSettingsTest, TheMostRoutesDefaultsToTheBoundAndZeroLiftsIt) {
  aws::Environment env = LambdaEnvironment();
  EXPECT_EQ(FunctionSettingsFromEnv(env)->store.max_routes, kDefaultMaxRoutes);
  env["HITCOUNTER_MAX_ROUTES"] = "2500";
  EXPECT_EQ(FunctionSettingsFromEnv(env)->store.max_routes, 2500);
  env["HITCOUNTER_MAX_ROUTES"] = "0";
  EXPECT_EQ(FunctionSettingsFromEnv(env)->store.max_routes, kUnboundedRoutes);
  for (const char* bad : {"-1", "many", "10 ", "1e6", "99999999999999999999"}) {
    env["HITCOUNTER_MAX_ROUTES"] = bad;
    Status status = FunctionSettingsFromEnv(env).status();
    EXPECT_NE(status.message().find("HITCOUNTER_MAX_ROUTES"), std::string::npos) << bad;
  }
}

TEST(FunctionSettingsTest, ListingsAreCachedForThreeSecondsUnlessSetOtherwise) {
  aws::Environment env = LambdaEnvironment();
  EXPECT_EQ(FunctionSettingsFromEnv(env)->store.listing_cache_ttl,
            std::chrono::seconds(kFunctionListingCacheSeconds));
  env["HITCOUNTER_LISTING_CACHE_SECONDS"] = "0";
  EXPECT_EQ(FunctionSettingsFromEnv(env)->store.listing_cache_ttl.count(), 0);
  env["HITCOUNTER_LISTING_CACHE_SECONDS"] = "60";
  EXPECT_EQ(FunctionSettingsFromEnv(env)->store.listing_cache_ttl, std::chrono::seconds(60));
  for (const char* bad : {"-1", "soon", "3s", "3601"}) {
    env["HITCOUNTER_LISTING_CACHE_SECONDS"] = bad;
    Status status = FunctionSettingsFromEnv(env).status();
    EXPECT_NE(status.message().find("HITCOUNTER_LISTING_CACHE_SECONDS"), std::string::npos) << bad;
  }
}

TEST(FunctionSettingsTest, AMissingOrBadTableNameIsRefusedByName) {
  aws::Environment env = LambdaEnvironment();
  env.erase("TABLE_NAME");
  Status missing = FunctionSettingsFromEnv(env).status();
  EXPECT_EQ(missing.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(missing.message().find("TABLE_NAME"), std::string::npos);
  env["TABLE_NAME"] = "no spaces allowed";
  EXPECT_EQ(FunctionSettingsFromEnv(env).status().code(), StatusCode::kInvalidArgument);
}

TEST(FunctionSettingsTest, MissingRegionIsRefused) {
  aws::Environment env = LambdaEnvironment();
  env.erase("AWS_REGION");
  env["AWS_CONFIG_FILE"] = "/nonexistent/config";
  EXPECT_EQ(FunctionSettingsFromEnv(env).status().code(), StatusCode::kInvalidArgument);
}

TEST(FunctionSettingsTest, AnAdminTokenWithSpacesAroundItStopsInit) {
  aws::Environment env = {{"TABLE_NAME", "hits"},
                          {"AWS_REGION", "eu-west-1"},
                          {"AWS_ACCESS_KEY_ID", "AKID"},
                          {"AWS_SECRET_ACCESS_KEY", "secret"},
                          {"HITCOUNTER_ADMIN_TOKEN", " padded "}};
  Result<FunctionSettings> settings = FunctionSettingsFromEnv(env);
  ASSERT_FALSE(settings.ok());
  EXPECT_NE(settings.status().message().find("HITCOUNTER_ADMIN_TOKEN"), std::string::npos);
  EXPECT_EQ(settings.status().message().find("padded"), std::string::npos) << "a secret";
}

TEST(FunctionSettingsTest, RouteTemplatesComeFromTheirVariableInOrder) {
  aws::Environment env = LambdaEnvironment();
  EXPECT_TRUE(FunctionSettingsFromEnv(env)->service.route_templates.empty());
  env["HITCOUNTER_ROUTE_TEMPLATES"] = "/users/me; /users/{id}\n/files/{path+};";
  Result<FunctionSettings> settings = FunctionSettingsFromEnv(env);
  ASSERT_TRUE(settings.ok()) << settings.status().message();
  const RouteTemplates& templates = settings->service.route_templates;
  EXPECT_EQ(templates.size(), 3u);
  EXPECT_EQ(*templates.Match("/users/me"), "/users/me");
  EXPECT_EQ(*templates.Match("/users/7"), "/users/{id}");
  EXPECT_EQ(*templates.Match("/files/a/b"), "/files/{path+}");
}

TEST(FunctionSettingsTest, MalformedRouteTemplatesStopInitNamingTheVariableAndTemplate) {
  aws::Environment env = LambdaEnvironment();
  env["HITCOUNTER_ROUTE_TEMPLATES"] = "/users/{id};/files/{}";
  Status malformed = FunctionSettingsFromEnv(env).status();
  EXPECT_EQ(malformed.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(malformed.message().find("HITCOUNTER_ROUTE_TEMPLATES: route template \"/files/{}\""),
            std::string::npos)
      << malformed.message();
  env["HITCOUNTER_ROUTE_TEMPLATES"] = "/_private/{id}";
  Status reserved = FunctionSettingsFromEnv(env).status();
  EXPECT_NE(reserved.message().find("under the reserved prefix \"/_\""), std::string::npos)
      << reserved.message();
  env["HITCOUNTER_RESERVED_PREFIX"] = "/admin/";
  EXPECT_TRUE(FunctionSettingsFromEnv(env).ok()) << "outside /admin/";
  env["HITCOUNTER_ROUTE_TEMPLATES"] = "/admin/{id}";
  EXPECT_FALSE(FunctionSettingsFromEnv(env).ok());
}

}  // namespace
}  // namespace hitcounter::lambda
