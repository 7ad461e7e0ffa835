#include "aws/sts_credentials.h"

#include <fstream>
#include <sstream>

namespace hitcounter::aws {

AssumeRoleSource::AssumeRoleSource(AssumeRoleParams params,
                                   std::shared_ptr<CredentialsProvider> source,
                                   std::unique_ptr<StsClient> sts, std::string profile)
    : params_(std::move(params)),
      source_(std::move(source)),
      sts_(std::move(sts)),
      profile_(std::move(profile)) {}

std::string AssumeRoleSource::Name() const {
  return "role " + params_.role_arn + " of profile '" + profile_ + "' (STS AssumeRole with " +
         source_->Name() + ")";
}

Result<ExpiringCredentials> AssumeRoleSource::Fetch() {
  const Deadline deadline = std::chrono::steady_clock::now() + kStsFetchTimeout;
  Result<std::shared_ptr<const Credentials>> source = source_->GetCredentials(deadline);
  if (!source.ok()) {
    return Status::Unavailable("profile '" + profile_ + "': no source credentials to assume " +
                               params_.role_arn + ": " + source.status().message());
  }
  return sts_->AssumeRole(params_, **source, deadline);
}

WebIdentitySource::WebIdentitySource(WebIdentityParams params, std::string token_file,
                                     std::unique_ptr<StsClient> sts, std::string origin)
    : params_(std::move(params)),
      token_file_(std::move(token_file)),
      sts_(std::move(sts)),
      origin_(std::move(origin)) {}

std::string WebIdentitySource::Name() const {
  return "web identity role " + params_.role_arn + " (" + origin_ +
         ", STS AssumeRoleWithWebIdentity)";
}

Result<ExpiringCredentials> WebIdentitySource::Fetch() {
  std::ifstream file(token_file_, std::ios::binary);
  std::ostringstream text;
  if (file) text << file.rdbuf();
  if (!file || file.bad()) {
    return Status::Unavailable(Name() + ": cannot read the token file " + token_file_);
  }
  WebIdentityParams params = params_;
  params.token = text.str();
  if (params.token.size() > kMaxWebIdentityTokenBytes) {
    return Status::Unavailable(Name() + ": the token file " + token_file_ + " is larger than " +
                               std::to_string(kMaxWebIdentityTokenBytes) + " bytes");
  }
  while (!params.token.empty() && std::isspace(static_cast<unsigned char>(params.token.back()))) {
    params.token.pop_back();
  }
  if (params.token.empty()) {
    return Status::Unavailable(Name() + ": the token file " + token_file_ + " is empty");
  }
  return sts_->AssumeRoleWithWebIdentity(params,
                                         std::chrono::steady_clock::now() + kStsFetchTimeout);
}

}  // namespace hitcounter::aws
