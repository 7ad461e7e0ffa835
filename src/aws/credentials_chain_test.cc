// The default chain against stand-ins over loopback HTTP: an IMDSv2 server, a container
// credentials endpoint, STS; and credential_process with a script the test writes. Which source
// wins, what each sends, and what failures say (never a secret).
#include "aws/credentials_chain.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>

#include "tests/support/aws_credentials_stand_ins.h"
#include "tests/support/http_stand_in.h"
#include "tests/support/temp_dir.h"

namespace hitcounter::aws {
namespace {

using hitcounter::testing::CredentialIssuer;
using hitcounter::testing::FormValue;
using hitcounter::testing::HttpStandIn;
using hitcounter::testing::Iso8601Seconds;
using hitcounter::testing::IssuedCredentials;
using hitcounter::testing::MetadataDocument;
using hitcounter::testing::StandInRequest;
using hitcounter::testing::StandInResponse;
using hitcounter::testing::StsCredentialsXml;
using hitcounter::testing::StsErrorXml;
using hitcounter::testing::TempDir;
using std::chrono::milliseconds;

constexpr UnixMillis kT0 = 1'795'701'907'000;
// Container credentials live 6 hours; the instance role's 1 hour here (shorter than the
// 6-hour IMDS session token, so that a refresh can reuse the token).
constexpr milliseconds kLifetime{6 * 3'600'000};
constexpr milliseconds kImdsLifetime{3'600'000};
constexpr const char* kRole = "arn:aws:iam::123456789012:role/hits";
constexpr const char* kImdsRole = "hits-instance-role";
constexpr const char* kContainerToken = "Bearer container-secret-token";

void Write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

// The instance metadata service, IMDSv2 only, as EC2 runs it.
class ImdsStandIn {
 public:
  explicit ImdsStandIn(const Clock& clock) : issuer(clock, kImdsLifetime, "IMDS") {}

  StandInResponse Answer(const StandInRequest& request) {
    std::lock_guard lock(mutex);
    if (request.method == "PUT" && request.target == "/latest/api/token") {
      ++token_puts;
      if (request.Header("X-aws-ec2-metadata-token")) return {400, "", {}};
      const std::string ttl = request.Header("X-aws-ec2-metadata-token-ttl-seconds").value_or("");
      if (ttl.empty() || std::stoi(ttl) < 1 || std::stoi(ttl) > 21600) return {400, "", {}};
      const std::string token = "imds-session-" + std::to_string(token_puts);
      tokens.insert(token);
      return {200, token, {{"X-aws-ec2-metadata-token-ttl-seconds", ttl}}};
    }
    if (request.method != "GET") return {405, "", {}};
    if (!tokens.count(request.Header("X-aws-ec2-metadata-token").value_or(""))) {
      ++unauthorized;
      return {401, "", {}};
    }
    const std::string roles = "/latest/meta-data/iam/security-credentials/";
    if (request.target == roles) return {200, std::string(kImdsRole) + "\n", {}};
    if (request.target == roles + kImdsRole) {
      ++credentials_served;
      return {200, MetadataDocument(issuer.Issue()), {}};
    }
    return {404, "", {}};
  }

  std::mutex mutex;
  CredentialIssuer issuer;
  std::set<std::string> tokens;
  int token_puts = 0;
  int unauthorized = 0;
  int credentials_served = 0;
};

class CredentialsChainTest : public ::testing::Test {
 protected:
  CredentialsChainTest() {
    env_ = {{"HOME", dir_.path()},
            {"AWS_CONFIG_FILE", dir_.path() + "/config"},
            {"AWS_SHARED_CREDENTIALS_FILE", dir_.path() + "/credentials"},
            {"AWS_ENDPOINT_URL_STS", sts_.url()},
            {"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds_server_.url()}};
    if (const char* path = std::getenv("PATH")) env_["PATH"] = path;  // for scripts
  }

  // What the stand-ins expect and saw, shared with their threads.
  void ExpectWebToken(std::string token) {
    std::lock_guard lock(state_mutex_);
    expected_web_token_ = std::move(token);
  }
  void ExpectContainerToken(std::string token) {
    std::lock_guard lock(state_mutex_);
    expected_container_token_ = std::move(token);
  }
  std::string LastSessionName() {
    std::lock_guard lock(state_mutex_);
    return last_session_name_;
  }

  Result<std::shared_ptr<CredentialsProvider>> Chain() {
    return DefaultCredentialsChain(env_, "eu-west-1", {&clock_, container_.url()});
  }
  std::shared_ptr<CredentialsProvider> ChainOrFail() {
    Result<std::shared_ptr<CredentialsProvider>> chain = Chain();
    EXPECT_TRUE(chain.ok()) << chain.status().message();
    return chain.ok() ? *chain : StaticCredentials({"NONE", "NONE", ""}, "failed");
  }
  static Result<std::shared_ptr<const Credentials>> Fetch(CredentialsProvider& provider) {
    return provider.GetCredentials(std::chrono::steady_clock::now() + milliseconds(10'000));
  }
  static std::string KeyOf(CredentialsProvider& provider) {
    Result<std::shared_ptr<const Credentials>> got = Fetch(provider);
    return got.ok() ? (*got)->access_key_id : "error: " + got.status().message();
  }
  void SetEverySource() {
    env_["AWS_ACCESS_KEY_ID"] = "ENVKEY";
    env_["AWS_SECRET_ACCESS_KEY"] = "env-secret";
    Write(dir_.path() + "/credentials",
          "[default]\naws_access_key_id = PROFILEKEY\naws_secret_access_key = profile-secret\n");
    SetWebIdentity();
    SetContainer();
  }
  void SetWebIdentity() {
    Write(dir_.path() + "/token", "eyJhbGciOi.payload.sig\n");
    env_["AWS_WEB_IDENTITY_TOKEN_FILE"] = dir_.path() + "/token";
    env_["AWS_ROLE_ARN"] = kRole;
  }
  void SetContainer() {
    env_["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/v2/credentials/task-1";
    env_["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = kContainerToken;
  }

  StandInResponse Sts(const StandInRequest& request) {
    ++sts_calls_;
    std::lock_guard lock(state_mutex_);
    const std::string action = FormValue(request.body, "Action");
    if (action == "AssumeRole") {
      // The source credentials may come from a profile, the environment or the metadata
      // service; each issuer knows its own.
      std::string problem = profile_keys_.Verify(request, "eu-west-1", "sts");
      if (!problem.empty()) problem = imds_.issuer.Verify(request, "eu-west-1", "sts");
      if (!problem.empty()) problem = roles_.Verify(request, "eu-west-1", "sts");
      if (!problem.empty()) return {403, StsErrorXml("InvalidClientTokenId", problem), {}};
      last_session_name_ = FormValue(request.body, "RoleSessionName");
    } else if (action == "AssumeRoleWithWebIdentity") {
      if (FormValue(request.body, "WebIdentityToken") != expected_web_token_) {
        return {400, StsErrorXml("InvalidIdentityToken", "the token is not valid"), {}};
      }
      last_session_name_ = FormValue(request.body, "RoleSessionName");
    } else {
      return {400, StsErrorXml("InvalidAction", "unknown"), {}};
    }
    if (FormValue(request.body, "RoleArn") != "arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fhits") {
      return {403,
              StsErrorXml("AccessDenied",
                          "User is not authorized to perform "
                          "sts:AssumeRole on that role"),
              {}};
    }
    return {200, StsCredentialsXml(action, roles_.Issue()), {}};
  }

  StandInResponse Container(const StandInRequest& request) {
    ++container_calls_;
    std::lock_guard lock(state_mutex_);
    if (request.Header("Authorization").value_or("") != expected_container_token_) {
      return {401, R"({"code":"AccessDenied","message":"the authorization token is wrong"})", {}};
    }
    if (request.target != "/v2/credentials/task-1" && request.target != "/v1/credentials") {
      return {404, "", {}};
    }
    return {200, MetadataDocument(container_issuer_.Issue()), {}};
  }

  TempDir dir_;
  FakeClock clock_{kT0};
  Environment env_;
  CredentialIssuer profile_keys_{clock_, milliseconds(1'000'000'000), "AKIA"};
  CredentialIssuer roles_{clock_, milliseconds(3'600'000), "ASIA"};
  CredentialIssuer container_issuer_{clock_, kLifetime, "ECS"};
  ImdsStandIn imds_{clock_};
  std::mutex state_mutex_;  // guards the next three
  std::string expected_web_token_ = "eyJhbGciOi.payload.sig";
  std::string expected_container_token_ = kContainerToken;
  std::string last_session_name_;
  std::atomic<int> sts_calls_{0};
  std::atomic<int> container_calls_{0};
  HttpStandIn sts_{[this](const StandInRequest& request) { return Sts(request); }};
  HttpStandIn container_{[this](const StandInRequest& request) { return Container(request); }};
  HttpStandIn imds_server_{[this](const StandInRequest& request) { return imds_.Answer(request); }};
};

// --- The order of the chain ----------------------------------------------------------------

TEST_F(CredentialsChainTest, EnvironmentKeysWinOverEveryOtherSource) {
  SetEverySource();
  std::shared_ptr<CredentialsProvider> chain = ChainOrFail();
  EXPECT_EQ(chain->Name(), "environment variables");
  EXPECT_EQ(KeyOf(*chain), "ENVKEY");
  EXPECT_NE(dynamic_cast<StaticCredentialsProvider*>(chain.get()), nullptr)
      << "the Lambda path: static keys, no cache, no thread";
  EXPECT_EQ(sts_calls_ + container_calls_ + static_cast<int>(imds_server_.requests()), 0);
}

TEST_F(CredentialsChainTest, TheProfileWinsOverWebIdentityContainerAndInstanceMetadata) {
  SetEverySource();
  env_.erase("AWS_ACCESS_KEY_ID");
  env_.erase("AWS_SECRET_ACCESS_KEY");
  std::shared_ptr<CredentialsProvider> chain = ChainOrFail();
  EXPECT_EQ(chain->Name(), "profile 'default' of the shared files");
  EXPECT_EQ(KeyOf(*chain), "PROFILEKEY");
}

TEST_F(CredentialsChainTest, WebIdentityWinsOverContainerAndInstanceMetadata) {
  SetWebIdentity();
  SetContainer();
  env_["AWS_ROLE_SESSION_NAME"] = "pod-7";
  std::shared_ptr<CredentialsProvider> chain = ChainOrFail();
  EXPECT_NE(chain->Name().find("web identity role " + std::string(kRole)), std::string::npos)
      << chain->Name();
  EXPECT_EQ(KeyOf(*chain), "ASIAKEY1");
  EXPECT_EQ(LastSessionName(), "pod-7");
  EXPECT_EQ(container_calls_.load() + static_cast<int>(imds_server_.requests()), 0);
}

TEST_F(CredentialsChainTest, ContainerCredentialsWinOverInstanceMetadata) {
  SetContainer();
  std::shared_ptr<CredentialsProvider> chain = ChainOrFail();
  EXPECT_EQ(chain->Name(),
            "container credentials endpoint " + container_.url() + "/v2/credentials/task-1");
  EXPECT_EQ(KeyOf(*chain), "ECSKEY1");
  EXPECT_EQ(imds_server_.requests(), 0u);
}

TEST_F(CredentialsChainTest, InstanceMetadataComesLast) {
  std::shared_ptr<CredentialsProvider> chain = ChainOrFail();
  EXPECT_EQ(chain->Name(), "EC2 instance metadata (IMDSv2) at " + imds_server_.url());
  EXPECT_EQ(KeyOf(*chain), "IMDSKEY1");
}

TEST_F(CredentialsChainTest, AProfileWithoutCredentialsIsPassedOver) {
  Write(dir_.path() + "/config", "[profile ci]\nregion = eu-west-1\n");
  env_["AWS_PROFILE"] = "ci";
  SetContainer();
  EXPECT_EQ(KeyOf(*ChainOrFail()), "ECSKEY1");
}

// --- Instance metadata ---------------------------------------------------------------------

TEST_F(CredentialsChainTest, InstanceMetadataIsAskedWithAnImdsV2TokenKeptForItsLifetime) {
  std::shared_ptr<CredentialsProvider> chain = ChainOrFail();
  ASSERT_EQ(KeyOf(*chain), "IMDSKEY1");
  clock_.Advance(kImdsLifetime.count() - 30'000);  // stale: fetched again
  ASSERT_EQ(KeyOf(*chain), "IMDSKEY2");
  std::lock_guard lock(imds_.mutex);
  EXPECT_EQ(imds_.token_puts, 1) << "one session token for both fetches";
  EXPECT_EQ(imds_.unauthorized, 0);
}

TEST_F(CredentialsChainTest, AnExpiredImdsTokenIsReplacedOnItsFirst401) {
  std::shared_ptr<CredentialsProvider> chain = ChainOrFail();
  ASSERT_EQ(KeyOf(*chain), "IMDSKEY1");
  {
    std::lock_guard lock(imds_.mutex);
    imds_.tokens.clear();  // the service forgot every token (a restart)
  }
  clock_.Advance(kImdsLifetime.count() - 30'000);
  ASSERT_EQ(KeyOf(*chain), "IMDSKEY2");
  std::lock_guard lock(imds_.mutex);
  EXPECT_EQ(imds_.token_puts, 2);
  EXPECT_EQ(imds_.unauthorized, 1);
}

TEST_F(CredentialsChainTest, ImdsV1IsNeverUsed) {
  HttpStandIn v1_only([](const StandInRequest& request) -> StandInResponse {
    if (request.method == "PUT") return {403, "", {}};
    return {200, "would-be-v1-answer", {}};
  });
  env_["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = v1_only.url();
  std::string key = KeyOf(*ChainOrFail());
  EXPECT_NE(key.find("answered 403"), std::string::npos) << key;
  EXPECT_EQ(v1_only.requests(), 1u) << "no GET without a token";
}

TEST_F(CredentialsChainTest, AwsEc2MetadataDisabledLeavesNothingAndSaysWhatToSet) {
  env_["AWS_EC2_METADATA_DISABLED"] = "TRUE";
  Result<std::shared_ptr<CredentialsProvider>> chain = Chain();
  ASSERT_EQ(chain.status().code(), StatusCode::kInvalidArgument);
  const std::string message = chain.status().message();
  for (const char* named :
       {"AWS_ACCESS_KEY_ID", "profile 'default'", "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_EC2_METADATA_DISABLED=true"}) {
    EXPECT_NE(message.find(named), std::string::npos) << named << " in: " << message;
  }
  EXPECT_EQ(imds_server_.requests(), 0u);
}

TEST_F(CredentialsChainTest, UnreachableInstanceMetadataNamesWhatElseWouldDo) {
  std::uint16_t closed_port;
  {
    HttpStandIn gone([](const StandInRequest&) { return StandInResponse{}; });
    closed_port = gone.port();
  }
  env_["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = "http://127.0.0.1:" + std::to_string(closed_port);
  std::string key = KeyOf(*ChainOrFail());
  EXPECT_NE(key.find("EC2 instance metadata (IMDSv2)"), std::string::npos) << key;
  EXPECT_NE(key.find("AWS_ACCESS_KEY_ID"), std::string::npos) << key;
  EXPECT_NE(key.find("AWS_EC2_METADATA_DISABLED=true"), std::string::npos) << key;
}

TEST_F(CredentialsChainTest, TheImdsEndpointModeSelectsIpv6) {
  env_.erase("AWS_EC2_METADATA_SERVICE_ENDPOINT");
  env_["AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"] = "IPv6";
  EXPECT_EQ(ChainOrFail()->Name(), "EC2 instance metadata (IMDSv2) at http://[fd00:ec2::254]");
  env_["AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"] = "IPv5";
  EXPECT_EQ(Chain().status().code(), StatusCode::kInvalidArgument);
  env_.erase("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
  EXPECT_EQ(ChainOrFail()->Name(), "EC2 instance metadata (IMDSv2) at http://169.254.169.254");
}

// --- Container credentials -----------------------------------------------------------------

TEST_F(CredentialsChainTest, TheContainerTokenFileIsReadAgainAtEachFetch) {
  env_["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = container_.url() + "/v1/credentials";
  env_["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "ignored when the file is set";
  env_["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = dir_.path() + "/eks-token";
  Write(dir_.path() + "/eks-token", "eks-token-1\n");
  ExpectContainerToken("eks-token-1");
  std::shared_ptr<CredentialsProvider> chain = ChainOrFail();
  ASSERT_EQ(KeyOf(*chain), "ECSKEY1");
  Write(dir_.path() + "/eks-token", "eks-token-2");  // the agent rotated it
  ExpectContainerToken("eks-token-2");
  clock_.Advance(kLifetime.count() - 30'000);
  EXPECT_EQ(KeyOf(*chain), "ECSKEY2");
}

TEST_F(CredentialsChainTest, AContainerEndpointRefusingTheTokenIsReportedWithoutIt) {
  SetContainer();
  ExpectContainerToken("something else");
  std::string key = KeyOf(*ChainOrFail());
  EXPECT_NE(key.find("HTTP 401 (AccessDenied: the authorization token is wrong)"),
            std::string::npos)
      << key;
  EXPECT_EQ(key.find("container-secret-token"), std::string::npos) << key;
  EXPECT_EQ(container_calls_.load(), 1) << "a 401 is not retried";
}

TEST_F(CredentialsChainTest, AnHttpContainerUrlMustStayOnTheHost) {
  env_["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://10.0.0.1/credentials";
  Result<std::shared_ptr<CredentialsProvider>> chain = Chain();
  ASSERT_EQ(chain.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(chain.status().message().find("10.0.0.1"), std::string::npos);
  for (const char* allowed : {"http://169.254.170.2/v2/x", "http://169.254.170.23/v1/credentials",
                              "http://[fd00:ec2::23]/v1/credentials", "http://127.0.0.5:80/x",
                              "https://credentials.example.com/x"}) {
    env_["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = allowed;
    EXPECT_TRUE(Chain().ok()) << allowed;
  }
  // A name: every address it resolves to must be allowed ("localhost" is loopback).
  env_["AWS_CONTAINER_CREDENTIALS_FULL_URI"] =
      "http://localhost:" + std::to_string(container_.port()) + "/v1/credentials";
  env_["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = kContainerToken;
  EXPECT_EQ(KeyOf(*ChainOrFail()), "ECSKEY1");
}

// --- Web identity --------------------------------------------------------------------------

TEST_F(CredentialsChainTest, TheWebIdentityTokenFileIsReadAgainAtEachFetchAndNeverQuoted) {
  SetWebIdentity();
  std::shared_ptr<CredentialsProvider> chain = ChainOrFail();
  ASSERT_EQ(KeyOf(*chain), "ASIAKEY1");
  EXPECT_EQ(LastSessionName().rfind("hitcounter-", 0), 0u) << LastSessionName();
  Write(dir_.path() + "/token", "eyJ.rotated.sig");  // the kubelet rotated it
  ExpectWebToken("eyJ.rotated.sig");
  clock_.Advance(3'600'000 - 30'000);
  ASSERT_EQ(KeyOf(*chain), "ASIAKEY2");
  ExpectWebToken("eyJ.another");
  clock_.Advance(3'600'000 - 30'000);
  std::string key = KeyOf(*chain);
  EXPECT_NE(key.find("InvalidIdentityToken"), std::string::npos) << key;
  EXPECT_EQ(key.find("eyJ.rotated.sig"), std::string::npos) << key;
}

TEST_F(CredentialsChainTest, HalfAWebIdentityConfigurationIsRefused) {
  env_["AWS_WEB_IDENTITY_TOKEN_FILE"] = dir_.path() + "/token";
  Status status = Chain().status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("AWS_ROLE_ARN"), std::string::npos) << status.message();
}

// --- Profiles: roles, processes ------------------------------------------------------------

TEST_F(CredentialsChainTest, AProfilesRoleIsAssumedWithItsSourceProfilesKeys) {
  IssuedCredentials base = profile_keys_.Issue();
  Write(dir_.path() + "/credentials",
        "[base]\naws_access_key_id = " + base.credentials.access_key_id +
            "\naws_secret_access_key = " + base.credentials.secret_access_key +
            "\naws_session_token = " + base.credentials.session_token + "\n");
  Write(dir_.path() + "/config", "[profile deploy]\nrole_arn = " + std::string(kRole) +
                                     "\nsource_profile = base\nrole_session_name = ci-run\n");
  env_["AWS_PROFILE"] = "deploy";
  std::shared_ptr<CredentialsProvider> chain = ChainOrFail();
  EXPECT_NE(chain->Name().find("role " + std::string(kRole) + " of profile 'deploy'"),
            std::string::npos)
      << chain->Name();
  EXPECT_EQ(KeyOf(*chain), "ASIAKEY1") << "the stand-in verified the signature";
  EXPECT_EQ(LastSessionName(), "ci-run");
}

TEST_F(CredentialsChainTest, RolesChainThroughSourceProfiles) {
  IssuedCredentials base = profile_keys_.Issue();
  Write(dir_.path() + "/credentials",
        "[base]\naws_access_key_id = " + base.credentials.access_key_id +
            "\naws_secret_access_key = " + base.credentials.secret_access_key +
            "\naws_session_token = " + base.credentials.session_token + "\n");
  Write(dir_.path() + "/config", "[profile middle]\nrole_arn = " + std::string(kRole) +
                                     "\nsource_profile = base\n"
                                     "[profile top]\nrole_arn = " +
                                     std::string(kRole) + "\nsource_profile = middle\n");
  env_["AWS_PROFILE"] = "top";
  // middle's role credentials (ASIAKEY1) sign top's AssumeRole; the stand-in checks them.
  EXPECT_EQ(KeyOf(*ChainOrFail()), "ASIAKEY2");
  EXPECT_EQ(sts_calls_.load(), 2);
}

TEST_F(CredentialsChainTest, AProfileRoleMayUseInstanceMetadataAsItsSource) {
  Write(dir_.path() + "/config", "[default]\nrole_arn = " + std::string(kRole) +
                                     "\ncredential_source = Ec2InstanceMetadata\n");
  EXPECT_EQ(KeyOf(*ChainOrFail()), "ASIAKEY1");
  EXPECT_EQ(imds_.credentials_served, 1);
}

TEST_F(CredentialsChainTest, ProfileMistakesAreRefusedByName) {
  const std::pair<std::string, std::string> cases[] = {
      {"[profile a]\nrole_arn = x\nsource_profile = b\n[profile b]\nrole_arn = x\n"
       "source_profile = a\n",
       "loops back"},
      {"[profile a]\nrole_arn = x\n", "no source_profile, credential_source"},
      {"[profile a]\nrole_arn = x\nsource_profile = nowhere\n", "'nowhere'"},
      {"[profile a]\nrole_arn = x\ncredential_source = Somewhere\n", "credential_source Somewhere"},
      {"[profile a]\nrole_arn = x\nsource_profile = b\nmfa_serial = arn:mfa\n[profile b]\n"
       "aws_access_key_id = K\naws_secret_access_key = S\n",
       "mfa_serial"},
      {"[profile a]\nsso_session = corp\nsso_account_id = 1\n",
       "aws configure export-credentials --profile a"},
      {"[profile a]\naws_access_key_id = K\n", "no aws_secret_access_key"},
      {"[profile a]\nrole_arn = x\nsource_profile = b\nduration_seconds = 60\n[profile b]\n"
       "aws_access_key_id = K\naws_secret_access_key = S\n",
       "duration_seconds"},
  };
  env_["AWS_PROFILE"] = "a";
  for (const auto& [config, named] : cases) {
    Write(dir_.path() + "/config", config);
    Status status = Chain().status();
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << config;
    EXPECT_NE(status.message().find(named), std::string::npos) << status.message();
  }
  env_["AWS_PROFILE"] = "missing";
  Status missing = Chain().status();
  EXPECT_EQ(missing.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(missing.message().find("'missing'"), std::string::npos) << missing.message();
}

TEST_F(CredentialsChainTest, AProfileMayAssumeARoleWithItsOwnKeys) {
  IssuedCredentials own = profile_keys_.Issue();
  Write(dir_.path() + "/credentials",
        "[self]\naws_access_key_id = " + own.credentials.access_key_id +
            "\naws_secret_access_key = " + own.credentials.secret_access_key +
            "\naws_session_token = " + own.credentials.session_token + "\nrole_arn = " + kRole +
            "\nsource_profile = self\n");
  env_["AWS_PROFILE"] = "self";
  EXPECT_EQ(KeyOf(*ChainOrFail()), "ASIAKEY1");
}

class CredentialProcessTest : public CredentialsChainTest {
 protected:
  // A script printing credentials that expire an hour from the fake now, numbered by a count
  // it keeps in a file.
  void WriteScript(const std::string& body) {
    const std::string path = dir_.path() + "/creds.sh";
    Write(path, "#!/bin/sh\n" + body);
    chmod(path.c_str(), 0700);
    Write(dir_.path() + "/config", "[default]\ncredential_process = \"" + path + "\" --flag\n");
  }
};

TEST_F(CredentialProcessTest, RunsTheCommandAndRunsItAgainBeforeExpiry) {
  WriteScript(
      "[ \"$1\" = --flag ] || exit 9\n"
      "n=$(cat \"$HOME/count\" 2>/dev/null || echo 0); n=$((n+1)); echo $n > \"$HOME/count\"\n"
      "printf '{\"Version\": 1, \"AccessKeyId\": \"PROC%s\", \"SecretAccessKey\": \"s\", "
      "\"SessionToken\": \"t\", \"Expiration\": \"%s\"}' $n \"$(cat \"$HOME/expires\")\"\n");
  Write(dir_.path() + "/expires", Iso8601Seconds(kT0 + 3'600'000));
  std::shared_ptr<CredentialsProvider> chain = ChainOrFail();
  EXPECT_EQ(chain->Name(), "credential_process of profile 'default'");
  ASSERT_EQ(KeyOf(*chain), "PROC1");
  ASSERT_EQ(KeyOf(*chain), "PROC1");
  Write(dir_.path() + "/expires", Iso8601Seconds(kT0 + 7'200'000));
  clock_.Advance(3'600'000 - 30'000);
  EXPECT_EQ(KeyOf(*chain), "PROC2");
}

TEST_F(CredentialProcessTest, AFailingProcessIsReportedWithoutItsOutput) {
  WriteScript(
      "echo '{\"AccessKeyId\":\"LEAKED\",\"SecretAccessKey\":\"leaked-secret\"}'\nexit 3\n");
  std::string key = KeyOf(*ChainOrFail());
  EXPECT_NE(key.find("credential_process of profile 'default': exited with status 3"),
            std::string::npos)
      << key;
  EXPECT_EQ(key.find("leaked-secret"), std::string::npos) << key;
}

TEST_F(CredentialProcessTest, OutputThatIsNotVersionOneIsRefusedWithoutQuotingIt) {
  WriteScript(
      "echo '{\"Version\":2,\"AccessKeyId\":\"K\",\"SecretAccessKey\":\"hidden-secret\"}'\n");
  std::string key = KeyOf(*ChainOrFail());
  EXPECT_NE(key.find("Version"), std::string::npos) << key;
  EXPECT_EQ(key.find("hidden-secret"), std::string::npos) << key;
}

TEST_F(CredentialProcessTest, StaticKeysInTheProfileWinOverTheProcess) {
  Write(dir_.path() + "/config",
        "[default]\ncredential_process = /bin/false\naws_access_key_id = K\n"
        "aws_secret_access_key = S\n");
  EXPECT_EQ(KeyOf(*ChainOrFail()), "K");
}

}  // namespace
}  // namespace hitcounter::aws
