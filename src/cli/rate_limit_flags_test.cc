#include "cli/rate_limit_flags.h"

#include <gtest/gtest.h>
#include <CLI/CLI.hpp>

#include <fstream>

#include "tests/support/temp_dir.h"

namespace hitcounter::cli {
namespace {

// The flags as `hitcounter serve` would parse `args`.
RateLimitFlags Parse(std::vector<std::string> args) {
  CLI::App app;
  RateLimitFlags flags;
  AddRateLimitFlags(app, flags);
  args.insert(args.begin(), "serve");
  std::vector<const char*> argv;
  for (const std::string& arg : args) argv.push_back(arg.c_str());
  app.parse(static_cast<int>(argv.size()), argv.data());
  return flags;
}

class RateLimitFlagsTest : public ::testing::Test {
 protected:
  std::string File(const std::string& text) {
    const std::string path = dir_.path() + "/rate-limits.conf";
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  testing::TempDir dir_;
};

TEST_F(RateLimitFlagsTest, InlineRulesReadAsTheLambdaFunctionReadsTheirVariable) {
  const std::string rules = "/login 5/1m; /health unlimited";
  Result<RateLimitPolicy> served =
      LoadRateLimitPolicy(Parse({"--rate-limit", "100/1h", "--rate-limit-rules", rules}));
  Result<RateLimitPolicy> lambda = RateLimitPolicy::Make(RateLimit{100, 3600}, rules);
  ASSERT_TRUE(served.ok()) << served.status().message();
  ASSERT_TRUE(lambda.ok()) << lambda.status().message();
  for (const char* route : {"/login", "/login/x", "/health", "/other"}) {
    EXPECT_EQ(served->LimitFor(route), lambda->LimitFor(route)) << route;
  }
  EXPECT_EQ(served->LimitFor("/login"), (RateLimit{5, 60}));
  EXPECT_FALSE(served->LimitFor("/health").has_value());
}

TEST_F(RateLimitFlagsTest, TheFilesRulesAndTheInlineRulesAreTakenTogether) {
  Result<RateLimitPolicy> policy = LoadRateLimitPolicy(
      Parse({"--rate-limit-file", File("/a 1/1s\n"), "--rate-limit-rules", "/b 2/1s"}));
  ASSERT_TRUE(policy.ok()) << policy.status().message();
  EXPECT_EQ(policy->LimitFor("/a"), (RateLimit{1, 1}));
  EXPECT_EQ(policy->LimitFor("/b"), (RateLimit{2, 1}));
}

TEST_F(RateLimitFlagsTest, APrefixGivenByBothTheFileAndTheInlineRulesIsRefusedNamingBoth) {
  Result<RateLimitPolicy> policy = LoadRateLimitPolicy(
      Parse({"--rate-limit-file", File("/a 1/1s\n"), "--rate-limit-rules", "/a 2/1s"}));
  ASSERT_FALSE(policy.ok());
  EXPECT_NE(policy.status().message().find("--rate-limit-file and --rate-limit-rules"),
            std::string::npos)
      << policy.status().message();
}

TEST_F(RateLimitFlagsTest, ABadInlineRuleIsRefusedNamingItsFlag) {
  Result<RateLimitPolicy> policy =
      LoadRateLimitPolicy(Parse({"--rate-limit-rules", "/a 1/1s; login 2/1m"}));
  ASSERT_FALSE(policy.ok());
  EXPECT_EQ(policy.status().message().rfind("--rate-limit-rules: ", 0), 0u)
      << policy.status().message();
}

}  // namespace
}  // namespace hitcounter::cli
