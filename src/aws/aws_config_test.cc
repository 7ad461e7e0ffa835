#include "aws/aws_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "aws/credentials_provider.h"
#include "tests/support/temp_dir.h"

namespace hitcounter::aws {
namespace {

using hitcounter::testing::TempDir;

const Environment kKeys = {{"AWS_ACCESS_KEY_ID", "AKID"}, {"AWS_SECRET_ACCESS_KEY", "SECRET"}};

Environment With(Environment env, const Environment& more) {
  for (const auto& [name, value] : more) env[name] = value;
  return env;
}

// ResolveServiceSettings with static keys, as the Lambda function resolves them.
Result<ServiceSettings> Resolve(std::string_view service, const Overrides& overrides,
                                const Environment& env) {
  return ResolveServiceSettings(service, overrides, env, StaticKeyCredentials);
}

void Write(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}

TEST(ResolveServiceSettings, TakesTheRegionFromTheFlagThenAwsRegionThenAwsDefaultRegion) {
  Environment env = With(kKeys, {{"AWS_REGION", "eu-west-1"},
                                 {"AWS_DEFAULT_REGION", "us-west-2"},
                                 {"AWS_ENDPOINT_URL", "http://localhost:8000"}});
  EXPECT_EQ(Resolve("dynamodb", {"ap-south-1", ""}, env)->region, "ap-south-1");
  EXPECT_EQ(Resolve("dynamodb", {}, env)->region, "eu-west-1");
  env.erase("AWS_REGION");
  EXPECT_EQ(Resolve("dynamodb", {}, env)->region, "us-west-2");
}

TEST(ResolveServiceSettings, NamesEveryWayToGiveAMissingRegion) {
  Result<ServiceSettings> settings = Resolve("dynamodb", {}, kKeys);
  ASSERT_EQ(settings.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(settings.status().message().find("--region"), std::string::npos);
  EXPECT_NE(settings.status().message().find("AWS_REGION"), std::string::npos);
}

TEST(ResolveServiceSettings, PrefersTheServicesEndpointVariableToTheGeneralOne) {
  Environment env = With(kKeys, {{"AWS_REGION", "eu-west-1"},
                                 {"AWS_ENDPOINT_URL", "http://general:1"},
                                 {"AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000/"}});
  Result<ServiceSettings> settings = Resolve("dynamodb", {}, env);
  ASSERT_TRUE(settings.ok()) << settings.status().message();
  EXPECT_EQ(settings->endpoint.Url(), "http://127.0.0.1:8000");
  EXPECT_TRUE(settings->ca_bundle.empty()) << "http needs no CA bundle";
  EXPECT_FALSE(settings->amazon_roots);
  EXPECT_EQ(Resolve("dynamodb", {"", "http://flag:2"}, env)->endpoint.Url(), "http://flag:2");
  env.erase("AWS_ENDPOINT_URL_DYNAMODB");
  EXPECT_EQ(Resolve("dynamodb", {}, env)->endpoint.Url(), "http://general:1");
}

TEST(ResolveServiceSettings, DefaultsToTheRegionsHttpsEndpointWithACaBundle) {
  TempDir dir;
  Write(dir.path() + "/ca.pem", "not checked here");
  Environment env =
      With(kKeys, {{"AWS_REGION", "eu-west-1"}, {"SSL_CERT_FILE", dir.path() + "/ca.pem"}});
  Result<ServiceSettings> settings = Resolve("dynamodb", {}, env);
  ASSERT_TRUE(settings.ok()) << settings.status().message();
  EXPECT_EQ(settings->endpoint.Url(), "https://dynamodb.eu-west-1.amazonaws.com");
  EXPECT_EQ(settings->endpoint.HostHeader(), "dynamodb.eu-west-1.amazonaws.com");
  EXPECT_EQ(settings->ca_bundle, dir.path() + "/ca.pem");
  env["AWS_REGION"] = "cn-north-1";
  EXPECT_EQ(Resolve("dynamodb", {}, env)->endpoint.host, "dynamodb.cn-north-1.amazonaws.com.cn");
}

TEST(ResolveServiceSettings, TrustsOnlyTheCompiledInAmazonRootsForAwsOwnEndpoint) {
  Result<ServiceSettings> settings =
      Resolve("dynamodb", {}, With(kKeys, {{"AWS_REGION", "us-east-1"}}));
  ASSERT_TRUE(settings.ok()) << settings.status().message();
  EXPECT_EQ(settings->endpoint.Url(), "https://dynamodb.us-east-1.amazonaws.com");
  EXPECT_TRUE(settings->amazon_roots);
  EXPECT_EQ(settings->ca_bundle, "") << "the host's CA store is not read";
}

TEST(ResolveServiceSettings, KeepsTheSystemStoreForCustomEndpointsAndChinaRegions) {
  const Environment env = With(kKeys, {{"AWS_REGION", "us-east-1"}});
  for (const Environment& custom :
       {With(env, {{"AWS_ENDPOINT_URL_DYNAMODB", "https://dynamodb.example.net"}}),
        With(env, {{"AWS_ENDPOINT_URL", "https://dynamodb.us-east-1.amazonaws.com"}}),
        With(env, {{"AWS_REGION", "cn-north-1"}})}) {
    Result<ServiceSettings> settings = Resolve("dynamodb", {}, custom);
    ASSERT_TRUE(settings.ok()) << settings.status().message();
    EXPECT_FALSE(settings->amazon_roots) << settings->endpoint.Url();
    EXPECT_EQ(settings->ca_bundle, FindCaBundle({}).value()) << settings->endpoint.Url();
  }
  Result<ServiceSettings> flag =
      Resolve("dynamodb", {"", "https://dynamodb.us-east-1.amazonaws.com"}, env);
  ASSERT_TRUE(flag.ok());
  EXPECT_FALSE(flag->amazon_roots) << "an endpoint given on the command line is custom";
}

TEST(ResolveServiceSettings, SslCertFileOrDirOverridesTheCompiledInRoots) {
  TempDir dir;
  Write(dir.path() + "/ca.pem", "not checked here");
  const Environment env = With(kKeys, {{"AWS_REGION", "us-east-1"}});
  Result<ServiceSettings> file =
      Resolve("dynamodb", {}, With(env, {{"SSL_CERT_FILE", dir.path() + "/ca.pem"}}));
  ASSERT_TRUE(file.ok());
  EXPECT_FALSE(file->amazon_roots);
  EXPECT_EQ(file->ca_bundle, dir.path() + "/ca.pem");
  Result<ServiceSettings> directory =
      Resolve("dynamodb", {}, With(env, {{"SSL_CERT_DIR", dir.path()}}));
  ASSERT_TRUE(directory.ok());
  EXPECT_FALSE(directory->amazon_roots);
  EXPECT_EQ(directory->ca_bundle, dir.path());
}

TEST(ResolveServiceSettings, KeepsTheCompiledInRootsBehindAProxy) {
  Result<ServiceSettings> settings =
      Resolve("dynamodb", {},
              With(kKeys, {{"AWS_REGION", "us-east-1"}, {"HTTPS_PROXY", "http://127.0.0.1:3128"}}));
  ASSERT_TRUE(settings.ok()) << settings.status().message();
  ASSERT_TRUE(settings->proxy.has_value());
  EXPECT_EQ(settings->proxy->url, "http://127.0.0.1:3128");
  EXPECT_TRUE(settings->amazon_roots) << "a CONNECT tunnel leaves TLS to the endpoint itself";
  EXPECT_EQ(settings->ca_bundle, "");
}

TEST(UsesAmazonRoots, TrustsStsAsDynamoDbIsTrusted) {
  const Environment env = {{"AWS_REGION", "eu-west-1"}};
  Result<Endpoint> sts = ResolveEndpoint("sts", "eu-west-1", {}, env);
  ASSERT_TRUE(sts.ok());
  EXPECT_EQ(sts->Url(), "https://sts.eu-west-1.amazonaws.com");
  EXPECT_TRUE(UsesAmazonRoots("sts", *sts, {}, env));
  EXPECT_FALSE(UsesAmazonRoots("sts", *sts, {}, With(env, {{"SSL_CERT_FILE", "/x/ca.pem"}})));
  EXPECT_FALSE(UsesAmazonRoots("sts", *sts, {}, With(env, {{"SSL_CERT_DIR", "/x"}})));
  const Environment custom = With(env, {{"AWS_ENDPOINT_URL_STS", "https://sts.example.net"}});
  EXPECT_FALSE(
      UsesAmazonRoots("sts", ResolveEndpoint("sts", "eu-west-1", {}, custom).value(), {}, custom));
  EXPECT_FALSE(
      UsesAmazonRoots("sts", ResolveEndpoint("sts", "cn-north-1", {}, env).value(), {}, env))
      << "China's endpoints keep the system store";
  EXPECT_TRUE(UsesAmazonRoots("sts", *sts, {},
                              With(env, {{"AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000"}})))
      << "another service's endpoint changes nothing for STS";
}

TEST(ResolveServiceSettings, TakesItsCredentialsFromTheResolverItIsGiven) {
  std::string asked_region;
  CredentialsResolver recording = [&asked_region](const Environment& env,
                                                  const std::string& region) {
    asked_region = region;
    EXPECT_EQ(env.at("AWS_REGION"), "eu-north-1");
    return Result<std::shared_ptr<CredentialsProvider>>(
        StaticCredentials({"ID", "SECRET", ""}, "the test's provider"));
  };
  Result<ServiceSettings> settings =
      ResolveServiceSettings("dynamodb", {}, {{"AWS_REGION", "eu-north-1"}}, recording);
  ASSERT_TRUE(settings.ok()) << settings.status().message();
  EXPECT_EQ(asked_region, "eu-north-1");
  EXPECT_EQ(settings->credentials->Name(), "the test's provider");

  CredentialsResolver failing = [](const Environment&, const std::string&) {
    return Result<std::shared_ptr<CredentialsProvider>>(
        Status::InvalidArgument("no credentials here"));
  };
  Result<ServiceSettings> refused =
      ResolveServiceSettings("dynamodb", {}, {{"AWS_REGION", "eu-north-1"}}, failing);
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(refused.status().message(), "no credentials here");
}

TEST(StaticKeyCredentials, SignsWithTheEnvironmentsKeysAndSaysSo) {
  Result<std::shared_ptr<CredentialsProvider>> provider =
      StaticKeyCredentials(With(kKeys, {{"AWS_SESSION_TOKEN", "TOKEN"}}), "us-east-1");
  ASSERT_TRUE(provider.ok()) << provider.status().message();
  EXPECT_EQ((*provider)->Name(), "environment variables");
  Result<std::shared_ptr<const Credentials>> keys = (*provider)->GetCredentials(Deadline::max());
  ASSERT_TRUE(keys.ok()) << keys.status().message();
  EXPECT_EQ((*keys)->access_key_id, "AKID");
  EXPECT_EQ((*keys)->session_token, "TOKEN");
}

TEST(StaticKeyCredentials, NamesTheProfileItsKeysCameFrom) {
  TempDir home;
  Write(home.path() + "/.aws/credentials", "[ci]\naws_access_key_id=CI\naws_secret_access_key=S\n");
  Result<std::shared_ptr<CredentialsProvider>> provider =
      StaticKeyCredentials({{"HOME", home.path()}, {"AWS_PROFILE", "ci"}}, "us-east-1");
  ASSERT_TRUE(provider.ok()) << provider.status().message();
  EXPECT_EQ((*provider)->Name(), "profile 'ci' of the shared files");
}

TEST(StaticKeyCredentials, ReadsNoneOfTheChainsOtherSources) {
  // What the Lambda function resolves: a container endpoint, a web identity or a role to assume
  // is not read, and missing keys are an error at start-up.
  TempDir home;
  Write(home.path() + "/.aws/config",
        "[default]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = Environment\n");
  Result<std::shared_ptr<CredentialsProvider>> provider =
      StaticKeyCredentials({{"HOME", home.path()},
                            {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/x"},
                            {"AWS_WEB_IDENTITY_TOKEN_FILE", home.path() + "/token"},
                            {"AWS_ROLE_ARN", "arn:aws:iam::1:role/r"}},
                           "us-east-1");
  ASSERT_EQ(provider.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(provider.status().message().find("AWS_ACCESS_KEY_ID"), std::string::npos)
      << provider.status().message();
}

TEST(FindCaBundle, RefusesAnSslCertFileThatCannotBeRead) {
  Result<std::string> bundle = FindCaBundle({{"SSL_CERT_FILE", "/nonexistent/ca.pem"}});
  ASSERT_EQ(bundle.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bundle.status().message().find("/nonexistent/ca.pem"), std::string::npos);
}

TEST(ParseEndpointUrl, AcceptsSchemeHostAndPortOnly) {
  EXPECT_EQ(ParseEndpointUrl("https://example.com")->port, 443);
  EXPECT_EQ(ParseEndpointUrl("http://example.com")->port, 80);
  EXPECT_EQ(ParseEndpointUrl("http://localhost:8000")->HostHeader(), "localhost:8000");
  EXPECT_EQ(ParseEndpointUrl("https://h:443")->HostHeader(), "h");
  for (const char* bad : {"localhost:8000", "ftp://h", "http://", "http://h:0", "http://h:99999",
                          "http://h:8a", "http://h/path", "http://u@h", "http://[::1]:8000"}) {
    EXPECT_EQ(ParseEndpointUrl(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(ResolveCredentials, TakesTheEnvironmentFirst) {
  Result<Credentials> credentials =
      ResolveCredentials(With(kKeys, {{"AWS_SESSION_TOKEN", "TOKEN"}, {"HOME", "/nonexistent"}}));
  ASSERT_TRUE(credentials.ok());
  EXPECT_EQ(credentials->access_key_id, "AKID");
  EXPECT_EQ(credentials->secret_access_key, "SECRET");
  EXPECT_EQ(credentials->session_token, "TOKEN");
}

TEST(ResolveCredentials, NamesTheMissingHalfOfAKeyPair) {
  Result<Credentials> credentials = ResolveCredentials({{"AWS_ACCESS_KEY_ID", "AKID"}});
  ASSERT_EQ(credentials.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(credentials.status().message().find("AWS_SECRET_ACCESS_KEY"), std::string::npos);
}

TEST(ResolveCredentials, ReadsTheDefaultProfileOfTheSharedCredentialsFileUnderHome) {
  TempDir home;
  Write(home.path() + "/.aws/credentials",
        "# comment\n[other]\naws_access_key_id = NO\naws_secret_access_key = NO\n\n"
        "[default]\naws_access_key_id=AKID\naws_secret_access_key =  SECRET \n");
  Result<Credentials> credentials = ResolveCredentials({{"HOME", home.path()}});
  ASSERT_TRUE(credentials.ok()) << credentials.status().message();
  EXPECT_EQ(credentials->access_key_id, "AKID");
  EXPECT_EQ(credentials->secret_access_key, "SECRET");
  EXPECT_EQ(credentials->session_token, "");
}

TEST(ResolveCredentials, UsesAwsProfileAndTheConfigFilesProfileSection) {
  TempDir dir;
  Write(dir.path() + "/config",
        "[default]\nregion = us-east-1\n[profile ci]\nregion = eu-central-1\n"
        "aws_access_key_id = CI\naws_secret_access_key = CISECRET\naws_session_token = T\n");
  Environment env = {{"AWS_CONFIG_FILE", dir.path() + "/config"},
                     {"AWS_SHARED_CREDENTIALS_FILE", dir.path() + "/missing"},
                     {"AWS_PROFILE", "ci"}};
  Result<Credentials> credentials = ResolveCredentials(env);
  ASSERT_TRUE(credentials.ok()) << credentials.status().message();
  EXPECT_EQ(credentials->access_key_id, "CI");
  EXPECT_EQ(credentials->session_token, "T");
  env["AWS_ENDPOINT_URL"] = "http://localhost:8000";
  EXPECT_EQ(Resolve("dynamodb", {}, env)->region, "eu-central-1");
}

TEST(ResolveCredentials, NamesTheProfileAndFileWhenNothingIsFound) {
  TempDir home;
  Result<Credentials> credentials =
      ResolveCredentials({{"HOME", home.path()}, {"AWS_PROFILE", "prod"}});
  ASSERT_EQ(credentials.status().code(), StatusCode::kInvalidArgument);
  const std::string message = credentials.status().message();
  EXPECT_NE(message.find("AWS_ACCESS_KEY_ID"), std::string::npos) << message;
  EXPECT_NE(message.find("'prod'"), std::string::npos) << message;
  EXPECT_NE(message.find(home.path() + "/.aws/credentials"), std::string::npos) << message;
}

}  // namespace
}  // namespace hitcounter::aws
