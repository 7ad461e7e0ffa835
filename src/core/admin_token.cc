#include "hitcounter/admin_token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>

namespace hitcounter {
namespace {

using Digest = std::array<unsigned char, 32>;

Digest Sha256(std::string_view text) {
  Digest digest{};
  unsigned int size = 0;
  // EVP_Digest fails only when OpenSSL cannot allocate; the zero digest it leaves then matches
  // no token's digest but its own, and `required_` refuses an empty presented secret anyway.
  EVP_Digest(text.data(), text.size(), digest.data(), &size, EVP_sha256(), nullptr);
  return digest;
}

bool StartsWithScheme(std::string_view header, std::string_view scheme) {
  if (header.size() <= scheme.size() || header[scheme.size()] != ' ') return false;
  return std::equal(scheme.begin(), scheme.end(), header.begin(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) ==
           std::tolower(static_cast<unsigned char>(b));
  });
}

std::string_view TrimSpaces(std::string_view text) {
  std::size_t first = text.find_first_not_of(' ');
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(' ') - first + 1);
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

Status ValidateAdminToken(std::string_view token) {
  auto blank = [](char c) { return c == ' ' || c == '\t'; };
  if (!token.empty() && (blank(token.front()) || blank(token.back()))) {
    return Status::InvalidArgument(
        "the admin token starts or ends with a space or tab, which a Bearer header drops: "
        "remove them");
  }
  for (char c : token) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && c != '\t') || byte == 0x7F) {
      return Status::InvalidArgument(
          "the admin token holds a control character, which no header can carry");
    }
  }
  return Status::Ok();
}

// SHA-256 of the empty string, written out: comparing with it at start-up must not cost
// OpenSSL's first digest (loading its provider, ~0.4 ms of a Lambda cold start).
constexpr Digest kEmptySha256 = {0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4,
                                 0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b,
                                 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55};

AdminToken::AdminToken(std::string_view token)
    : required_(!token.empty()), digest_(token.empty() ? Digest{} : Sha256(token)) {}

Result<AdminToken> AdminToken::FromSha256Hex(std::string_view digest_hex) {
  Digest digest{};
  bool valid = digest_hex.size() == kSha256HexDigits;
  for (std::size_t i = 0; valid && i < digest.size(); ++i) {
    const int high = HexValue(digest_hex[2 * i]);
    const int low = HexValue(digest_hex[2 * i + 1]);
    valid = high >= 0 && low >= 0;
    digest[i] = static_cast<unsigned char>(valid ? high * 16 + low : 0);
  }
  if (!valid) {
    return Status::InvalidArgument("an admin token digest must be " +
                                   std::to_string(kSha256HexDigits) +
                                   " hex digits (the token's SHA-256), got " +
                                   std::to_string(digest_hex.size()) + " characters");
  }
  if (digest == kEmptySha256) {
    return Status::InvalidArgument(
        "the admin token digest is the SHA-256 of an empty token, which no request can present");
  }
  return AdminToken(digest);
}

bool AdminToken::Accepts(std::string_view authorization) const {
  if (!required_) return true;
  std::optional<std::string> secret = PresentedSecret(authorization);
  if (!secret || secret->empty()) return false;
  Digest presented = Sha256(*secret);
  return CRYPTO_memcmp(presented.data(), digest_.data(), digest_.size()) == 0;
}

std::optional<std::string> PresentedSecret(std::string_view authorization) {
  authorization = TrimSpaces(authorization);
  if (StartsWithScheme(authorization, "Bearer")) {
    return std::string(TrimSpaces(authorization.substr(6)));
  }
  if (!StartsWithScheme(authorization, "Basic")) return std::nullopt;
  std::optional<std::string> credentials = DecodeBase64(TrimSpaces(authorization.substr(5)));
  if (!credentials) return std::nullopt;
  std::size_t colon = credentials->find(':');
  if (colon == std::string::npos) return std::nullopt;
  return credentials->substr(colon + 1);
}

std::optional<std::string> DecodeBase64(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return std::nullopt;  // no byte ends after one sextet
  std::string out;
  out.reserve(text.size() * 3 / 4);
  unsigned bits = 0;
  int pending = 0;
  for (char c : text) {
    int value = Base64Value(c);
    if (value < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<unsigned>(value);
    pending += 6;
    if (pending >= 8) {
      pending -= 8;
      out.push_back(static_cast<char>((bits >> pending) & 0xFF));
    }
  }
  return out;
}

}  // namespace hitcounter
