#include "aws/amazon_roots.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <set>
#include <string>

#include "aws/http_client.h"

namespace hitcounter::aws {
namespace {

// SHA-256 fingerprints of Amazon Root CA 1-4 and Starfield Services Root Certificate Authority -
// G2, as src/aws/amazon_trust_roots.pem lists them (and https://www.amazontrust.com/repository/).
const std::set<std::string> kExpectedFingerprints = {
    "8ecde6884f3d87b1125ba31ac3fcb13d7016de7f57cc904fe1cb97c6ae98196e",
    "1ba5b2aa8c65401a82960118f80bec4f62304d83cec4713a19c39c011ea46db4",
    "18ce6cfe7bf14e60b2e347b8dfe868cb31d02ebb3ada271569f50343b46db3a4",
    "e35d28419ed02025cfa69038cd623962458da5c695fbdea3c22b0bfb25897092",
    "568d6905a2c88708a4b3025190edcfedb1974a606a13c6e5290fcb2ae63edab5",
};

struct Parsed {
  std::set<std::string> fingerprints;
  int count = 0;
  bool all_ca_and_self_signed = true;
  bool all_still_valid = true;
};

Parsed ParseCompiledInRoots() {
  Parsed parsed;
  const std::string_view pem = AmazonTrustRootsPem();
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  while (X509* certificate = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    ++parsed.count;
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    X509_digest(certificate, EVP_sha256(), digest, &size);
    std::string hex;
    for (unsigned int i = 0; i < size; ++i) {
      char two[3];
      std::snprintf(two, sizeof two, "%02x", digest[i]);
      hex += two;
    }
    parsed.fingerprints.insert(hex);
    parsed.all_ca_and_self_signed &=
        X509_check_ca(certificate) >= 1 && X509_check_issued(certificate, certificate) == X509_V_OK;
    parsed.all_still_valid &= X509_cmp_current_time(X509_get0_notAfter(certificate)) > 0;
    X509_free(certificate);
  }
  BIO_free(bio);
  return parsed;
}

TEST(AmazonRootsTest, AreExactlyAmazonRootCa1To4AndStarfieldServicesG2) {
  Parsed parsed = ParseCompiledInRoots();
  EXPECT_EQ(parsed.count, static_cast<int>(kAmazonTrustRootCount));
  EXPECT_EQ(parsed.fingerprints, kExpectedFingerprints);
  EXPECT_TRUE(parsed.all_ca_and_self_signed);
  EXPECT_TRUE(parsed.all_still_valid);
}

TEST(AmazonRootsTest, LoadIntoATlsContext) {
  Result<std::shared_ptr<TlsContext>> tls = AmazonRootsTlsContext();
  EXPECT_TRUE(tls.ok()) << tls.status().message();
}

TEST(AmazonRootsTest, CoverAwsOwnEndpointsOnly) {
  EXPECT_TRUE(IsAmazonTrustHost("dynamodb.us-east-1.amazonaws.com"));
  EXPECT_TRUE(IsAmazonTrustHost("dynamodb.us-gov-west-1.amazonaws.com"));
  EXPECT_FALSE(IsAmazonTrustHost("dynamodb.cn-north-1.amazonaws.com.cn"));
  EXPECT_FALSE(IsAmazonTrustHost("amazonaws.com"));
  EXPECT_FALSE(IsAmazonTrustHost(".amazonaws.com"));
  EXPECT_FALSE(IsAmazonTrustHost("dynamodb.example.net"));
  EXPECT_FALSE(IsAmazonTrustHost("evil-amazonaws.com"));
  EXPECT_FALSE(IsAmazonTrustHost("127.0.0.1"));
}

TEST(LoadTlsContextFromPem, RefusesTextWithoutACertificateNamingIt) {
  Result<std::shared_ptr<TlsContext>> tls = LoadTlsContextFromPem("# nothing here\n", "the test");
  ASSERT_EQ(tls.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(tls.status().message().find("the test"), std::string::npos);
}

}  // namespace
}  // namespace hitcounter::aws
