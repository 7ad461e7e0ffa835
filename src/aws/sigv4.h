// AWS Signature Version 4 request signing with headers (no presigned URLs), for the DynamoDB
// calls hitcounter makes.
//
// Hand-written on purpose: no well-kept C++ SigV4 signer is packaged in Debian (the AWS C++ SDK
// is not), and the rules are small. SHA-256 and HMAC come from OpenSSL 3. The canonicalisation
// follows awslabs/aws-c-auth and is checked against its SigV4 test suite
// (tests/data/sigv4, run by sigv4_test.cc).
//
// Every function here is pure: no clock, no I/O, no shared state. They are safe to call from any
// thread. The caller owns all inputs; results are returned by value.
#ifndef HITCOUNTER_AWS_SIGV4_H_
#define HITCOUNTER_AWS_SIGV4_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hitcounter/status.h"

namespace hitcounter::aws {

// One HTTP header as it goes on the wire: name, value.
using Header = std::pair<std::string, std::string>;

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty for long-term credentials
};

struct HttpRequestToSign {
  std::string method;  // "POST"
  // The path exactly as sent on the wire (already percent-encoded), without the query. It is
  // URI-encoded once more for the canonical request, as every service but S3 expects: "/a%20b"
  // is signed as "/a%2520b".
  std::string path;
  std::string query;  // the raw query string without '?'; may be empty
  // The headers as they will be sent; Host must be among them. Values may be folded over
  // several lines ("\n" followed by blanks); whitespace runs are signed as a single space.
  std::vector<Header> headers;
  std::string body;
};

struct SigningParams {
  std::string region;         // "eu-west-1"
  std::string service;        // "dynamodb"
  std::int64_t unix_seconds;  // the signing time (X-Amz-Date), from the caller's Clock
  // Remove "." and ".." segments and repeated slashes before encoding the path (all services
  // but S3).
  bool normalize_path = true;
  // Also send and sign X-Amz-Content-Sha256 (S3 wants it; DynamoDB does not).
  bool add_content_sha256_header = false;
  // When false, X-Amz-Security-Token is still added but left out of the signature, as a few
  // services (e.g. IoT websockets) expect. DynamoDB wants it signed.
  bool sign_session_token = true;
};

// Signs `request` and returns the headers to add to it, in this order:
// X-Amz-Security-Token (only with a session token), X-Amz-Date, X-Amz-Content-Sha256 (only when
// asked for) and Authorization.
//
// Headers proxies rewrite (User-Agent, Connection, Upgrade, X-Amzn-Trace-Id, Sec-WebSocket-*)
// are sent but not signed.
//
// Fails with kInvalidArgument when the request has no Host header, already carries
// Authorization, X-Amz-Date, X-Amz-Security-Token or X-Amz-Content-Sha256, or has a method or
// header name that is not an HTTP token; when the access key id, region or service is empty or
// holds characters that would break the credential scope ("/", ",", spaces...), the secret is
// empty or the session token is not printable ASCII; or when unix_seconds is outside the years
// 1970..9999.
// Fails with kInternal when OpenSSL cannot compute a digest.
Result<std::vector<Header>> SignRequest(const HttpRequestToSign& request,
                                        const Credentials& credentials,
                                        const SigningParams& params);

// The canonical request SignRequest signs: method, canonical URI, canonical query, canonical
// headers (including the ones SignRequest adds), signed header names and the body's SHA-256,
// separated by "\n". Fails as SignRequest does.
Result<std::string> CanonicalRequest(const HttpRequestToSign& request,
                                     const Credentials& credentials, const SigningParams& params);

// "AWS4-HMAC-SHA256\n<X-Amz-Date>\n<date>/<region>/<service>/aws4_request\n<hex SHA-256 of
// canonical_request>". Fails with kInvalidArgument for a bad region, service or time, and with
// kInternal when OpenSSL fails.
Result<std::string> StringToSign(std::string_view canonical_request, const SigningParams& params);

// The SHA-256 of `data` as 64 lower-case hex digits. Fails with kInternal only when OpenSSL
// cannot compute it (e.g. no usable provider).
Result<std::string> Sha256Hex(std::string_view data);

}  // namespace hitcounter::aws

#endif  // HITCOUNTER_AWS_SIGV4_H_
