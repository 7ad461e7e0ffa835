#include "tests/support/test_ca.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/buffer.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <stdexcept>

namespace hitcounter::testing {
namespace {

constexpr long kValidBeforeSeconds = 60 * 60;    // clocks a little behind still accept it
constexpr long kValidForSeconds = 24 * 60 * 60;  // longer than any test run

struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct X509Free {
  void operator()(X509* certificate) const { X509_free(certificate); }
};
struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Certificate = std::unique_ptr<X509, X509Free>;

void Check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("TestCa: ") + what + " failed");
}

Key NewKey() {
  Key key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  Check(key != nullptr, "EC key generation");
  return key;
}

// Everything a memory BIO holds, as a string.
std::string Drain(BIO* bio) {
  BUF_MEM* memory = nullptr;
  // BIO_get_mem_ptr, spelled out: the macro's C cast trips -Wold-style-cast.
  BIO_ctrl(bio, BIO_C_GET_BUF_MEM_PTR, 0, reinterpret_cast<char*>(&memory));
  Check(memory != nullptr, "reading a memory BIO");
  return std::string(memory->data, memory->length);
}

std::string CertificatePem(X509* certificate) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  Check(bio && PEM_write_bio_X509(bio.get(), certificate) == 1, "writing a certificate");
  return Drain(bio.get());
}

std::string KeyPem(EVP_PKEY* key) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  Check(bio && PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "writing a key");
  return Drain(bio.get());
}

void AddExtension(X509* certificate, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
  Check(extension != nullptr, "making an extension");
  const int added = X509_add_ext(certificate, extension, -1);
  X509_EXTENSION_free(extension);
  Check(added == 1, "adding an extension");
}

// A certificate for `subject_key` named `common_name`, with its validity and serial set, not yet
// signed.
Certificate NewCertificate(EVP_PKEY* subject_key, const std::string& common_name, long serial) {
  Certificate certificate(X509_new());
  Check(certificate != nullptr, "X509_new");
  Check(X509_set_version(certificate.get(), X509_VERSION_3) == 1, "setting the version");
  Check(ASN1_INTEGER_set(X509_get_serialNumber(certificate.get()), serial) == 1, "the serial");
  Check(X509_gmtime_adj(X509_getm_notBefore(certificate.get()), -kValidBeforeSeconds) != nullptr &&
            X509_gmtime_adj(X509_getm_notAfter(certificate.get()), kValidForSeconds) != nullptr,
        "the validity");
  Check(X509_set_pubkey(certificate.get(), subject_key) == 1, "the public key");
  X509_NAME* name = X509_get_subject_name(certificate.get());
  Check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                                   -1, 0) == 1,
        "the subject name");
  return certificate;
}

bool IsIpv4Address(const std::string& host) {
  unsigned char address[4];
  return inet_pton(AF_INET, host.c_str(), address) == 1;
}

}  // namespace

struct TestCa::Keys {
  Key key;
  Certificate certificate;
};

TestCa::TestCa(const std::string& common_name) : keys_(std::make_unique<Keys>()) {
  keys_->key = NewKey();
  keys_->certificate = NewCertificate(keys_->key.get(), common_name, 1);
  X509* ca = keys_->certificate.get();
  Check(X509_set_issuer_name(ca, X509_get_subject_name(ca)) == 1, "the issuer name");
  AddExtension(ca, ca, NID_basic_constraints, "critical,CA:TRUE");
  AddExtension(ca, ca, NID_key_usage, "critical,keyCertSign,cRLSign");
  AddExtension(ca, ca, NID_subject_key_identifier, "hash");
  Check(X509_sign(ca, keys_->key.get(), EVP_sha256()) > 0, "signing the CA");
  identity_ = {CertificatePem(ca), KeyPem(keys_->key.get())};
}

TestCa::~TestCa() = default;

TestIdentity TestCa::IssueServerCertificate(const std::string& host) const {
  static std::atomic<long> serial{1};
  Key key = NewKey();
  Certificate certificate = NewCertificate(key.get(), host, ++serial);
  X509* ca = keys_->certificate.get();
  Check(X509_set_issuer_name(certificate.get(), X509_get_subject_name(ca)) == 1, "the issuer");
  AddExtension(certificate.get(), ca, NID_basic_constraints, "critical,CA:FALSE");
  AddExtension(certificate.get(), ca, NID_key_usage, "critical,digitalSignature");
  AddExtension(certificate.get(), ca, NID_ext_key_usage, "serverAuth");
  AddExtension(certificate.get(), ca, NID_authority_key_identifier, "keyid:always");
  const std::string alt_name = (IsIpv4Address(host) ? "IP:" : "DNS:") + host;
  AddExtension(certificate.get(), ca, NID_subject_alt_name, alt_name.c_str());
  Check(X509_sign(certificate.get(), keys_->key.get(), EVP_sha256()) > 0, "signing");
  return {CertificatePem(certificate.get()), KeyPem(key.get())};
}

}  // namespace hitcounter::testing
