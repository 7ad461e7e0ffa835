// SigV4 canonicalisation and signing (aws/sigv4.h) of any request. The input is a request as
// the AWS SigV4 test suite writes it (tests/data/sigv4/*/request.txt, read by
// tests/support/sigv4_suite_request.h): "METHOD TARGET HTTP/1.1",
// "Name:value" header lines (a line starting with a blank continues the value before), an
// empty line, the body. Each request is signed with and without path normalisation, with and
// without a session token.
//
// Invariants: CanonicalRequest and SignRequest accept and refuse the same requests; a canonical
// request is the method, a canonical URI (only unreserved characters, '/' and upper-case %XX
// escapes), a canonical query (sorted, encoded alike), the header block, the signed header
// names (sorted, lower case) and the body's SHA-256; the order of the query's parameters does
// not change it; signing is deterministic, and the Authorization header names the signed
// headers of the canonical request and a 64-digit signature.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "aws/sigv4.h"
#include "fuzz/fuzz_check.h"
#include "tests/support/sigv4_suite_request.h"

namespace hitcounter::aws {
namespace {

bool IsLowerHex(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool IsUpperHexDigit(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); }

// Only unreserved characters, `also`, and %XX escapes with upper-case hex digits.
bool IsSigV4Encoded(std::string_view text, std::string_view also) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return false;
      if (!IsUpperHexDigit(text[i + 1]) || !IsUpperHexDigit(text[i + 2])) return false;
      i += 2;
      continue;
    }
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (!unreserved && also.find(c) == std::string_view::npos) return false;
  }
  return true;
}

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t end = text.find(separator); end != std::string_view::npos;
       end = text.find(separator, start)) {
    parts.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  parts.push_back(text.substr(start));
  return parts;
}

void CheckCanonical(const HttpRequestToSign& request, bool normalize,
                    const std::string& canonical) {
  const std::vector<std::string_view> lines = Split(canonical, '\n');
  FUZZ_CHECK(lines.size() >= 6);
  FUZZ_CHECK(lines[0] == request.method);
  FUZZ_CHECK(IsSigV4Encoded(lines[1], "/"));
  // Unnormalised, a path is signed as given: one that is not absolute ("." or "a") stays so.
  if (normalize || request.path.empty() || request.path.front() == '/') {
    FUZZ_CHECK(!lines[1].empty() && lines[1].front() == '/');
  }
  // Sorted by name, then value (not as "name=value" text: "a-b=1" follows "a=2").
  std::vector<std::pair<std::string_view, std::string_view>> params;
  if (!lines[2].empty()) {
    for (std::string_view param : Split(lines[2], '&')) {
      const std::size_t equals = param.find('=');
      FUZZ_CHECK(equals != std::string_view::npos);
      params.emplace_back(param.substr(0, equals), param.substr(equals + 1));
      FUZZ_CHECK(IsSigV4Encoded(params.back().first, "") &&
                 IsSigV4Encoded(params.back().second, ""));
    }
  }
  FUZZ_CHECK(std::is_sorted(params.begin(), params.end()));
  const std::string_view payload_hash = lines.back();
  FUZZ_CHECK(payload_hash.size() == 64 && IsLowerHex(payload_hash));
  const std::vector<std::string_view> names = Split(lines[lines.size() - 2], ';');
  FUZZ_CHECK(std::is_sorted(names.begin(), names.end()));
  FUZZ_CHECK(std::adjacent_find(names.begin(), names.end()) == names.end());
  for (std::string_view name : names) {
    FUZZ_CHECK(!name.empty() &&
               std::none_of(name.begin(), name.end(), [](char c) { return c >= 'A' && c <= 'Z'; }));
  }
}

// The query with its parameters in the opposite order.
std::string Reversed(std::string_view query) {
  std::vector<std::string_view> params = Split(query, '&');
  std::reverse(params.begin(), params.end());
  std::string out;
  for (std::string_view param : params) {
    if (!out.empty()) out.push_back('&');
    out.append(param);
  }
  return out;
}

void CheckSigning(const HttpRequestToSign& request, const Credentials& credentials,
                  const SigningParams& params) {
  Result<std::string> canonical = CanonicalRequest(request, credentials, params);
  Result<std::vector<Header>> signed_headers = SignRequest(request, credentials, params);
  FUZZ_CHECK(canonical.ok() == signed_headers.ok());
  if (!canonical.ok()) return;
  CheckCanonical(request, params.normalize_path, *canonical);

  HttpRequestToSign reordered = request;
  reordered.query = Reversed(request.query);
  Result<std::string> reordered_canonical = CanonicalRequest(reordered, credentials, params);
  FUZZ_CHECK(reordered_canonical.ok() && *reordered_canonical == *canonical);

  Result<std::vector<Header>> again = SignRequest(request, credentials, params);
  FUZZ_CHECK(again.ok() && *again == *signed_headers);
  const Header& authorization = signed_headers->back();
  FUZZ_CHECK(authorization.first == "Authorization");
  const std::string signed_names = std::string(Split(*canonical, '\n').rbegin()[1]);
  FUZZ_CHECK(authorization.second.find(", SignedHeaders=" + signed_names + ", Signature=") !=
             std::string::npos);
  const std::string_view signature =
      std::string_view(authorization.second).substr(authorization.second.rfind('=') + 1);
  FUZZ_CHECK(signature.size() == 64 && IsLowerHex(signature));

  Result<std::string> string_to_sign = StringToSign(*canonical, params);
  FUZZ_CHECK(string_to_sign.ok() && string_to_sign->starts_with("AWS4-HMAC-SHA256\n"));
}

}  // namespace
}  // namespace hitcounter::aws

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hitcounter::aws;
  hitcounter::Result<HttpRequestToSign> parsed = hitcounter::testing::ParseSuiteRequest(
      std::string_view(reinterpret_cast<const char*>(data), size));
  if (!parsed.ok()) return 0;
  const HttpRequestToSign& request = *parsed;
  // The suite's credentials and time (2015-08-30T12:36:00Z).
  Credentials credentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
  SigningParams params{"us-east-1", "service", 1'440'938'160};
  for (bool normalize : {true, false}) {
    params.normalize_path = normalize;
    credentials.session_token.clear();
    CheckSigning(request, credentials, params);
    credentials.session_token =
        "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQW";
    CheckSigning(request, credentials, params);
  }
  return 0;
}
