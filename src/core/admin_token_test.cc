#include "hitcounter/admin_token.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace hitcounter
