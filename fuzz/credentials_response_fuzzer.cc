// What credentials services answer, on any body: STS's XML (aws/sts_client.h), the instance
// metadata, container and credential_process JSON documents (aws/credentials_json.h), the
// timestamps in them, and the URLs and NO_PROXY lists read from the environment (aws/url.h,
// aws/proxy.h).
//
// Invariants: accepted credentials always have an access key id and a secret, and from STS and
// the metadata endpoints a session token and an expiration too; a refusal's message is short
// (it describes, it never echoes the body, which may hold a secret); an accepted timestamp is a
// full date and time; an accepted URL has a host, a port and a path starting with '/'; a
// redacted URL shows its user-info's name but "***" for its password.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "aws/credentials_json.h"
#include "aws/proxy.h"
#include "aws/sts_client.h"
#include "aws/url.h"
#include "fuzz/fuzz_check.h"

namespace {

using namespace hitcounter;
using namespace hitcounter::aws;

// Longer than any message the parsers write, shorter than a body that would be echoed.
constexpr std::size_t kMaxRefusal = 200;

void CheckCredentials(const Result<ExpiringCredentials>& parsed, bool temporary) {
  if (!parsed.ok()) {
    FUZZ_CHECK(parsed.status().message().size() < kMaxRefusal);
    return;
  }
  FUZZ_CHECK(!parsed->credentials.access_key_id.empty());
  FUZZ_CHECK(!parsed->credentials.secret_access_key.empty());
  if (temporary) {
    FUZZ_CHECK(!parsed->credentials.session_token.empty());
    FUZZ_CHECK(parsed->expiration.has_value());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);

  CheckCredentials(ParseStsCredentials("AssumeRole", body), true);
  CheckCredentials(ParseStsCredentials("AssumeRoleWithWebIdentity", body), true);
  if (std::optional<StsError> error = ParseStsError(body)) {
    FUZZ_CHECK(error->message.size() <= 300);
  }
  CheckCredentials(ParseCredentialsDocument(body, CredentialsDocument::kMetadata), true);
  CheckCredentials(ParseCredentialsDocument(body, CredentialsDocument::kProcess), false);

  if (ParseIso8601(body)) FUZZ_CHECK(body.size() >= 20);

  if (Result<Url> url = ParseUrl(body); url.ok()) {
    FUZZ_CHECK(!url->endpoint.host.empty());
    FUZZ_CHECK(url->endpoint.port != 0);
    FUZZ_CHECK(!url->path_and_query.empty() && url->path_and_query.front() == '/');
    const std::size_t colon = url->user_info.find(':');
    if (colon != std::string::npos) {
      // The password, whatever it is, is replaced; the rest of the URL is kept.
      const std::string kept = std::string(url->endpoint.tls ? "https://" : "http://") +
                               url->user_info.substr(0, colon) + ":***@";
      FUZZ_CHECK(RedactUrl(body).rfind(kept, 0) == 0);
    }
  } else {
    FUZZ_CHECK(url.status().message().size() < kMaxRefusal + 2 * body.size());
  }
  (void)NoProxyMatches(body, "dynamodb.eu-west-1.amazonaws.com", 443);
  (void)NoProxyMatches(body, "fd00:ec2::254", 80);
  return 0;
}
