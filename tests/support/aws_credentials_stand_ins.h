// What the stand-ins of AWS's credentials services (instance metadata, container endpoints,
// STS) and of a service that checks signatures share in tests: a CredentialIssuer that mints
// temporary credentials expiring by a test's clock, remembers them, and verifies SigV4
// signatures made with them as AWS would (unknown key, wrong token, expired, bad signature);
// and the documents those services answer with.
//
// Thread-safe: stand-ins call it from their threads while the test reads it.
#ifndef HITCOUNTER_TESTS_SUPPORT_AWS_CREDENTIALS_STAND_INS_H_
#define HITCOUNTER_TESTS_SUPPORT_AWS_CREDENTIALS_STAND_INS_H_

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "aws/credentials_provider.h"
#include "aws/sigv4.h"
#include "core/time_format.h"
#include "hitcounter/clock.h"
#include "tests/support/http_stand_in.h"

namespace hitcounter::testing {

// "2026-11-26T14:05:07Z": how AWS writes an Expiration (whole seconds).
inline std::string Iso8601Seconds(UnixMillis millis) {
  std::string text = FormatRfc3339Millis(millis - millis % 1000);  // "...T14:05:07.000Z"
  return text.substr(0, text.size() - 5) + "Z";
}

struct IssuedCredentials {
  aws::Credentials credentials;
  UnixMillis expiration = 0;
};

class CredentialIssuer {
 public:
  // Credentials that live `lifetime` from the moment `clock` says they were issued.
  CredentialIssuer(const Clock& clock, std::chrono::milliseconds lifetime, std::string prefix)
      : clock_(clock), lifetime_(lifetime), prefix_(std::move(prefix)) {}

  IssuedCredentials Issue() {
    std::lock_guard lock(mutex_);
    const int serial = ++serial_;
    IssuedCredentials issued{{prefix_ + "KEY" + std::to_string(serial),
                              "secret-" + prefix_ + "-" + std::to_string(serial),
                              "token-" + prefix_ + "-" + std::to_string(serial)},
                             clock_.Now() + lifetime_.count()};
    issued_[issued.credentials.access_key_id] = issued;
    return issued;
  }

  int issued() const {
    std::lock_guard lock(mutex_);
    return serial_;
  }

  // "" when `request` is signed for `region`/`service` with credentials this issuer made, with
  // their session token, and they have not expired by the clock; otherwise what is wrong.
  std::string Verify(const StandInRequest& request, const std::string& region,
                     const std::string& service) const {
    const std::string authorization = request.Header("Authorization").value_or("");
    const std::string marker = "Credential=";
    const std::size_t at = authorization.find(marker);
    if (at == std::string::npos) return "no SigV4 Authorization";
    const std::size_t slash = authorization.find('/', at);
    const std::string key_id = authorization.substr(at + marker.size(), slash - at - marker.size());
    IssuedCredentials issued;
    {
      std::lock_guard lock(mutex_);
      auto it = issued_.find(key_id);
      if (it == issued_.end()) return "unknown access key " + key_id;
      issued = it->second;
    }
    if (request.Header("X-Amz-Security-Token").value_or("") != issued.credentials.session_token) {
      return "wrong session token for " + key_id;
    }
    if (clock_.Now() >= issued.expiration) return "ExpiredToken: " + key_id + " has expired";
    const std::string date = request.Header("X-Amz-Date").value_or("");
    if (date.size() != 16) return "bad X-Amz-Date";
    std::optional<UnixMillis> signed_at =
        aws::ParseIso8601(date.substr(0, 4) + "-" + date.substr(4, 2) + "-" + date.substr(6, 5) +
                          ":" + date.substr(11, 2) + ":" + date.substr(13));
    if (!signed_at) return "bad X-Amz-Date";
    aws::HttpRequestToSign to_sign;
    to_sign.method = request.method;
    const std::size_t query = request.target.find('?');
    to_sign.path = request.target.substr(0, query);
    to_sign.query = query == std::string::npos ? "" : request.target.substr(query + 1);
    to_sign.body = request.body;
    for (const auto& [name, value] : request.headers) {
      if (stand_in_detail::SameName(name, "Authorization") ||
          stand_in_detail::SameName(name, "X-Amz-Date") ||
          stand_in_detail::SameName(name, "X-Amz-Security-Token") ||
          stand_in_detail::SameName(name, "Content-Length")) {
        continue;
      }
      to_sign.headers.emplace_back(name, value);
    }
    Result<std::vector<aws::Header>> expected =
        aws::SignRequest(to_sign, issued.credentials, {region, service, *signed_at / 1000});
    if (!expected.ok()) return "cannot re-sign: " + expected.status().message();
    for (const auto& [name, value] : *expected) {
      if (name == "Authorization") return value == authorization ? "" : "SignatureDoesNotMatch";
    }
    return "no Authorization computed";
  }

 private:
  const Clock& clock_;
  const std::chrono::milliseconds lifetime_;
  const std::string prefix_;
  mutable std::mutex mutex_;
  int serial_ = 0;
  std::map<std::string, IssuedCredentials> issued_;
};

// The instance metadata service's and container endpoints' document.
inline std::string MetadataDocument(const IssuedCredentials& issued) {
  return R"({"Code":"Success","LastUpdated":"2026-01-01T00:00:00Z","Type":"AWS-HMAC",)"
         R"("AccessKeyId":")" +
         issued.credentials.access_key_id + R"(","SecretAccessKey":")" +
         issued.credentials.secret_access_key + R"(","Token":")" +
         issued.credentials.session_token + R"(","Expiration":")" +
         Iso8601Seconds(issued.expiration) + R"("})";
}

// STS's answer to `action` ("AssumeRole", "AssumeRoleWithWebIdentity").
inline std::string StsCredentialsXml(const std::string& action, const IssuedCredentials& issued) {
  return "<" + action + "Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <" +
         action +
         "Result>\n    <AssumedRoleUser>\n      <Arn>arn:aws:sts::123456789012:"
         "assumed-role/test/session</Arn>\n      <AssumedRoleId>AROA:session</AssumedRoleId>\n"
         "    </AssumedRoleUser>\n    <Credentials>\n      <AccessKeyId>" +
         issued.credentials.access_key_id + "</AccessKeyId>\n      <SecretAccessKey>" +
         issued.credentials.secret_access_key + "</SecretAccessKey>\n      <SessionToken>" +
         issued.credentials.session_token + "</SessionToken>\n      <Expiration>" +
         Iso8601Seconds(issued.expiration) + "</Expiration>\n    </Credentials>\n  </" + action +
         "Result>\n  <ResponseMetadata><RequestId>00000000-0000-4000-8000-000000000001"
         "</RequestId></ResponseMetadata>\n</" +
         action + "Response>\n";
}

inline std::string StsErrorXml(const std::string& code, const std::string& message) {
  return "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error>"
         "<Type>Sender</Type><Code>" +
         code + "</Code><Message>" + message +
         "</Message></Error><RequestId>00000000-0000-4000-8000-000000000002</RequestId></"
         "ErrorResponse>";
}

// The value of `name` in a form-encoded body (not decoded); "" when absent.
inline std::string FormValue(const std::string& body, const std::string& name) {
  std::size_t at = 0;
  while (at <= body.size()) {
    const std::size_t end = std::min(body.find('&', at), body.size());
    const std::string pair = body.substr(at, end - at);
    if (pair.rfind(name + "=", 0) == 0) return pair.substr(name.size() + 1);
    at = end + 1;
  }
  return "";
}

}  // namespace hitcounter::testing

#endif  // HITCOUNTER_TESTS_SUPPORT_AWS_CREDENTIALS_STAND_INS_H_
