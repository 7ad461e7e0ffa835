// Url: the http(s) URLs hitcounter reads from its environment besides service endpoints: proxies
// (HTTPS_PROXY), the container credentials endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI) and
// the instance metadata endpoint (AWS_EC2_METADATA_SERVICE_ENDPOINT).
//
// Pure functions; safe from any thread.
#ifndef HITCOUNTER_AWS_URL_H_
#define HITCOUNTER_AWS_URL_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "aws/aws_config.h"
#include "hitcounter/status.h"

namespace hitcounter::aws {

struct Url {
  Endpoint endpoint;      // scheme, host (an IPv6 literal without its brackets), port
  std::string user_info;  // "user:password" as written (still percent-encoded); may be empty
  std::string path_and_query = "/";  // "/path?query", "/" when the URL has none
};

// Parses "http(s)://[user-info@]host[:port][/path][?query]". The host may be a name, an IPv4
// address or a bracketed IPv6 literal; the port defaults to the scheme's (80, 443). A fragment,
// whitespace, control characters or another scheme are refused: kInvalidArgument with a
// message that quotes the URL without its user-info (which may hold a password).
Result<Url> ParseUrl(std::string_view text);

// `text` with the password of its user-info, if any, replaced by "***": safe to print.
std::string RedactUrl(std::string_view text);

// Decodes %XX escapes. kInvalidArgument for a '%' not followed by two hex digits.
Result<std::string> PercentDecode(std::string_view text);

// application/x-www-form-urlencoded as the AWS Query protocol wants it: every byte but
// A-Z a-z 0-9 - _ . ~ becomes %XX (upper-case hex).
std::string FormEncode(std::string_view text);

}  // namespace hitcounter::aws

#endif  // HITCOUNTER_AWS_URL_H_
