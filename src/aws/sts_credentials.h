// The credentials sources that ask STS (sts_client.h):
//   - AssumeRoleSource: a profile's role_arn, assumed with the credentials of its source
//     (source_profile, or credential_source Environment / Ec2InstanceMetadata / EcsContainer);
//   - WebIdentitySource: AssumeRoleWithWebIdentity with the token in a file
//     (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN, or a profile's web_identity_token_file): EKS
//     IAM roles for service accounts. The file is read again at each fetch (the kubelet
//     rotates the token); trailing whitespace is dropped (a JWT holds none).
//
// Each fetch is bounded by kStsFetchTimeout, the source credentials' wait included.
//
// Thread safety: CredentialsSources, called by one thread at a time.
#ifndef HITCOUNTER_AWS_STS_CREDENTIALS_H_
#define HITCOUNTER_AWS_STS_CREDENTIALS_H_

#include <chrono>
#include <memory>
#include <string>

#include "aws/credentials_provider.h"
#include "aws/sts_client.h"

namespace hitcounter::aws {

// Three STS attempts of up to 5 s each would be 15 s; a refresh runs ahead of expiry and a
// first fetch is at start-up, so 10 s all told is patient enough.
inline constexpr std::chrono::milliseconds kStsFetchTimeout{10'000};
// An OIDC token is a JWT of a few KB.
inline constexpr std::size_t kMaxWebIdentityTokenBytes = 64 * 1024;

class AssumeRoleSource final : public CredentialsSource {
 public:
  // Assumes params.role_arn (for profile `profile`, named in messages) with the credentials of
  // `source`, through `sts`.
  AssumeRoleSource(AssumeRoleParams params, std::shared_ptr<CredentialsProvider> source,
                   std::unique_ptr<StsClient> sts, std::string profile);

  Result<ExpiringCredentials> Fetch() override;
  std::string Name() const override;

 private:
  const AssumeRoleParams params_;
  const std::shared_ptr<CredentialsProvider> source_;
  const std::unique_ptr<StsClient> sts_;
  const std::string profile_;
};

class WebIdentitySource final : public CredentialsSource {
 public:
  // Assumes params.role_arn with the token read from `token_file` (params.token is ignored);
  // `origin` says where the settings came from ("AWS_WEB_IDENTITY_TOKEN_FILE", "profile 'x'").
  WebIdentitySource(WebIdentityParams params, std::string token_file,
                    std::unique_ptr<StsClient> sts, std::string origin);

  Result<ExpiringCredentials> Fetch() override;
  std::string Name() const override;

 private:
  const WebIdentityParams params_;
  const std::string token_file_;
  const std::unique_ptr<StsClient> sts_;
  const std::string origin_;
};

}  // namespace hitcounter::aws

#endif  // HITCOUNTER_AWS_STS_CREDENTIALS_H_
