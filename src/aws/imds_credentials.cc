#include "aws/imds_credentials.h"

#include <algorithm>

#include "aws/credentials_json.h"

namespace hitcounter::aws {
namespace {

constexpr std::string_view kTokenPath = "/latest/api/token";
constexpr std::string_view kRolesPath = "/latest/meta-data/iam/security-credentials/";
constexpr std::string_view kUserAgent = "hitcounter/0.1";
// The longest role name IAM allows is 64; the listing is one name per line.
constexpr std::size_t kMaxRoleName = 64;

bool IsRoleNameChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         std::string_view("+=,.@_-").find(c) != std::string_view::npos;
}

}  // namespace

ImdsCredentialsSource::ImdsCredentialsSource(Endpoint endpoint, const Clock& clock,
                                             std::string hint)
    : endpoint_(std::move(endpoint)),
      clock_(clock),
      hint_(std::move(hint)),
      client_(endpoint_, nullptr) {}

std::string ImdsCredentialsSource::Name() const {
  return "EC2 instance metadata (IMDSv2) at " + endpoint_.Url();
}

Status ImdsCredentialsSource::Failure(const std::string& what) const {
  return Status::Unavailable(Name() + ": " + what + (hint_.empty() ? "" : "; " + hint_));
}

Result<ImdsCredentialsSource::Answer> ImdsCredentialsSource::Send(const std::string& method,
                                                                  const std::string& path,
                                                                  bool with_token) {
  HttpRequest request;
  request.method = method;
  request.target = path;
  request.headers = {{"Host", endpoint_.HostHeader()}, {"User-Agent", std::string(kUserAgent)}};
  if (with_token) {
    request.headers.emplace_back("X-aws-ec2-metadata-token", token_);
  } else {
    request.headers.emplace_back("X-aws-ec2-metadata-token-ttl-seconds",
                                 std::to_string(kImdsTokenTtlSeconds));
  }
  HttpOutcome outcome = client_.Post(request, std::chrono::steady_clock::now() + kMetadataTimeout);
  if (!outcome.status.ok()) return outcome.status;
  return Answer{outcome.response.status, std::move(outcome.response.body)};
}

Status ImdsCredentialsSource::FetchToken() {
  Result<Answer> answer = Send("PUT", std::string(kTokenPath), false);
  if (!answer.ok()) return answer.status();
  if (answer->status == 200 && !answer->body.empty()) {
    token_ = std::move(answer.value().body);
    token_renew_at_ = clock_.Now() + UnixMillis{kImdsTokenTtlSeconds} * 1000 -
                      UnixMillis{kImdsTokenRenewBefore.count()};
    return Status::Ok();
  }
  const std::string status = std::to_string(answer->status);
  if (answer->status == 403) {
    return Status::InvalidArgument("PUT " + std::string(kTokenPath) +
                                   " answered 403: the instance metadata service is off for this "
                                   "instance");
  }
  if (answer->status == 404 || answer->status == 405) {
    return Status::InvalidArgument("PUT " + std::string(kTokenPath) + " answered " + status +
                                   ": no IMDSv2 here (IMDSv1 is never used)");
  }
  return Status::Unavailable("PUT " + std::string(kTokenPath) + " answered " + status);
}

Result<std::string> ImdsCredentialsSource::Get(const std::string& path) {
  for (int round = 0; round < 2; ++round) {
    if (token_.empty() || clock_.Now() >= token_renew_at_) {
      if (Status token = FetchToken(); !token.ok()) return token;
    }
    Result<Answer> answer = Send("GET", path, true);
    if (!answer.ok()) return answer.status();
    if (answer->status == 200) return std::move(answer.value().body);
    if (answer->status == 401 && round == 0) {  // the token expired or was revoked: once more
      token_.clear();
      continue;
    }
    const std::string what = "GET " + path + " answered " + std::to_string(answer->status);
    if (answer->status == 404) {
      return Status::InvalidArgument(path == kRolesPath
                                         ? what + ": no IAM role is attached to this instance"
                                         : what + ": the instance's role is gone");
    }
    return answer->status >= 500 ? Status::Unavailable(what) : Status::InvalidArgument(what);
  }
  return Status::Unavailable("GET " + path + " answered 401 with a fresh token");
}

Result<ExpiringCredentials> ImdsCredentialsSource::TryFetch() {
  Result<std::string> listing = Get(std::string(kRolesPath));
  if (!listing.ok()) return listing.status();
  std::string_view role = *listing;
  role = role.substr(0, role.find('\n'));
  while (!role.empty() && (role.back() == '\r' || role.back() == ' ')) role.remove_suffix(1);
  if (role.empty() || role.size() > kMaxRoleName ||
      !std::all_of(role.begin(), role.end(), IsRoleNameChar)) {
    return Status::InvalidArgument("the role listing is not an IAM role name");
  }
  Result<std::string> document = Get(std::string(kRolesPath) + std::string(role));
  if (!document.ok()) return document.status();
  Result<ExpiringCredentials> credentials =
      ParseCredentialsDocument(*document, CredentialsDocument::kMetadata);
  if (!credentials.ok()) {
    return Status::InvalidArgument("the credentials of role " + std::string(role) + ": " +
                                   credentials.status().message());
  }
  return credentials;
}

Result<ExpiringCredentials> ImdsCredentialsSource::Fetch() {
  Status last;
  for (int attempt = 0; attempt < kMetadataAttempts; ++attempt) {
    Result<ExpiringCredentials> credentials = TryFetch();
    if (credentials.ok()) return credentials;
    last = credentials.status();
    // kInvalidArgument: the service answered, and asking again will not change its answer.
    if (last.code() == StatusCode::kInvalidArgument) break;
  }
  return Failure(last.message());
}

}  // namespace hitcounter::aws
