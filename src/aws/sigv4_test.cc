#include "aws/sigv4.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "tests/support/sigv4_suite_request.h"

namespace hitcounter::aws {
namespace {

// ---- Reading the AWS SigV4 test suite (tests/data/sigv4, from awslabs/aws-c-auth) ----------

const std::filesystem::path kSuiteDir = HITCOUNTER_SIGV4_DATA;

// The suite's case folders, sorted; empty when the folder cannot be read.
std::vector<std::string> SuiteCases() {
  std::vector<std::string> names;
  std::error_code error;
  for (auto it = std::filesystem::directory_iterator(kSuiteDir, error);
       !error && it != std::filesystem::directory_iterator(); it.increment(error)) {
    if (it->is_directory()) names.push_back(it->path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

Result<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// "2015-08-30T12:36:00Z" to Unix seconds.
Result<std::int64_t> ParseTimestamp(std::string_view text) {
  auto field = [&](std::size_t at, std::size_t width, int& value) {
    const char* begin = text.data() + at;
    return at + width <= text.size() &&
           std::from_chars(begin, begin + width, value).ptr == begin + width;
  };
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (text.size() != 20 || !field(0, 4, year) || !field(5, 2, month) || !field(8, 2, day) ||
      !field(11, 2, hour) || !field(14, 2, minute) || !field(17, 2, second)) {
    return Status::InvalidArgument("bad timestamp: " + std::string(text));
  }
  using namespace std::chrono;
  const sys_days date{std::chrono::year{year} / month / day};
  return duration_cast<seconds>(date.time_since_epoch()).count() + hour * 3600 + minute * 60 +
         second;
}

struct SuiteContext {
  Credentials credentials;
  SigningParams params;
};

// context.json: credentials, region, service, timestamp, normalize, sign_body and the optional
// omit_session_token.
Result<SuiteContext> ParseContext(const std::string& json) {
  rapidjson::Document parsed;
  parsed.Parse(json.c_str());
  if (parsed.HasParseError() || !parsed.IsObject()) {
    return Status::InvalidArgument("bad context.json");
  }
  // Read through a const reference: RapidJSON 1.1's non-const member iterators compare
  // ambiguously under C++20's reversed operators (clang's -Wambiguous-reversed-operator).
  const rapidjson::Value& doc = parsed;
  auto string_at = [](const rapidjson::Value& object, const char* name) {
    auto it = object.FindMember(name);
    return it != object.MemberEnd() && it->value.IsString() ? std::string(it->value.GetString())
                                                            : std::string();
  };
  auto bool_at = [&](const char* name, bool fallback) {
    auto it = doc.FindMember(name);
    return it != doc.MemberEnd() && it->value.IsBool() ? it->value.GetBool() : fallback;
  };
  auto credentials = doc.FindMember("credentials");
  if (credentials == doc.MemberEnd() || !credentials->value.IsObject()) {
    return Status::InvalidArgument("context.json has no credentials");
  }
  Result<std::int64_t> time = ParseTimestamp(string_at(doc, "timestamp"));
  if (!time.ok()) return time.status();

  SuiteContext context;
  context.credentials.access_key_id = string_at(credentials->value, "access_key_id");
  context.credentials.secret_access_key = string_at(credentials->value, "secret_access_key");
  context.credentials.session_token = string_at(credentials->value, "token");
  context.params.region = string_at(doc, "region");
  context.params.service = string_at(doc, "service");
  context.params.unix_seconds = *time;
  context.params.normalize_path = bool_at("normalize", true);
  context.params.add_content_sha256_header = bool_at("sign_body", false);
  context.params.sign_session_token = !bool_at("omit_session_token", false);
  return context;
}

std::string Lower(std::string text) {
  for (char& c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return text;
}

// Header names compare case-insensitively; values exactly.
std::vector<Header> WithLowerNames(std::vector<Header> headers) {
  for (auto& [name, value] : headers) name = Lower(name);
  return headers;
}

std::string ValueOf(const std::vector<Header>& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (Lower(key) == name) return value;
  }
  return "";
}

class Sigv4SuiteTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    dir_ = kSuiteDir / GetParam();
    Result<std::string> request_text = ReadFile(dir_ / "request.txt");
    ASSERT_TRUE(request_text.ok()) << request_text.status().message();
    Result<HttpRequestToSign> request = testing::ParseSuiteRequest(*request_text);
    ASSERT_TRUE(request.ok()) << request.status().message();
    request_ = *request;
    Result<std::string> context_text = ReadFile(dir_ / "context.json");
    ASSERT_TRUE(context_text.ok()) << context_text.status().message();
    Result<SuiteContext> context = ParseContext(*context_text);
    ASSERT_TRUE(context.ok()) << context.status().message();
    context_ = *context;
  }

  std::string Expected(const char* file) {
    Result<std::string> text = ReadFile(dir_ / file);
    EXPECT_TRUE(text.ok()) << text.status().message();
    return text.ok() ? *text : std::string();
  }

  std::filesystem::path dir_;
  HttpRequestToSign request_;
  SuiteContext context_;
};

TEST_P(Sigv4SuiteTest, CanonicalRequestMatches) {
  Result<std::string> canonical = CanonicalRequest(request_, context_.credentials, context_.params);
  ASSERT_TRUE(canonical.ok()) << canonical.status().message();
  EXPECT_EQ(*canonical, Expected("header-canonical-request.txt"));
}

TEST_P(Sigv4SuiteTest, StringToSignMatches) {
  Result<std::string> string_to_sign =
      StringToSign(Expected("header-canonical-request.txt"), context_.params);
  ASSERT_TRUE(string_to_sign.ok()) << string_to_sign.status().message();
  EXPECT_EQ(*string_to_sign, Expected("header-string-to-sign.txt"));
}

TEST_P(Sigv4SuiteTest, SignatureMatches) {
  Result<std::vector<Header>> added = SignRequest(request_, context_.credentials, context_.params);
  ASSERT_TRUE(added.ok()) << added.status().message();
  const std::string authorization = ValueOf(*added, "authorization");
  const std::size_t at = authorization.rfind(", Signature=");
  ASSERT_NE(at, std::string::npos) << authorization;
  EXPECT_EQ(authorization.substr(at + 12), Expected("header-signature.txt"));
}

// The signed request is the original one plus exactly the headers SignRequest returns, in the
// same order (names compare case-insensitively).
TEST_P(Sigv4SuiteTest, SignedRequestMatches) {
  Result<std::vector<Header>> added = SignRequest(request_, context_.credentials, context_.params);
  ASSERT_TRUE(added.ok()) << added.status().message();
  Result<HttpRequestToSign> signed_request =
      testing::ParseSuiteRequest(Expected("header-signed-request.txt"));
  ASSERT_TRUE(signed_request.ok()) << signed_request.status().message();
  EXPECT_EQ(signed_request->method, request_.method);
  EXPECT_EQ(signed_request->path, request_.path);
  EXPECT_EQ(signed_request->query, request_.query);
  EXPECT_EQ(signed_request->body, request_.body);

  std::vector<Header> expected = WithLowerNames(signed_request->headers);
  std::vector<Header> actual = WithLowerNames(request_.headers);
  actual.insert(actual.end(), added->begin(), added->end());
  EXPECT_EQ(WithLowerNames(actual), expected);
}

std::string CaseName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

INSTANTIATE_TEST_SUITE_P(AwsSigningTestSuite, Sigv4SuiteTest, ::testing::ValuesIn(SuiteCases()),
                         CaseName);

// Guards against the parameterised tests silently running on fewer cases.
TEST(Sigv4Suite, HasAllThirtyEightCases) { EXPECT_EQ(SuiteCases().size(), 38u); }

// ---- Edge cases ------------------------------------------------------------------------------

const Credentials kCredentials = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};

SigningParams DynamoParams() {
  SigningParams params;
  params.region = "eu-west-1";
  params.service = "dynamodb";
  params.unix_seconds = 1'704'164'645;  // 2024-01-02T03:04:05Z
  return params;
}

HttpRequestToSign GetRoot() {
  HttpRequestToSign request;
  request.method = "GET";
  request.path = "/";
  request.headers = {{"Host", "example.amazonaws.com"}};
  return request;
}

std::string LastLine(const std::string& text) { return text.substr(text.rfind('\n') + 1); }

TEST(Sha256Hex, GivesTheFipsVectorForAbc) {
  Result<std::string> hex = Sha256Hex("abc");
  ASSERT_TRUE(hex.ok());
  EXPECT_EQ(*hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(CanonicalRequest, AnEmptyBodyIsSignedAsTheHashOfNothing) {
  Result<std::string> canonical = CanonicalRequest(GetRoot(), kCredentials, DynamoParams());
  ASSERT_TRUE(canonical.ok()) << canonical.status().message();
  EXPECT_EQ(LastLine(*canonical),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(CanonicalRequest, HeaderValuesKeepOneSpaceBetweenWordsAndNoneAtTheEnds) {
  HttpRequestToSign request = GetRoot();
  request.headers.emplace_back("X-Note", " \t a  b\t\tc   d ");
  Result<std::string> canonical = CanonicalRequest(request, kCredentials, DynamoParams());
  ASSERT_TRUE(canonical.ok()) << canonical.status().message();
  EXPECT_NE(canonical->find("\nx-note:a b c d\n"), std::string::npos) << *canonical;
}

TEST(CanonicalRequest, AnAlreadyEncodedPathIsEncodedAgainAsNonS3ServicesExpect) {
  HttpRequestToSign request = GetRoot();
  request.path = "/a%20b/c";
  Result<std::string> canonical = CanonicalRequest(request, kCredentials, DynamoParams());
  ASSERT_TRUE(canonical.ok()) << canonical.status().message();
  EXPECT_EQ(canonical->substr(0, canonical->find('\n', 4)), "GET\n/a%2520b/c");
}

TEST(CanonicalRequest, AQueryNameWithoutValueGetsAnEmptyValueAndSortsByName) {
  HttpRequestToSign request = GetRoot();
  request.query = "b&a=x%20y&&a=+";
  Result<std::string> canonical = CanonicalRequest(request, kCredentials, DynamoParams());
  ASSERT_TRUE(canonical.ok()) << canonical.status().message();
  EXPECT_NE(canonical->find("\n/\na=%2B&a=x%20y&b=\n"), std::string::npos) << *canonical;
}

TEST(CanonicalRequest, AnEmptyPathIsSignedAsTheRoot) {
  HttpRequestToSign request = GetRoot();
  request.path = "";
  SigningParams params = DynamoParams();
  for (bool normalize : {true, false}) {
    params.normalize_path = normalize;
    Result<std::string> canonical = CanonicalRequest(request, kCredentials, params);
    ASSERT_TRUE(canonical.ok()) << canonical.status().message();
    EXPECT_EQ(canonical->substr(0, 6), "GET\n/\n");
  }
}

TEST(SignRequest, UserAgentIsSentButNotSigned) {
  HttpRequestToSign request = GetRoot();
  request.headers.emplace_back("User-Agent", "hitcounter/0.1");
  Result<std::vector<Header>> added = SignRequest(request, kCredentials, DynamoParams());
  ASSERT_TRUE(added.ok()) << added.status().message();
  EXPECT_NE(ValueOf(*added, "authorization").find("SignedHeaders=host;x-amz-date,"),
            std::string::npos);
}

TEST(SignRequest, AddsTheContentHashHeaderOnlyWhenAskedFor) {
  SigningParams params = DynamoParams();
  Result<std::vector<Header>> without = SignRequest(GetRoot(), kCredentials, params);
  ASSERT_TRUE(without.ok());
  EXPECT_EQ(ValueOf(*without, "x-amz-content-sha256"), "");
  params.add_content_sha256_header = true;
  Result<std::vector<Header>> with = SignRequest(GetRoot(), kCredentials, params);
  ASSERT_TRUE(with.ok());
  EXPECT_EQ(ValueOf(*with, "x-amz-content-sha256"),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

// The expected canonical request and signature were computed independently with Python's
// hashlib and hmac.
TEST(SignRequest, SignsADynamoDbUpdateItemPostWithItsTargetContentTypeAndToken) {
  HttpRequestToSign request;
  request.method = "POST";
  request.path = "/";
  request.headers = {{"Host", "dynamodb.eu-west-1.amazonaws.com"},
                     {"Content-Type", "application/x-amz-json-1.0"},
                     {"X-Amz-Target", "DynamoDB_20120810.UpdateItem"}};
  request.body =
      R"({"TableName":"hits","Key":{"route":{"S":"/a"}},"UpdateExpression":"ADD hits :one",)"
      R"("ExpressionAttributeValues":{":one":{"N":"1"}}})";
  Credentials credentials = kCredentials;
  credentials.session_token = "token/with+slash=";

  Result<std::string> canonical = CanonicalRequest(request, credentials, DynamoParams());
  ASSERT_TRUE(canonical.ok()) << canonical.status().message();
  EXPECT_EQ(*canonical,
            "POST\n/\n\n"
            "content-type:application/x-amz-json-1.0\n"
            "host:dynamodb.eu-west-1.amazonaws.com\n"
            "x-amz-date:20240102T030405Z\n"
            "x-amz-security-token:token/with+slash=\n"
            "x-amz-target:DynamoDB_20120810.UpdateItem\n\n"
            "content-type;host;x-amz-date;x-amz-security-token;x-amz-target\n"
            "1be793b7980cc77c07346dc8df7b808846d08d68609f76dd3ed34d2eb2af5eeb");

  Result<std::vector<Header>> added = SignRequest(request, credentials, DynamoParams());
  ASSERT_TRUE(added.ok()) << added.status().message();
  const std::vector<Header> expected = {
      {"X-Amz-Security-Token", "token/with+slash="},
      {"X-Amz-Date", "20240102T030405Z"},
      {"Authorization",
       "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240102/eu-west-1/dynamodb/aws4_request, "
       "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, "
       "Signature=4341ed73c8a05038483bcf8c5b367c9983e1421f8ceb51f5bec4c8482052b54a"}};
  EXPECT_EQ(*added, expected);
}

void ExpectInvalid(const HttpRequestToSign& request, const Credentials& credentials,
                   const SigningParams& params) {
  Result<std::vector<Header>> added = SignRequest(request, credentials, params);
  ASSERT_FALSE(added.ok());
  EXPECT_EQ(added.status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(CanonicalRequest(request, credentials, params).ok());
}

TEST(SignRequest, RefusesARequestWithoutHost) {
  HttpRequestToSign request = GetRoot();
  request.headers = {{"Content-Type", "application/x-amz-json-1.0"}};
  ExpectInvalid(request, kCredentials, DynamoParams());
}

TEST(SignRequest, RefusesARequestThatAlreadyCarriesASignerHeader) {
  for (const char* name :
       {"Authorization", "x-amz-date", "X-Amz-Security-Token", "X-AMZ-CONTENT-SHA256"}) {
    HttpRequestToSign request = GetRoot();
    request.headers.emplace_back(name, "x");
    ExpectInvalid(request, kCredentials, DynamoParams());
  }
}

TEST(SignRequest, RefusesAHeaderNameThatIsNotAToken) {
  HttpRequestToSign request = GetRoot();
  request.headers.emplace_back("Bad Name", "x");
  ExpectInvalid(request, kCredentials, DynamoParams());
}

TEST(SignRequest, RefusesCredentialsThatWouldBreakTheScopeOrInjectHeaders) {
  Credentials credentials = kCredentials;
  credentials.access_key_id = "AKID/EXTRA";
  ExpectInvalid(GetRoot(), credentials, DynamoParams());
  credentials = kCredentials;
  credentials.secret_access_key = "";
  ExpectInvalid(GetRoot(), credentials, DynamoParams());
  credentials = kCredentials;
  credentials.session_token = "token\r\nX-Evil: 1";
  ExpectInvalid(GetRoot(), credentials, DynamoParams());
}

TEST(SignRequest, RefusesAnEmptyServiceOrARegionWithASlash) {
  SigningParams params = DynamoParams();
  params.service = "";
  ExpectInvalid(GetRoot(), kCredentials, params);
  params = DynamoParams();
  params.region = "eu-west-1/x";
  ExpectInvalid(GetRoot(), kCredentials, params);
  EXPECT_FALSE(StringToSign("GET\n/", params).ok());
}

TEST(SignRequest, AcceptsTheLastSecondOfYear9999AndRefusesTheNextOrOneBefore1970) {
  SigningParams params = DynamoParams();
  params.unix_seconds = 253'402'300'799;
  Result<std::vector<Header>> added = SignRequest(GetRoot(), kCredentials, params);
  ASSERT_TRUE(added.ok()) << added.status().message();
  EXPECT_EQ(ValueOf(*added, "x-amz-date"), "99991231T235959Z");
  params.unix_seconds = 253'402'300'800;
  ExpectInvalid(GetRoot(), kCredentials, params);
  params.unix_seconds = -1;
  ExpectInvalid(GetRoot(), kCredentials, params);
}

}  // namespace
}  // namespace hitcounter::aws
