// ContainerCredentialsSource: credentials from a container credentials endpoint, as ECS (task
// roles) and EKS Pod Identity serve them: GET the URL, with the authorization token, if any, as
// the Authorization header; the answer is the credentials JSON (credentials_json.h).
//
//   AWS_CONTAINER_CREDENTIALS_RELATIVE_URI  path on ECS's http://169.254.170.2 (wins)
//   AWS_CONTAINER_CREDENTIALS_FULL_URI      any https URL; an http URL only when its host is
//                                           a loopback address, ECS's 169.254.170.2 or EKS's
//                                           169.254.170.23 / fd00:ec2::23 (a name must resolve
//                                           to such addresses only, and is checked at each
//                                           fetch), so that the token never crosses a network
//                                           in the clear (the Rust, Java v2 and CRT SDKs' rule)
//   AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE  the token, read again at each fetch (EKS rotates
//                                           it); wins over
//   AWS_CONTAINER_AUTHORIZATION_TOKEN       the token itself
// (The chain reads these, credentials_chain.h.) A token holding CR or LF is refused: it would
// inject headers. The endpoint is never reached through a proxy.
//
// Each request has kContainerTimeout; a fetch makes up to kContainerAttempts tries when the
// endpoint cannot be reached or answers 5xx (the CRT's ECS provider: 2 s, 3 attempts).
//
// Thread safety: a CredentialsSource, called by one thread at a time.
#ifndef HITCOUNTER_AWS_CONTAINER_CREDENTIALS_H_
#define HITCOUNTER_AWS_CONTAINER_CREDENTIALS_H_

#include <chrono>
#include <memory>
#include <string>

#include "aws/credentials_provider.h"
#include "aws/http_client.h"
#include "aws/url.h"

namespace hitcounter::aws {

inline constexpr std::chrono::milliseconds kContainerTimeout{2'000};
inline constexpr int kContainerAttempts = 3;
// An EKS Pod Identity token is a ~1 KB JWT.
inline constexpr std::size_t kMaxContainerTokenBytes = 16 * 1024;

// OK when credentials may be fetched from `url` over plain http with a token: its host is a
// loopback address, 169.254.170.2, 169.254.170.23 or fd00:ec2::23 (a name: every address it
// resolves to is). Always OK for https. kInvalidArgument naming the host otherwise.
Status CheckContainerHost(const Url& url);

class ContainerCredentialsSource final : public CredentialsSource {
 public:
  // GETs `url` with `token` (or, when `token_file` is not empty, the file's content) as its
  // Authorization header. `tls` is needed for an https URL (else may be null).
  ContainerCredentialsSource(Url url, std::string token, std::string token_file,
                             std::shared_ptr<TlsContext> tls);

  Result<ExpiringCredentials> Fetch() override;
  std::string Name() const override;

 private:
  Result<ExpiringCredentials> TryFetch(const std::string& token, bool& retry);

  const Url url_;
  const std::string token_;
  const std::string token_file_;
  const std::shared_ptr<TlsContext> tls_;
};

}  // namespace hitcounter::aws

#endif  // HITCOUNTER_AWS_CONTAINER_CREDENTIALS_H_
