// STS's XML, read strictly, and the two calls against an STS stand-in over loopback HTTP.
#include "aws/sts_client.h"

#include <gtest/gtest.h>

#include <atomic>

#include "tests/support/aws_credentials_stand_ins.h"
#include "tests/support/http_stand_in.h"

namespace hitcounter::aws {
namespace {

using hitcounter::testing::CredentialIssuer;
using hitcounter::testing::FormValue;
using hitcounter::testing::HttpStandIn;
using hitcounter::testing::IssuedCredentials;
using hitcounter::testing::StandInRequest;
using hitcounter::testing::StandInResponse;
using hitcounter::testing::StsCredentialsXml;
using hitcounter::testing::StsErrorXml;
using std::chrono::milliseconds;

constexpr UnixMillis kT0 = 1'795'701'907'000;

const std::string kAnswer =
    R"(<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <Credentials>
      <AccessKeyId>ASIAEXAMPLE</AccessKeyId>
      <SecretAccessKey>wJalr&amp;XUtn</SecretAccessKey>
      <SessionToken>FQoGZXIvYXdz</SessionToken>
      <Expiration>2026-11-26T15:00:00Z</Expiration>
    </Credentials>
  </AssumeRoleResult>
</AssumeRoleResponse>)";

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  text.replace(text.find(from), from.size(), to);
  return text;
}

TEST(ParseStsCredentials, ReadsTheFourElementsOfAnAnswer) {
  Result<ExpiringCredentials> parsed = ParseStsCredentials("AssumeRole", kAnswer);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->credentials.access_key_id, "ASIAEXAMPLE");
  EXPECT_EQ(parsed->credentials.secret_access_key, "wJalr&XUtn") << "entities are decoded";
  EXPECT_EQ(parsed->credentials.session_token, "FQoGZXIvYXdz");
  EXPECT_EQ(parsed->expiration, ParseIso8601("2026-11-26T15:00:00Z"));
}

TEST(ParseStsCredentials, RefusesWhatIsNotExactlyAnAnswer) {
  const std::pair<std::string, std::string> cases[] = {
      {"not XML", "just text"},
      {"truncated", kAnswer.substr(0, kAnswer.size() / 2)},
      {"another action's answer",
       Replace(Replace(kAnswer, "<AssumeRoleResponse", "<X"), "</AssumeRoleResponse>", "</X>")},
      {"a missing token", Replace(kAnswer, "<SessionToken>FQoGZXIvYXdz</SessionToken>", "")},
      {"an empty key", Replace(kAnswer, "ASIAEXAMPLE", "")},
      {"a key twice",
       Replace(kAnswer, "<AccessKeyId>", "<AccessKeyId>A</AccessKeyId><AccessKeyId>")},
      {"an element inside a value", Replace(kAnswer, "ASIAEXAMPLE", "<b>ASIAEXAMPLE</b>")},
      {"a key at the wrong place",
       Replace(Replace(kAnswer, "<AccessKeyId>ASIAEXAMPLE</AccessKeyId>", ""), "</Credentials>",
               "</Credentials><AccessKeyId>ASIAEXAMPLE</AccessKeyId>")},
      {"a bad expiration", Replace(kAnswer, "2026-11-26T15:00:00Z", "soon")},
      {"mismatched tags", Replace(kAnswer, "</SessionToken>", "</Token>")},
      {"a DOCTYPE with an entity",
       "<!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\">]>" + Replace(kAnswer, "ASIAEXAMPLE", "&a;")},
      {"an external entity", "<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>" +
                                 Replace(kAnswer, "ASIAEXAMPLE", "&x;")},
      {"an undeclared entity", Replace(kAnswer, "ASIAEXAMPLE", "&nope;")},
      {"too large", kAnswer + std::string(kMaxStsResponseBytes, ' ')},
  };
  for (const auto& [what, xml] : cases) {
    Result<ExpiringCredentials> parsed = ParseStsCredentials("AssumeRole", xml);
    EXPECT_FALSE(parsed.ok()) << what;
    EXPECT_EQ(parsed.status().message().find("wJalr"), std::string::npos) << what;
  }
}

TEST(ParseStsCredentials, RefusesDeepNestingWithoutRecursing) {
  std::string deep;
  for (int i = 0; i < 100'000; ++i) deep += "<a>";
  EXPECT_FALSE(ParseStsCredentials("AssumeRole", deep).ok());
}

TEST(ParseStsError, ReadsCodeAndMessage) {
  std::optional<StsError> error = ParseStsError(StsErrorXml("AccessDenied", "not allowed"));
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, "AccessDenied");
  EXPECT_EQ(error->message, "not allowed");
  EXPECT_FALSE(ParseStsError("<html>Bad Gateway</html>"));
  EXPECT_FALSE(ParseStsError(kAnswer));
}

class StsClientTest : public ::testing::Test {
 protected:
  StsClient Client() {
    Endpoint endpoint{false, "127.0.0.1", sts_.port()};
    return StsClient("eu-west-1", endpoint, std::make_unique<HttpClient>(endpoint, nullptr),
                     clock_);
  }
  static Deadline Soon() { return std::chrono::steady_clock::now() + milliseconds(5'000); }

  StandInResponse Answer(const StandInRequest& request) {
    ++calls_;
    if (failures_left_ > 0) {
      --failures_left_;
      return {503, StsErrorXml("ServiceUnavailable", "try again"), {}};
    }
    const std::string action = FormValue(request.body, "Action");
    if (FormValue(request.body, "Version") != "2011-06-15") return {400, "bad version", {}};
    if (action == "AssumeRole") {
      const std::string problem = source_.Verify(request, "eu-west-1", "sts");
      if (!problem.empty()) return {403, StsErrorXml("InvalidClientTokenId", problem), {}};
      if (FormValue(request.body, "RoleArn") != "arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fhits") {
        return {403, StsErrorXml("AccessDenied", "not this role"), {}};
      }
    } else if (action == "AssumeRoleWithWebIdentity") {
      if (request.Header("Authorization")) return {400, "web identity calls are not signed", {}};
      if (FormValue(request.body, "WebIdentityToken") != "eyJhbGciOi.payload.sig") {
        return {400, StsErrorXml("InvalidIdentityToken", "bad token"), {}};
      }
    } else {
      return {400, StsErrorXml("InvalidAction", action), {}};
    }
    return {200, StsCredentialsXml(action, roles_.Issue()), {{"Content-Type", "text/xml"}}};
  }

  FakeClock clock_{kT0};
  CredentialIssuer source_{clock_, milliseconds(3'600'000), "AKIA"};
  CredentialIssuer roles_{clock_, milliseconds(3'600'000), "ASIA"};
  std::atomic<int> calls_{0};
  std::atomic<int> failures_left_{0};
  HttpStandIn sts_{[this](const StandInRequest& request) { return Answer(request); }};
};

TEST_F(StsClientTest, AssumesARoleWithSignedSourceCredentials) {
  StsClient client = Client();
  IssuedCredentials source = source_.Issue();
  Result<ExpiringCredentials> role =
      client.AssumeRole({"arn:aws:iam::123456789012:role/hits", "hitcounter-1", "", std::nullopt},
                        source.credentials, Soon());
  ASSERT_TRUE(role.ok()) << role.status().message();
  EXPECT_EQ(role->credentials.access_key_id, "ASIAKEY1");
  EXPECT_EQ(role->expiration, kT0 + 3'600'000);
}

TEST_F(StsClientTest, AssumesARoleWithAWebIdentityTokenUnsigned) {
  StsClient client = Client();
  Result<ExpiringCredentials> role = client.AssumeRoleWithWebIdentity(
      {"arn:aws:iam::123456789012:role/hits", "pod", "eyJhbGciOi.payload.sig"}, Soon());
  ASSERT_TRUE(role.ok()) << role.status().message();
  EXPECT_EQ(role->credentials.access_key_id, "ASIAKEY1");
}

TEST_F(StsClientTest, ReportsStsErrorsWithTheRoleAndNoSecret) {
  StsClient client = Client();
  IssuedCredentials source = source_.Issue();
  Result<ExpiringCredentials> role = client.AssumeRole(
      {"arn:aws:iam::123456789012:role/other", "s", "", std::nullopt}, source.credentials, Soon());
  ASSERT_FALSE(role.ok());
  const std::string message = role.status().message();
  EXPECT_NE(message.find("STS AssumeRole of arn:aws:iam::123456789012:role/other"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("HTTP 403 AccessDenied: not this role"), std::string::npos) << message;
  EXPECT_EQ(message.find(source.credentials.secret_access_key), std::string::npos);
  EXPECT_EQ(calls_.load(), 1) << "an AccessDenied is not retried";

  Result<ExpiringCredentials> web = client.AssumeRoleWithWebIdentity(
      {"arn:aws:iam::123456789012:role/hits", "pod", "eyJ.wrong.token"}, Soon());
  ASSERT_FALSE(web.ok());
  EXPECT_NE(web.status().message().find("InvalidIdentityToken"), std::string::npos);
  EXPECT_EQ(web.status().message().find("eyJ.wrong.token"), std::string::npos)
      << "the web identity token is never quoted";
}

TEST_F(StsClientTest, RetriesWhenStsIsUnavailable) {
  StsClient client = Client();
  failures_left_ = kStsMaxAttempts - 1;
  Result<ExpiringCredentials> role = client.AssumeRoleWithWebIdentity(
      {"arn:aws:iam::123456789012:role/hits", "pod", "eyJhbGciOi.payload.sig"}, Soon());
  EXPECT_TRUE(role.ok()) << role.status().message();
  EXPECT_EQ(calls_.load(), kStsMaxAttempts);
}

}  // namespace
}  // namespace hitcounter::aws
