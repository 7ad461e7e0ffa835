// The Amazon Trust Services root certificates, compiled into the binary from
// src/aws/amazon_trust_roots.pem (Amazon Root CA 1-4 and Starfield Services Root Certificate
// Authority - G2; the file names their source and fingerprints).
//
// hitcounter verifies AWS's own endpoints against these five alone unless SSL_CERT_FILE or
// SSL_CERT_DIR says otherwise (aws_config.h, ResolveServiceSettings). Two reasons:
//   - deterministic: what is trusted does not depend on the host's CA store, which differs
//     between Debian, Amazon Linux 2023 and a Lambda image, and may be missing;
//   - fast: OpenSSL decodes every certificate it loads (~0.13 ms each here); five take ~1 ms where
//     a distribution's 144-certificate bundle took ~21 ms of a Lambda cold start.
// Custom endpoints (DynamoDB Local, ScyllaDB Alternator, a proxy) keep the system store.
//
// Thread safety: pure functions over constant data.
#ifndef HITCOUNTER_AWS_AMAZON_ROOTS_H_
#define HITCOUNTER_AWS_AMAZON_ROOTS_H_

#include <cstddef>
#include <string_view>

namespace hitcounter::aws {

// How many certificates AmazonTrustRootsPem() holds.
inline constexpr std::size_t kAmazonTrustRootCount = 5;

// The certificates in PEM, with comment lines between them (OpenSSL's PEM reader skips them).
std::string_view AmazonTrustRootsPem();

// True for a host whose certificate chains to these roots: AWS's own endpoints,
// "*.amazonaws.com". Not the China regions ("*.amazonaws.com.cn"), whose endpoints are operated
// apart and whose chains are not promised to end here: they keep the system store.
bool IsAmazonTrustHost(std::string_view host);

}  // namespace hitcounter::aws

#endif  // HITCOUNTER_AWS_AMAZON_ROOTS_H_
