#include "aws/sigv4.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/text.h"

namespace hitcounter::aws {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kScopeTerminator = "aws4_request";

// X-Amz-Date spells the year with four digits; 9999-12-31T23:59:59Z is the last instant it can
// express. Earlier than 1970 is refused too: no AWS credential is that old.
constexpr std::int64_t kMaxUnixSeconds = 253'402'300'799;

constexpr std::size_t kSha256Bytes = 32;
using Digest = std::array<unsigned char, kSha256Bytes>;

// Headers the signer adds itself. A request that already has one is refused rather than sent
// with two different values.
constexpr std::array<std::string_view, 4> kSignerHeaders = {"authorization", "x-amz-content-sha256",
                                                            "x-amz-date", "x-amz-security-token"};

// Headers left out of the signature because proxies and HTTP stacks add, drop or rewrite them
// on the way (the same list as awslabs/aws-c-auth).
constexpr std::array<std::string_view, 7> kUnsignedHeaders = {
    "connection", "sec-websocket-key", "sec-websocket-protocol", "sec-websocket-version",
    "upgrade",    "user-agent",        "x-amzn-trace-id"};

// ---- Characters and encodings ---------------------------------------------------------------

bool IsAsciiAlnum(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// RFC 3986 unreserved characters: the only ones SigV4 leaves unencoded.
bool IsUnreserved(char c) {
  return IsAsciiAlnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

// RFC 9110 token characters, for header names and the method.
bool IsTokenChar(char c) {
  return IsAsciiAlnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool IsToken(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), IsTokenChar);
}

// Region, service and access key id end up in the credential scope "AKID/date/region/service/",
// so they must not contain '/', ',', spaces or anything else exotic.
bool IsScopePart(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return IsAsciiAlnum(c) || c == '-' || c == '_' || c == '.';
  });
}

// Printable ASCII only: a session token with CR or LF would inject headers.
bool IsPrintableAscii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= ' ' && c <= '~'; });
}

bool IsHeaderSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes %XX escapes; a '%' not followed by two hex digits stays a literal '%'.
std::string PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const int high = text[i] == '%' && i + 2 < text.size() ? HexValue(text[i + 1]) : -1;
    const int low = high >= 0 ? HexValue(text[i + 2]) : -1;
    if (low < 0) {
      out.push_back(text[i]);
      continue;
    }
    out.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return out;
}

// Percent-encodes every byte but the unreserved ones (and '/', when asked), upper-case hex.
std::string PercentEncode(std::string_view text, bool keep_slash) {
  static constexpr char kHexDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out.push_back(c);
      continue;
    }
    const auto byte = static_cast<unsigned char>(c);
    out.push_back('%');
    out.push_back(kHexDigits[byte >> 4]);
    out.push_back(kHexDigits[byte & 0x0F]);
  }
  return out;
}

std::string LowerHex(const Digest& digest) {
  static constexpr char kHexDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * digest.size());
  for (unsigned char byte : digest) {
    out.push_back(kHexDigits[byte >> 4]);
    out.push_back(kHexDigits[byte & 0x0F]);
  }
  return out;
}

// ---- Canonical request parts -----------------------------------------------------------------

// Drops empty and "." segments, lets ".." remove the segment before it, and keeps a trailing
// slash: "//a/./b/../c/" becomes "/a/c/".
std::string NormalizePath(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view segment = path.substr(start, end - start);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    start = end + 1;
  }
  const bool ends_with_slash = !path.empty() && path.back() == '/';
  std::string out = "/";
  for (std::size_t i = 0; i < segments.size(); ++i) {
    out.append(segments[i]);
    if (i + 1 < segments.size() || ends_with_slash) out.push_back('/');
  }
  return out;
}

std::string CanonicalUri(std::string_view path, bool normalize) {
  if (normalize) return PercentEncode(NormalizePath(path), /*keep_slash=*/true);
  if (path.empty()) return "/";
  return PercentEncode(path, /*keep_slash=*/true);
}

// Each parameter is decoded, then encoded the SigV4 way (so "%E1%88%B4" and the raw UTF-8 bytes
// sign alike), and the list is sorted by name, then value. A name without '=' gets an empty
// value. '+' is a literal plus, not a space.
std::string CanonicalQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  std::size_t start = 0;
  while (start < query.size()) {
    std::size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    const std::string_view param = query.substr(start, end - start);
    start = end + 1;
    if (param.empty()) continue;
    const std::size_t equals = param.find('=');
    const std::string_view name = param.substr(0, equals);
    const std::string_view value =
        equals == std::string_view::npos ? std::string_view() : param.substr(equals + 1);
    params.emplace_back(PercentEncode(PercentDecode(name), /*keep_slash=*/false),
                        PercentEncode(PercentDecode(value), /*keep_slash=*/false));
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out.push_back('&');
    out.append(name).append("=").append(value);
  }
  return out;
}

// Trims the value and turns every run of whitespace (including the line breaks of a folded
// value) into one space.
std::string CanonicalHeaderValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  bool space_pending = false;
  for (char c : value) {
    if (IsHeaderSpace(c)) {
      space_pending = !out.empty();
      continue;
    }
    if (space_pending) out.push_back(' ');
    space_pending = false;
    out.push_back(c);
  }
  return out;
}

bool IsUnsignedHeader(std::string_view lower_name) {
  return std::find(kUnsignedHeaders.begin(), kUnsignedHeaders.end(), lower_name) !=
         kUnsignedHeaders.end();
}

struct CanonicalHeaders {
  std::string block;           // "name:value\n" per header name
  std::string signed_headers;  // "name;name;..."
};

// Sorts by lower-case name; repeated names keep their order and join their values with ','.
CanonicalHeaders BuildCanonicalHeaders(const std::vector<Header>& headers) {
  std::vector<std::pair<std::string, std::string>> lowered;
  lowered.reserve(headers.size());
  for (const auto& [name, value] : headers) {
    std::string lower_name = AsciiLower(name);
    if (IsUnsignedHeader(lower_name)) continue;
    lowered.emplace_back(std::move(lower_name), CanonicalHeaderValue(value));
  }
  std::stable_sort(lowered.begin(), lowered.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  CanonicalHeaders out;
  for (std::size_t i = 0; i < lowered.size(); ++i) {
    const bool repeats_previous = i > 0 && lowered[i].first == lowered[i - 1].first;
    if (repeats_previous) {
      out.block.back() = ',';  // replaces the previous line's '\n'
    } else {
      if (!out.signed_headers.empty()) out.signed_headers.push_back(';');
      out.signed_headers.append(lowered[i].first);
      out.block.append(lowered[i].first).push_back(':');
    }
    out.block.append(lowered[i].second).push_back('\n');
  }
  return out;
}

// ---- Time, digests and the signing key --------------------------------------------------------

void AppendDigits(unsigned value, int width, std::string& out) {
  std::string digits(static_cast<std::size_t>(width), '0');
  for (int i = width - 1; i >= 0; --i, value /= 10) {
    digits[static_cast<std::size_t>(i)] = static_cast<char>('0' + value % 10);
  }
  out.append(digits);
}

struct SigningTime {
  std::string date;       // "20150830", for the credential scope
  std::string date_time;  // "20150830T123600Z", for X-Amz-Date
};

// Pure arithmetic, like core/time_format.cc (no gmtime_r). The caller checked the range.
SigningTime FormatSigningTime(std::int64_t unix_seconds) {
  using namespace std::chrono;
  const sys_seconds time{seconds{unix_seconds}};
  const sys_days day = floor<days>(time);
  const year_month_day date{day};
  const hh_mm_ss<seconds> clock{time - day};
  SigningTime out;
  AppendDigits(static_cast<unsigned>(int{date.year()}), 4, out.date);
  AppendDigits(unsigned{date.month()}, 2, out.date);
  AppendDigits(unsigned{date.day()}, 2, out.date);
  out.date_time = out.date + "T";
  AppendDigits(static_cast<unsigned>(clock.hours().count()), 2, out.date_time);
  AppendDigits(static_cast<unsigned>(clock.minutes().count()), 2, out.date_time);
  AppendDigits(static_cast<unsigned>(clock.seconds().count()), 2, out.date_time);
  out.date_time.push_back('Z');
  return out;
}

std::string CredentialScope(const SigningTime& time, const SigningParams& params) {
  return time.date + "/" + params.region + "/" + params.service + "/" +
         std::string(kScopeTerminator);
}

std::string_view AsChars(const Digest& digest) {
  return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

// SHA-256, fetched from OpenSSL's providers once. EVP_sha256() makes OpenSSL 3 look the
// algorithm up again on every digest, which cost more than the hashing (callgrind).
const EVP_MD* Sha256Algorithm() {
  static EVP_MD* const algorithm = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return algorithm;
}

Result<Digest> Sha256(std::string_view data) {
  Digest digest{};
  unsigned int size = 0;
  const EVP_MD* algorithm = Sha256Algorithm();
  if (algorithm == nullptr ||
      EVP_Digest(data.data(), data.size(), digest.data(), &size, algorithm, nullptr) != 1 ||
      size != digest.size()) {
    return Status::Internal("OpenSSL could not compute a SHA-256 digest");
  }
  return digest;
}

Result<Digest> HmacSha256(std::string_view key, std::string_view data) {
  Digest mac{};
  std::size_t size = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(),
                reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac.data(),
                mac.size(), &size) == nullptr ||
      size != mac.size()) {
    return Status::Internal("OpenSSL could not compute an HMAC-SHA256");
  }
  return mac;
}

// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
// It changes once a day, so each thread keeps the last one it derived: four of the five HMACs
// of a signature, ~45% of a DynamoDB hit's CPU before (callgrind).
Result<Digest> SigningKey(std::string_view secret, const SigningTime& time,
                          const SigningParams& params) {
  struct Cached {
    std::string secret, date, region, service;
    Digest key{};
  };
  thread_local Cached cached;
  if (cached.secret == secret && cached.date == time.date && cached.region == params.region &&
      cached.service == params.service && !cached.secret.empty()) {
    return cached.key;
  }
  Result<Digest> key = HmacSha256("AWS4" + std::string(secret), time.date);
  for (std::string_view part :
       {std::string_view(params.region), std::string_view(params.service), kScopeTerminator}) {
    if (!key.ok()) return key;
    key = HmacSha256(AsChars(*key), part);
  }
  if (key.ok()) {
    cached = Cached{std::string(secret), time.date, params.region, params.service, *key};
  }
  return key;
}

// ---- Validation and assembly -------------------------------------------------------------------

Status ValidateScope(const SigningParams& params) {
  if (!IsScopePart(params.region)) {
    return Status::InvalidArgument("the region must be non-empty letters, digits, '-', '_', '.'");
  }
  if (!IsScopePart(params.service)) {
    return Status::InvalidArgument("the service must be non-empty letters, digits, '-', '_', '.'");
  }
  if (params.unix_seconds < 0 || params.unix_seconds > kMaxUnixSeconds) {
    return Status::InvalidArgument("the signing time must fall in the years 1970 to 9999");
  }
  return Status::Ok();
}

Status Validate(const HttpRequestToSign& request, const Credentials& credentials,
                const SigningParams& params) {
  if (Status scope = ValidateScope(params); !scope.ok()) return scope;
  if (!IsScopePart(credentials.access_key_id)) {
    return Status::InvalidArgument("the access key id must be non-empty letters and digits");
  }
  if (credentials.secret_access_key.empty()) {
    return Status::InvalidArgument("the secret access key is empty");
  }
  if (!IsPrintableAscii(credentials.session_token)) {
    return Status::InvalidArgument("the session token must be printable ASCII");
  }
  if (!IsToken(request.method)) return Status::InvalidArgument("the method is not a token");
  bool has_host = false;
  for (const auto& [name, value] : request.headers) {
    if (!IsToken(name)) return Status::InvalidArgument("a header name is not a token");
    const std::string lower_name = AsciiLower(name);
    if (std::find(kSignerHeaders.begin(), kSignerHeaders.end(), lower_name) !=
        kSignerHeaders.end()) {
      return Status::InvalidArgument("the request already has " + name + ", which the signer adds");
    }
    if (lower_name == "host" && !CanonicalHeaderValue(value).empty()) has_host = true;
  }
  if (!has_host) return Status::InvalidArgument("the request has no Host header");
  return Status::Ok();
}

struct AddedHeader {
  Header header;
  bool is_signed;
};

// The headers SignRequest adds before Authorization, in the order it returns them.
std::vector<AddedHeader> HeadersToAdd(const Credentials& credentials, const SigningParams& params,
                                      const SigningTime& time, const std::string& payload_hash) {
  std::vector<AddedHeader> out;
  if (!credentials.session_token.empty()) {
    out.push_back({{"X-Amz-Security-Token", credentials.session_token}, params.sign_session_token});
  }
  out.push_back({{"X-Amz-Date", time.date_time}, true});
  if (params.add_content_sha256_header) {
    out.push_back({{"X-Amz-Content-Sha256", payload_hash}, true});
  }
  return out;
}

struct Canonical {
  std::string request;
  std::string signed_headers;
};

Canonical BuildCanonicalRequest(const HttpRequestToSign& request,
                                const std::vector<AddedHeader>& added,
                                const std::string& payload_hash, bool normalize_path) {
  std::vector<Header> headers = request.headers;
  for (const AddedHeader& extra : added) {
    if (extra.is_signed) headers.push_back(extra.header);
  }
  CanonicalHeaders canonical_headers = BuildCanonicalHeaders(headers);
  Canonical out;
  out.request.append(request.method).push_back('\n');
  out.request.append(CanonicalUri(request.path, normalize_path)).push_back('\n');
  out.request.append(CanonicalQuery(request.query)).push_back('\n');
  out.request.append(canonical_headers.block).push_back('\n');
  out.request.append(canonical_headers.signed_headers).push_back('\n');
  out.request.append(payload_hash);
  out.signed_headers = std::move(canonical_headers.signed_headers);
  return out;
}

Result<std::string> BuildStringToSign(std::string_view canonical_request, const SigningTime& time,
                                      const SigningParams& params) {
  Result<Digest> hash = Sha256(canonical_request);
  if (!hash.ok()) return hash.status();
  return std::string(kAlgorithm) + "\n" + time.date_time + "\n" + CredentialScope(time, params) +
         "\n" + LowerHex(*hash);
}

}  // namespace

Result<std::string> Sha256Hex(std::string_view data) {
  Result<Digest> digest = Sha256(data);
  if (!digest.ok()) return digest.status();
  return LowerHex(*digest);
}

Result<std::string> StringToSign(std::string_view canonical_request, const SigningParams& params) {
  if (Status scope = ValidateScope(params); !scope.ok()) return scope;
  return BuildStringToSign(canonical_request, FormatSigningTime(params.unix_seconds), params);
}

Result<std::string> CanonicalRequest(const HttpRequestToSign& request,
                                     const Credentials& credentials, const SigningParams& params) {
  if (Status valid = Validate(request, credentials, params); !valid.ok()) return valid;
  Result<std::string> payload_hash = Sha256Hex(request.body);
  if (!payload_hash.ok()) return payload_hash.status();
  const SigningTime time = FormatSigningTime(params.unix_seconds);
  return BuildCanonicalRequest(request, HeadersToAdd(credentials, params, time, *payload_hash),
                               *payload_hash, params.normalize_path)
      .request;
}

Result<std::vector<Header>> SignRequest(const HttpRequestToSign& request,
                                        const Credentials& credentials,
                                        const SigningParams& params) {
  if (Status valid = Validate(request, credentials, params); !valid.ok()) return valid;
  Result<std::string> payload_hash = Sha256Hex(request.body);
  if (!payload_hash.ok()) return payload_hash.status();
  const SigningTime time = FormatSigningTime(params.unix_seconds);
  std::vector<AddedHeader> added = HeadersToAdd(credentials, params, time, *payload_hash);
  const Canonical canonical =
      BuildCanonicalRequest(request, added, *payload_hash, params.normalize_path);

  Result<std::string> string_to_sign = BuildStringToSign(canonical.request, time, params);
  if (!string_to_sign.ok()) return string_to_sign.status();
  Result<Digest> key = SigningKey(credentials.secret_access_key, time, params);
  if (!key.ok()) return key.status();
  Result<Digest> signature = HmacSha256(AsChars(*key), *string_to_sign);
  if (!signature.ok()) return signature.status();

  std::vector<Header> out;
  out.reserve(added.size() + 1);
  for (AddedHeader& extra : added) out.push_back(std::move(extra.header));
  out.emplace_back("Authorization",
                   std::string(kAlgorithm) + " Credential=" + credentials.access_key_id + "/" +
                       CredentialScope(time, params) + ", SignedHeaders=" +
                       canonical.signed_headers + ", Signature=" + LowerHex(*signature));
  return out;
}

}  // namespace hitcounter::aws
