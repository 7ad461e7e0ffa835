// ImdsCredentialsSource: the instance profile's role credentials from the EC2 instance metadata
// service, IMDSv2 only:
//   1. PUT /latest/api/token with X-aws-ec2-metadata-token-ttl-seconds: 21600 -> a session
//      token, kept for its lifetime (by the provider's clock) and sent with every GET;
//   2. GET /latest/meta-data/iam/security-credentials/ -> the role's name;
//   3. GET /latest/meta-data/iam/security-credentials/ROLE -> the credentials JSON
//      (credentials_json.h), with Expiration.
// A 401 on a GET means the token expired or was revoked: it is fetched again, once. IMDSv1 (no
// token) is never used: a metadata service that refuses the PUT is an error naming IMDSv2.
//
// The endpoint is http://169.254.169.254, http://[fd00:ec2::254] with
// AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6, or AWS_EC2_METADATA_SERVICE_ENDPOINT (the chain
// reads them, credentials_chain.h). It is never reached through a proxy. Each request has
// kMetadataTimeout, and a fetch makes kMetadataAttempts tries (the SDKs: 1 s, 1 retry).
//
// Thread safety: a CredentialsSource, called by one thread at a time.
#ifndef HITCOUNTER_AWS_IMDS_CREDENTIALS_H_
#define HITCOUNTER_AWS_IMDS_CREDENTIALS_H_

#include <chrono>
#include <string>

#include "aws/aws_config.h"
#include "aws/credentials_provider.h"
#include "aws/http_client.h"
#include "hitcounter/clock.h"

namespace hitcounter::aws {

// Per request: the link-local service answers in microseconds; off EC2, nothing answers, and a
// server's start-up should not hang on it (Java SDK v2: 1 s; botocore: 1 s).
inline constexpr std::chrono::milliseconds kMetadataTimeout{1'000};
inline constexpr int kMetadataAttempts = 2;
// The longest token lifetime IMDS grants (6 h), as every SDK asks.
inline constexpr int kImdsTokenTtlSeconds = 21'600;
// A token is fetched again this long before its lifetime ends.
inline constexpr std::chrono::milliseconds kImdsTokenRenewBefore{60'000};

class ImdsCredentialsSource final : public CredentialsSource {
 public:
  // Asks `endpoint` (plain http), timing its token by `clock` (which must outlive the source).
  // `hint`, when not empty, ends every failure message (the chain says there what else could
  // have provided credentials).
  ImdsCredentialsSource(Endpoint endpoint, const Clock& clock, std::string hint = "");

  Result<ExpiringCredentials> Fetch() override;
  std::string Name() const override;

 private:
  struct Answer {
    unsigned status = 0;
    std::string body;
  };
  Result<ExpiringCredentials> TryFetch();
  Result<Answer> Send(const std::string& method, const std::string& path, bool with_token);
  Result<std::string> Get(const std::string& path);
  Status FetchToken();
  Status Failure(const std::string& what) const;

  const Endpoint endpoint_;
  const Clock& clock_;
  const std::string hint_;
  HttpClient client_;
  std::string token_;
  UnixMillis token_renew_at_ = 0;
};

}  // namespace hitcounter::aws

#endif  // HITCOUNTER_AWS_IMDS_CREDENTIALS_H_
