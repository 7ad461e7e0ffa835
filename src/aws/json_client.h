// AwsJsonClient: calls to an AWS service speaking the JSON protocol (DynamoDB): POST / with
// X-Amz-Target: <prefix>.<Operation>, a JSON body, signed with SigV4, over one HttpTransport.
//
// Retries. A call is sent again, with exponential backoff and full jitter (a random wait in
// [0, min(kBackoffCap, kBackoffBase * 2^retry))), at most kMaxAttempts times in all and never
// past the caller's deadline, when it certainly was not applied:
//   - the connection failed before the whole request was written;
//   - the service refused it for throttling (ProvisionedThroughputExceededException,
//     ThrottlingException, RequestLimitExceeded, HTTP 429) or answered 503 (unavailable).
// When the call may have been applied, it is sent again only if the caller says replaying it is
// harmless (Replay::kSafe: reads, DescribeTable, CreateTable):
//   - the request was written but no response came (timeout, connection reset);
//   - the service answered 500 or another 5xx: an internal error does not say whether the
//     write happened.
// Retries also draw from a RetryQuota shared by the clients of a process when one is given
// (UseRetryQuota): with the quota empty, a call that would be retried fails at its first answer
// instead, and says so.
// A counter's UpdateItem is not harmless to replay: an ADD applied twice counts one hit twice.
// So it is sent with Replay::kNever, and these cases fail with kUnavailable ("may have been
// counted") instead: a rare undercount of the reply is preferred to a silent overcount of the
// stored count.
//
// Thread safety: one AwsJsonClient is used by one thread at a time (its transport keeps one
// connection). Make one per thread.
#ifndef HITCOUNTER_AWS_JSON_CLIENT_H_
#define HITCOUNTER_AWS_JSON_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "aws/aws_config.h"
#include "aws/http_client.h"
#include "aws/retry_quota.h"
#include "hitcounter/clock.h"
#include "hitcounter/status.h"

namespace hitcounter::aws {

// Attempts per call, the first included. Five attempts with the waits below span up to ~0.8 s of
// backoff on average: enough to ride out a throttling burst, short enough for a web request.
inline constexpr int kMaxAttempts = 5;
// The first retry waits up to this; each later one up to twice as long as the one before.
inline constexpr std::chrono::milliseconds kBackoffBase{25};
// No single wait is longer than this.
inline constexpr std::chrono::milliseconds kBackoffCap{1'000};

// Which protocol a service speaks.
struct JsonService {
  std::string signing_name;   // "dynamodb"
  std::string target_prefix;  // "DynamoDB_20120810"
  std::string content_type;   // "application/x-amz-json-1.0"
};

// DynamoDB's.
JsonService DynamoDbService();

// Whether a call whose outcome is unknown (sent but unanswered, or a 500) may be sent again.
enum class Replay {
  kSafe,   // reading, or a write whose repetition changes nothing
  kNever,  // a write that would apply twice (an ADD)
};

// An error answered by the service.
struct AwsError {
  unsigned http_status = 0;
  std::string type;     // "ResourceNotFoundException": the part of "__type" after '#'
  std::string message;  // from "message" or "Message"; may be empty
};

// Parses an error response. Never fails: an unreadable body gives type "HTTP <status>".
AwsError ParseAwsError(unsigned http_status, std::string_view body);

// True for the throttling error types (not applied; retry after a wait).
bool IsThrottling(const AwsError& error);

struct AwsCallResult {
  // OK when the service answered 200; then `body` is its response. Otherwise kUnavailable, with
  // `error` set when the service answered with an error, and `body` that error's whole answer
  // (a ConditionalCheckFailedException asked for with ReturnValuesOnConditionCheckFailure
  // carries the item there).
  Status status;
  std::string body;
  std::optional<AwsError> error;
  int attempts = 0;
};

class AwsJsonClient {
 public:
  using SleepFunction = std::function<void(std::chrono::milliseconds)>;

  // Calls go to settings.endpoint through `transport`, each attempt signed with the current
  // credentials of settings.credentials (never null) for settings.region at the time `clock`
  // tells. `clock` must outlive the client. When no credentials can be had by the call's
  // deadline, the call fails with kUnavailable naming the credentials' source, unsent.
  AwsJsonClient(ServiceSettings settings, JsonService service,
                std::unique_ptr<HttpTransport> transport, const Clock& clock);

  // Calls `operation` with the JSON `body`, retrying as the file comment says, until `deadline`
  // at the latest.
  AwsCallResult Call(std::string_view operation, const std::string& body, Deadline deadline,
                     Replay replay);

  // Opens the transport's connection ahead of the first call (HttpTransport::Connect), by
  // `deadline`; sends nothing.
  Status Connect(Deadline deadline) { return transport_->Connect(deadline); }

  // Retries from now on draw from `quota` (shared with the other clients of the process), and
  // successes refill it. Null: retries are bounded by kMaxAttempts and the deadline only.
  void UseRetryQuota(std::shared_ptr<RetryQuota> quota) { quota_ = std::move(quota); }

  // Replaces the backoff's sleep (tests record the waits instead of waiting).
  void SetSleepForTesting(SleepFunction sleep) { sleep_ = std::move(sleep); }

  const ServiceSettings& settings() const { return settings_; }

 private:
  Result<HttpRequest> SignedRequest(std::string_view operation, const std::string& body,
                                    Deadline deadline);
  std::chrono::milliseconds Backoff(int retry);

  ServiceSettings settings_;
  JsonService service_;
  std::unique_ptr<HttpTransport> transport_;
  const Clock& clock_;
  SleepFunction sleep_;
  std::minstd_rand random_;
  std::shared_ptr<RetryQuota> quota_;
};

}  // namespace hitcounter::aws

#endif  // HITCOUNTER_AWS_JSON_CLIENT_H_
