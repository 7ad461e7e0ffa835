// The JSON credentials documents of the instance metadata service, the container credentials
// endpoints and credential_process:
//
//   IMDS:       {"Code":"Success","LastUpdated":..,"Type":"AWS-HMAC","AccessKeyId":..,
//                "SecretAccessKey":..,"Token":..,"Expiration":"2019-05-29T00:21:43Z"}
//   container:  {"AccessKeyId":..,"SecretAccessKey":..,"Token":..,"Expiration":..}
//               (errors: {"code":..,"message":..})
//   process:    {"Version":1,"AccessKeyId":..,"SecretAccessKey":..,"SessionToken":..,
//                "Expiration":..} (SessionToken and Expiration optional)
//
// Pure functions; safe from any thread. Messages say which member is missing or wrong, never a
// value.
#ifndef HITCOUNTER_AWS_CREDENTIALS_JSON_H_
#define HITCOUNTER_AWS_CREDENTIALS_JSON_H_

#include <string_view>

#include "aws/credentials_provider.h"
#include "hitcounter/status.h"

namespace hitcounter::aws {

enum class CredentialsDocument {
  kMetadata,  // IMDS and container endpoints: Token and Expiration required; a Code other than
              // "Success", when present, is an error
  kProcess,   // credential_process: Version 1; SessionToken and Expiration optional
};

// The credentials in `json`, or kUnavailable saying what is wrong with it.
Result<ExpiringCredentials> ParseCredentialsDocument(std::string_view json,
                                                     CredentialsDocument kind);

}  // namespace hitcounter::aws

#endif  // HITCOUNTER_AWS_CREDENTIALS_JSON_H_
