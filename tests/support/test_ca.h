// TestCa: a certificate authority that a test makes for itself, and the server certificates it
// signs, all in memory (PEM), with OpenSSL. It lets TLS verification be proved both ways on
// 127.0.0.1 without any fixed key in the repository: a client trusting this CA must accept the
// server, and a client trusting any other CA (another TestCa, the Amazon roots) must refuse it.
//
// Keys are EC P-256; certificates are valid from an hour ago to a day from now.
//
// Thread safety: immutable after construction.
#ifndef HITCOUNTER_TESTS_SUPPORT_TEST_CA_H_
#define HITCOUNTER_TESTS_SUPPORT_TEST_CA_H_

#include <memory>
#include <string>

namespace hitcounter::testing {

// A certificate and its private key, both PEM.
struct TestIdentity {
  std::string certificate_pem;
  std::string key_pem;
};

class TestCa {
 public:
  // A new self-signed CA named `common_name` (basicConstraints CA:TRUE, keyCertSign). Throws
  // std::runtime_error if OpenSSL fails (a broken test machine, not a test outcome).
  explicit TestCa(const std::string& common_name);
  ~TestCa();
  TestCa(const TestCa&) = delete;
  TestCa& operator=(const TestCa&) = delete;

  // The CA's own certificate: what a client that trusts this CA loads.
  const std::string& certificate_pem() const { return identity_.certificate_pem; }

  // A server certificate for `host` signed by this CA: subjectAltName IP:host when `host` is an
  // IPv4 address, DNS:host otherwise; extendedKeyUsage serverAuth.
  TestIdentity IssueServerCertificate(const std::string& host) const;

 private:
  struct Keys;
  std::unique_ptr<Keys> keys_;
  TestIdentity identity_;
};

}  // namespace hitcounter::testing

#endif  // HITCOUNTER_TESTS_SUPPORT_TEST_CA_H_
