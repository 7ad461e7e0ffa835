#include "hitcounter/admin_token.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <cctype>
#include <string>

namespace hitcounter {
namespace {

// "admin:s3cret" and ":s3cret" in base64.
constexpr std::string_view kBasicAdmin = "Basic YWRtaW46czNjcmV0";
constexpr std::string_view kBasicNoUser = "Basic OnMzY3JldA==";

TEST(AdminTokenTest, AcceptsEverythingWhenNoTokenIsSet) {
  AdminToken open("");
  EXPECT_FALSE(open.required());
  EXPECT_TRUE(open.Accepts(""));
  EXPECT_TRUE(open.Accepts("Bearer anything"));
}

TEST(AdminTokenTest, AcceptsTheTokenAsBearerInAnyCaseOfTheScheme) {
  AdminToken token("s3cret");
  EXPECT_TRUE(token.required());
  EXPECT_TRUE(token.Accepts("Bearer s3cret"));
  EXPECT_TRUE(token.Accepts("bearer s3cret"));
  EXPECT_TRUE(token.Accepts("  BEARER   s3cret  "));
}

TEST(AdminTokenTest, AcceptsTheTokenAsTheBasicPasswordOfAnyUser) {
  AdminToken token("s3cret");
  EXPECT_TRUE(token.Accepts(kBasicAdmin));
  EXPECT_TRUE(token.Accepts(kBasicNoUser));
}

TEST(AdminTokenTest, RefusesAMissingWrongOrMalformedToken) {
  AdminToken token("s3cret");
  EXPECT_FALSE(token.Accepts(""));
  EXPECT_FALSE(token.Accepts("Bearer"));
  EXPECT_FALSE(token.Accepts("Bearer "));
  EXPECT_FALSE(token.Accepts("Bearer s3cre"));
  EXPECT_FALSE(token.Accepts("Bearer s3crets"));
  EXPECT_FALSE(token.Accepts("s3cret"));
  EXPECT_FALSE(token.Accepts("Token s3cret"));
  EXPECT_FALSE(token.Accepts("Basic czNjcmV0"));   // "s3cret": no user and no ':'
  EXPECT_FALSE(token.Accepts("Basic !!!notb64"));  // not base64
}

// SHA-256("s3cret"), as `printf s3cret | sha256sum` prints it.
constexpr std::string_view kS3cretSha256 =
    "1ec1c26b50d5d3c58d9583181af8076655fe00756bf7285940ba3670f99fcba0";

TEST(AdminTokenTest, ADigestGuardAcceptsExactlyWhatItsTokenWould) {
  Result<AdminToken> from_digest = AdminToken::FromSha256Hex(kS3cretSha256);
  ASSERT_TRUE(from_digest.ok()) << from_digest.status().message();
  EXPECT_TRUE(from_digest->required());
  const AdminToken from_token("s3cret");
  for (std::string_view header :
       {std::string_view("Bearer s3cret"), kBasicAdmin, kBasicNoUser, std::string_view(""),
        std::string_view("Bearer s3cre"), std::string_view("Bearer ") /* empty token */,
        std::string_view(kS3cretSha256) /* the digest itself is not the token */}) {
    EXPECT_EQ(from_digest->Accepts(header), from_token.Accepts(header)) << header;
  }
  EXPECT_FALSE(from_digest->Accepts(std::string("Bearer ") + std::string(kS3cretSha256)));
}

TEST(AdminTokenTest, ADigestMayBeWrittenInUpperCaseHex) {
  std::string upper(kS3cretSha256);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  Result<AdminToken> token = AdminToken::FromSha256Hex(upper);
  ASSERT_TRUE(token.ok());
  EXPECT_TRUE(token->Accepts("Bearer s3cret"));
}

TEST(AdminTokenTest, RefusesAMalformedDigestWithoutEchoingIt) {
  const std::string good(kS3cretSha256);
  for (const std::string& bad : {std::string(), good.substr(1), good + "0", good.substr(1) + "g",
                                 good.substr(1) + " ", std::string("s3cret")}) {
    Result<AdminToken> token = AdminToken::FromSha256Hex(bad);
    ASSERT_EQ(token.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(token.status().message().find("64 hex digits"), std::string::npos);
    if (!bad.empty()) {
      EXPECT_EQ(token.status().message().find(bad), std::string::npos);
    }
  }
}

TEST(AdminTokenTest, RefusesTheDigestOfTheEmptyToken) {
  // SHA-256 of "": a guard no request could ever pass.
  Result<AdminToken> token =
      AdminToken::FromSha256Hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  ASSERT_EQ(token.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(token.status().message().find("empty token"), std::string::npos);
}

TEST(AdminTokenTest, TheWrittenOutEmptyDigestIsOpenSslsSha256OfNothing) {
  // AdminToken compares with SHA-256("") written out; OpenSSL must agree with it.
  unsigned char digest[32];
  unsigned int size = 0;
  ASSERT_EQ(EVP_Digest("", 0, digest, &size, EVP_sha256(), nullptr), 1);
  std::string hex;
  for (unsigned char byte : digest) {
    hex += "0123456789abcdef"[byte >> 4];
    hex += "0123456789abcdef"[byte & 15];
  }
  EXPECT_EQ(AdminToken::FromSha256Hex(hex).status().code(), StatusCode::kInvalidArgument);
}

TEST(AdminTokenTest, PresentedSecretIsTheBearerTokenOrTheBasicPassword) {
  EXPECT_EQ(PresentedSecret("Bearer abc"), "abc");
  EXPECT_EQ(PresentedSecret(kBasicAdmin), "s3cret");
  EXPECT_EQ(PresentedSecret("Basic dTpwOmFzcw=="), "p:ass");  // "u:p:ass": the first ':' splits
  EXPECT_EQ(PresentedSecret("Digest abc"), std::nullopt);
}

TEST(AdminTokenTest, DecodesStandardBase64WithOrWithoutPadding) {
  EXPECT_EQ(DecodeBase64(""), "");
  EXPECT_EQ(DecodeBase64("Zg=="), "f");
  EXPECT_EQ(DecodeBase64("Zm8"), "fo");
  EXPECT_EQ(DecodeBase64("Zm9v"), "foo");
  EXPECT_EQ(DecodeBase64("Zm9vYmFy"), "foobar");
  EXPECT_EQ(DecodeBase64("+/+/"), "\xfb\xff\xbf");
  EXPECT_EQ(DecodeBase64("Z"), std::nullopt);
  EXPECT_EQ(DecodeBase64("Zm9v YmFy"), std::nullopt);
  EXPECT_EQ(DecodeBase64("Zm-_"), std::nullopt);
}

// Regression: a token with a leading or trailing space matched through Basic, never through
// Bearer (whose value is trimmed).
TEST(ValidateAdminToken, RefusesATokenThatOnlyOneWayOfPresentingItCouldCarry) {
  EXPECT_TRUE(ValidateAdminToken("s3cret-token").ok());
  EXPECT_TRUE(ValidateAdminToken("inner space ok").ok());
  for (const char* bad : {" lead", "trail ", "\ttab", "tab\t", "ctl\x01char", "del\x7f"}) {
    EXPECT_EQ(ValidateAdminToken(bad).code(), StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace hitcounter
