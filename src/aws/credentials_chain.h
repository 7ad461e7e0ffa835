// The default credentials chain of the AWS SDKs: which credentials hitcounter signs with.
//
// The first source that is configured is the one used, in this order (the CRT's
// aws_credentials_provider_new_chain_default in awslabs/aws-c-auth, which the C++ SDK's
// DefaultAWSCredentialsProviderChain follows too):
//   1. environment: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN);
//   2. the profile AWS_PROFILE names ("default") in the shared files (AWS_CONFIG_FILE,
//      AWS_SHARED_CREDENTIALS_FILE), the first of (aws-c-auth's profile provider):
//        role_arn, assumed through STS AssumeRole with the credentials of source_profile (that
//          profile resolved the same way, except that its static keys win over its own
//          role_arn, so that chains end), or of credential_source (Environment,
//          Ec2InstanceMetadata or EcsContainer), or, with web_identity_token_file, through
//          AssumeRoleWithWebIdentity; role_session_name, external_id and duration_seconds are
//          passed on;
//        credential_process (process_credentials.h), unless the profile has static keys;
//        aws_access_key_id + aws_secret_access_key (+ aws_session_token);
//   3. web identity: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN (+ AWS_ROLE_SESSION_NAME),
//      through STS AssumeRoleWithWebIdentity (EKS IRSA);
//   4. container credentials: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or
//      AWS_CONTAINER_CREDENTIALS_FULL_URI, with AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE or
//      AWS_CONTAINER_AUTHORIZATION_TOKEN (ECS task roles, EKS Pod Identity);
//   5. EC2 instance metadata, IMDSv2 only, unless AWS_EC2_METADATA_DISABLED is "true" (any
//      case; as the C++ SDK and botocore read it), at AWS_EC2_METADATA_SERVICE_ENDPOINT or, by
//      AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE (IPv4, the default, or IPv6), at
//      http://169.254.169.254 or http://[fd00:ec2::254].
// "Configured" is decided from the environment and the files alone, once, when the chain is
// made (as the Go SDK v2's resolveCredentialChain and the CRT's ECS-or-IMDS choice do); a
// configured source that then fails at run time is reported, never silently replaced by the
// next one, so a server cannot drift to another identity. Instance metadata, the last, is
// "configured" unless disabled: off EC2, the chain's first fetch fails naming every variable
// that could have provided credentials.
//
// Not supported, each refused with a message saying what to use instead: SSO profiles
// (sso_session, sso_start_url: use credential_process = aws configure export-credentials
// --profile NAME --format process), mfa_serial (a server cannot type an MFA code), and proxies
// or TLS for instance metadata.
//
// STS: the region's endpoint (or AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL), through
// HTTPS_PROXY unless NO_PROXY says otherwise (proxy.h), verified as DynamoDB's endpoint is (the
// compiled-in Amazon roots for AWS's own, aws_config.h's UsesAmazonRoots). Instance metadata and
// container endpoints are never proxied: they are link-local or loopback, and their tokens stay on
// the host. The SDKs differ here: the Java SDK v2 opens them with Proxy.NO_PROXY and the CRT passes
// no proxy by default, while the Go SDK v2 and botocore would send them to HTTP_PROXY unless
// NO_PROXY lists the address (which AWS's EC2 guide tells proxy users to do); we follow Java.
//
// Pure function of the environment and files; makes no network call (every source fetches on
// first use). Safe to call from any thread.
#ifndef HITCOUNTER_AWS_CREDENTIALS_CHAIN_H_
#define HITCOUNTER_AWS_CREDENTIALS_CHAIN_H_

#include <memory>
#include <string>

#include "aws/aws_config.h"
#include "aws/credentials_provider.h"
#include "hitcounter/clock.h"
#include "hitcounter/status.h"

namespace hitcounter::aws {

inline constexpr std::string_view kEcsContainerHost = "http://169.254.170.2";
inline constexpr std::string_view kImdsIpv4Endpoint = "http://169.254.169.254";
inline constexpr std::string_view kImdsIpv6Endpoint = "http://[fd00:ec2::254]";

struct CredentialsChainOptions {
  // Judges expirations; must outlive the providers. nullptr: the system clock.
  const Clock* clock = nullptr;
  // Where AWS_CONTAINER_CREDENTIALS_RELATIVE_URI points: ECS's fixed address, or a test's
  // stand-in.
  std::string container_relative_base = std::string(kEcsContainerHost);
};

// The provider of the first configured source above, for STS calls in `region`. Costs nothing
// more than reading the variables when the environment holds keys. Linked by the CLI and server
// only (hc_aws_credentials); the Lambda function uses aws_config.h's StaticKeyCredentials.
// kInvalidArgument naming the variable, profile or file when a configuration is incomplete or
// unusable (half a key pair, a role_arn without a source, a profile cycle, AWS_PROFILE naming
// a profile neither file has, a bad URL...) or, with instance metadata disabled, when nothing
// is configured.
Result<std::shared_ptr<CredentialsProvider>> DefaultCredentialsChain(
    const Environment& env, const std::string& region, const CredentialsChainOptions& options = {});

// The process's SystemClock, never destroyed.
const Clock& SystemClockInstance();

}  // namespace hitcounter::aws

#endif  // HITCOUNTER_AWS_CREDENTIALS_CHAIN_H_
