// ProcessCredentialsSource: a profile's `credential_process`, run for each fetch.
//
// The command line is run by /bin/sh -c, as the Go SDK v2 (processcreds), the Java SDK v2 and
// the CRT (aws-c-auth, through popen) run it, so quoting works as users expect from the AWS CLI
// documentation. (botocore splits it with shlex and runs it without a shell; the commands the
// AWS documentation shows behave the same either way.) The child gets the environment the
// provider was made from, stdin from /dev/null (a server has no one to answer a prompt; the
// SDKs pass their own stdin through for MFA prompts), our stderr (as the SDKs do, so its
// diagnostics reach the log), its own process group, default signal handling, and no other file
// descriptor of ours.
//
// Its stdout must be the JSON Version 1 document (credentials_json.h) within kProcessTimeout
// (the Go SDK's default) and kMaxProcessOutput bytes; otherwise the whole process group is
// killed. A non-zero exit status is a failure. The output is never quoted in a message: it
// holds the secret key.
//
// Thread safety: a CredentialsSource, called by one thread at a time.
#ifndef HITCOUNTER_AWS_PROCESS_CREDENTIALS_H_
#define HITCOUNTER_AWS_PROCESS_CREDENTIALS_H_

#include <chrono>
#include <cstddef>
#include <string>

#include "aws/aws_config.h"
#include "aws/credentials_provider.h"

namespace hitcounter::aws {

inline constexpr std::chrono::milliseconds kProcessTimeout{60'000};
// A Version 1 document with a session token is ~1.5 KB.
inline constexpr std::size_t kMaxProcessOutput = 64 * 1024;

class ProcessCredentialsSource final : public CredentialsSource {
 public:
  // Runs `command` (from profile `profile`, named in messages) with `env` as its environment.
  ProcessCredentialsSource(std::string command, std::string profile, Environment env);

  Result<ExpiringCredentials> Fetch() override;
  std::string Name() const override;

 private:
  const std::string command_;
  const std::string profile_;
  const Environment env_;
};

}  // namespace hitcounter::aws

#endif  // HITCOUNTER_AWS_PROCESS_CREDENTIALS_H_
