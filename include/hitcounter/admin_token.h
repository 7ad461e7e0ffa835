// AdminToken: the optional secret that guards the read-only endpoints ({prefix}stats,
// {prefix}dashboard, {prefix}metrics).
//
// A client presents it in the Authorization header, either as `Bearer <token>` (scripts,
// Prometheus) or as HTTP Basic with any user name and the token as password (a browser opening
// the dashboard: it prompts once, then sends the credentials with the page's own requests).
//
// The comparison takes the same time whatever the presented token: both sides are hashed with
// SHA-256 and the digests compared with CRYPTO_memcmp, so neither the length nor a matching
// prefix leaks. The token itself is not kept, only its digest, so no copy of it can reach a log.
// Where even the token should not be stored (the Lambda function's environment), the guard is
// built from the digest alone (FromSha256Hex): the token then exists only with its holders.
//
// Immutable after construction: Accepts may be called from any thread.
#ifndef HITCOUNTER_ADMIN_TOKEN_H_
#define HITCOUNTER_ADMIN_TOKEN_H_

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "hitcounter/status.h"

namespace hitcounter {

// The value of the WWW-Authenticate header of a 401: Basic, so that a browser asks for it.
inline constexpr std::string_view kAdminChallenge = R"(Basic realm="hitcounter", charset="UTF-8")";

// A SHA-256 digest written in hex: 32 bytes, two digits each.
inline constexpr std::size_t kSha256HexDigits = 64;

// OK when `token` can be presented both ways: kInvalidArgument when it starts or ends with a
// space or tab (a Bearer header's value loses them, a Basic password keeps them: the token
// would work one way only) or holds a control character (no header can carry it).
Status ValidateAdminToken(std::string_view token);

class AdminToken {
 public:
  // `token` empty: no token is required and every request is accepted.
  explicit AdminToken(std::string_view token);

  // The guard for the token whose SHA-256 is `digest_hex` (kSha256HexDigits hex digits, either
  // case), without knowing the token. kInvalidArgument for anything else, and for the digest of
  // the empty token, which no request could present.
  static Result<AdminToken> FromSha256Hex(std::string_view digest_hex);

  bool required() const { return required_; }

  // True when no token is required, or when `authorization` (an Authorization header's value,
  // empty when there was none) presents the token.
  bool Accepts(std::string_view authorization) const;

 private:
  using Digest = std::array<unsigned char, 32>;
  explicit AdminToken(const Digest& digest) : required_(true), digest_(digest) {}

  bool required_;
  Digest digest_{};  // SHA-256 of the token
};

// The secret an Authorization header presents: the token of `Bearer <token>`, or the password
// of `Basic base64(user:password)` (schemes in any case). nullopt for anything else, including
// Basic credentials that are not valid base64 or have no ':'.
std::optional<std::string> PresentedSecret(std::string_view authorization);

// `text` decoded from standard base64 (RFC 4648 §4, padding optional); nullopt when `text` holds
// anything else.
std::optional<std::string> DecodeBase64(std::string_view text);

}  // namespace hitcounter

#endif  // HITCOUNTER_ADMIN_TOKEN_H_
