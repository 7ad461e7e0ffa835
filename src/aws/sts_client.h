// StsClient: the two AWS STS calls the credentials chain makes, AssumeRole (a profile's
// role_arn with source_profile or credential_source) and AssumeRoleWithWebIdentity (EKS IRSA,
// AWS_WEB_IDENTITY_TOKEN_FILE).
//
// STS speaks the AWS Query protocol: a form-encoded POST / (Action=...&Version=2011-06-15&...)
// answered with XML. AssumeRole is signed (SigV4, service "sts") with the source credentials;
// AssumeRoleWithWebIdentity is not signed: the web identity token is the proof. The endpoint
// is the region's (https://sts.REGION.amazonaws.com, .com.cn in China), or AWS_ENDPOINT_URL_STS,
// or AWS_ENDPOINT_URL (aws_config.h: ResolveEndpoint); the global endpoint is never used.
//
// Answers are read with Expat (Debian's libexpat, the XML parser CPython and Firefox ship): a
// conforming, non-validating parser that never fetches external entities. On top of that a
// document with a DOCTYPE is refused outright (STS never sends one, and without it no entity
// can be declared: no "billion laughs"), and the few elements needed must each appear exactly
// once at their exact place, holding text only.
//
// Retries: a call is sent again (at most kStsMaxAttempts in all, never past the deadline) when
// the connection failed, no answer came, STS answered 5xx or throttled, or the identity
// provider could not be reached (IDPCommunicationError, as the SDKs retry it): replaying a call
// that mints credentials is harmless.
//
// Nothing here logs. Messages name the call, the role ARN and STS's error code and message;
// never a key, a session token or the web identity token.
//
// Thread safety: one StsClient is used by one thread at a time (its transport keeps a
// connection). The parse functions are pure.
#ifndef HITCOUNTER_AWS_STS_CLIENT_H_
#define HITCOUNTER_AWS_STS_CLIENT_H_

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "aws/aws_config.h"
#include "aws/credentials_provider.h"
#include "aws/http_client.h"
#include "hitcounter/clock.h"
#include "hitcounter/status.h"

namespace hitcounter::aws {

inline constexpr int kStsMaxAttempts = 3;
// The wait before the first retry; the second waits twice as long.
inline constexpr std::chrono::milliseconds kStsRetryBackoff{100};
// An STS answer is ~1.5 KB (credentials, the assumed role); anything this big is not one.
inline constexpr std::size_t kMaxStsResponseBytes = 64 * 1024;
// The longest role session name STS accepts (RoleSessionName: 2-64 of [\w+=,.@-]).
inline constexpr std::size_t kMaxRoleSessionName = 64;

struct AssumeRoleParams {
  std::string role_arn;
  std::string session_name;
  std::string external_id;              // empty: not sent
  std::optional<int> duration_seconds;  // none: STS's default (1 hour)
};

struct WebIdentityParams {
  std::string role_arn;
  std::string session_name;
  std::string token;  // the OIDC token itself (read from its file by the caller)
};

// What STS answered with an error: <ErrorResponse><Error><Code>..</Code><Message>..</Message>.
struct StsError {
  std::string code;
  std::string message;
};

class StsClient {
 public:
  // Calls go to `endpoint` through `transport`, signed for `region` at the time `clock` tells
  // (`clock` must outlive the client).
  StsClient(std::string region, Endpoint endpoint, std::unique_ptr<HttpTransport> transport,
            const Clock& clock);

  // The role's temporary credentials (with their expiration), or kUnavailable naming the
  // role, STS's error code and message.
  Result<ExpiringCredentials> AssumeRole(const AssumeRoleParams& params, const Credentials& source,
                                         Deadline deadline);
  Result<ExpiringCredentials> AssumeRoleWithWebIdentity(const WebIdentityParams& params,
                                                        Deadline deadline);

  const Endpoint& endpoint() const { return endpoint_; }

 private:
  Result<ExpiringCredentials> Call(std::string_view action, const std::string& role_arn,
                                   const std::string& form, const Credentials* signer,
                                   Deadline deadline);

  const std::string region_;
  const Endpoint endpoint_;
  const std::unique_ptr<HttpTransport> transport_;
  const Clock& clock_;
};

// The credentials in a successful answer to `action` ("AssumeRole"):
// <{action}Response><{action}Result><Credentials> with AccessKeyId, SecretAccessKey,
// SessionToken and Expiration. kUnavailable saying what is wrong (never quoting values).
Result<ExpiringCredentials> ParseStsCredentials(std::string_view action, std::string_view xml);

// The code and message of an <ErrorResponse>; nullopt when `xml` is not one.
std::optional<StsError> ParseStsError(std::string_view xml);

}  // namespace hitcounter::aws

#endif  // HITCOUNTER_AWS_STS_CLIENT_H_
