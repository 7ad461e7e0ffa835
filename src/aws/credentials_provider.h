// CredentialsProvider: where the credentials that sign AWS calls come from, now.
//
// Two kinds:
//   - StaticCredentialsProvider holds keys that never change (environment variables, keys in
//     a profile). Getting them costs one reference-count increment: no lock, no clock, no
//     thread. The Lambda function's only kind (aws_config.h, StaticKeyCredentials: Lambda puts
//     the role's keys in the environment).
//   - RefreshingCredentialsProvider caches what a CredentialsSource fetches (STS, a process,
//     a metadata endpoint) and fetches again before it expires, as the AWS SDKs do:
//       * from kPrefetchBeforeExpiry (5 min) before the expiration, the first caller to notice
//         asks for a refresh and every caller keeps the still-valid credentials; the fetch runs
//         on the provider's own thread, so no call waits for it (Java SDK v2's
//         StsCredentialsProvider: prefetch 5 min, one caller refreshes; C++ SDK's
//         REFRESH_THRESHOLD, 5 min);
//       * from kStaleBeforeExpiry (1 min) before the expiration the credentials are not handed
//         out any more (a signed request still has to reach AWS): callers wait for the refresh,
//         each until its own deadline (Java SDK v2's stale time, 1 min);
//       * prefetches are at least kMinPrefetchInterval apart: a failed one keeps the current
//         credentials and is tried again that much later, and credentials that live shorter
//         than the prefetch window are not fetched again at every call; a failed fetch with
//         nothing usable is reported to every waiting caller, and callers for
//         kRetryAfterFailedFetch after it get that same error at once instead of hammering the
//         source (instance metadata throttles).
//     Credentials without an expiration are fetched once and kept.
//
// Failures are Status values (kUnavailable, or kInvalidArgument for a configuration the source
// cannot use) whose message names the source and what failed. No message, log line or Name()
// ever holds a secret key, a session token, an authorization header or a web identity token.
//
// Thread safety: GetCredentials may be called from any number of threads at once. A
// CredentialsSource is called by one thread at a time (its provider's refresh thread).
#ifndef HITCOUNTER_AWS_CREDENTIALS_PROVIDER_H_
#define HITCOUNTER_AWS_CREDENTIALS_PROVIDER_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "aws/sigv4.h"
#include "core/mutex.h"
#include "hitcounter/clock.h"
#include "hitcounter/status.h"

namespace hitcounter::aws {

using Deadline = std::chrono::steady_clock::time_point;

inline constexpr std::chrono::milliseconds kPrefetchBeforeExpiry{5 * 60 * 1000};
inline constexpr std::chrono::milliseconds kStaleBeforeExpiry{60 * 1000};
// About 8 tries in the 4 minutes between the prefetch and the stale time.
inline constexpr std::chrono::milliseconds kMinPrefetchInterval{30 * 1000};
// Short enough that a source that comes back (a metadata endpoint after a restart) is used
// within a second, long enough that a busy server does not turn every hit into a fetch.
inline constexpr std::chrono::milliseconds kRetryAfterFailedFetch{1'000};

// Credentials as a source returns them.
struct ExpiringCredentials {
  Credentials credentials;
  std::optional<UnixMillis> expiration;  // none: valid until the process ends
};

class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;

  // The credentials to sign a call with now, valid for at least kStaleBeforeExpiry more. May
  // wait for a fetch, never past `deadline` (then kUnavailable). Never null on success.
  virtual Result<std::shared_ptr<const Credentials>> GetCredentials(Deadline deadline) = 0;

  // What the credentials come from, for messages and logs: "environment variables",
  // "EC2 instance metadata (IMDSv2) at http://169.254.169.254". Never a secret.
  virtual std::string Name() const = 0;
};

// Fetches fresh credentials each call; knows nothing of caching.
class CredentialsSource {
 public:
  virtual ~CredentialsSource() = default;
  // Fresh credentials, or a Status naming this source and what failed. Bounded in time by the
  // source's own timeouts.
  virtual Result<ExpiringCredentials> Fetch() = 0;
  // As CredentialsProvider::Name.
  virtual std::string Name() const = 0;
};

class StaticCredentialsProvider final : public CredentialsProvider {
 public:
  StaticCredentialsProvider(Credentials credentials, std::string name);
  Result<std::shared_ptr<const Credentials>> GetCredentials(Deadline deadline) override;
  std::string Name() const override { return name_; }

 private:
  const std::shared_ptr<const Credentials> credentials_;
  const std::string name_;
};

// The static provider of `credentials`, named "static credentials" unless told otherwise.
std::shared_ptr<CredentialsProvider> StaticCredentials(Credentials credentials,
                                                       std::string name = "static credentials");

class RefreshingCredentialsProvider final : public CredentialsProvider {
 public:
  // Caches what `source` fetches, judging expirations by `clock` (which must outlive the
  // provider). Fetches nothing until the first GetCredentials.
  RefreshingCredentialsProvider(std::unique_ptr<CredentialsSource> source, const Clock& clock);
  // Waits for a fetch in progress, then stops the refresh thread.
  ~RefreshingCredentialsProvider() override;
  RefreshingCredentialsProvider(const RefreshingCredentialsProvider&) = delete;
  RefreshingCredentialsProvider& operator=(const RefreshingCredentialsProvider&) = delete;

  Result<std::shared_ptr<const Credentials>> GetCredentials(Deadline deadline) override;
  std::string Name() const override { return name_; }

  // How many fetches the source has been asked for so far (tests).
  std::uint64_t fetches() const;

 private:
  bool Usable(UnixMillis now) const REQUIRES(mutex_);  // current_ may be handed out
  bool InPrefetchWindow(UnixMillis now) const REQUIRES(mutex_);
  void RequestFetch() REQUIRES(mutex_);
  void RefreshLoop() EXCLUDES(mutex_);
  // The source's Fetch, a network call: mutex_ is released while it runs.
  Result<ExpiringCredentials> FetchUnlocked() REQUIRES(mutex_);

  const std::unique_ptr<CredentialsSource> source_;
  const Clock& clock_;
  const std::string name_;

  mutable Mutex mutex_;
  CondVar fetch_wanted_;  // the refresh thread waits on it
  CondVar fetch_done_;    // callers waiting for credentials wait on it
  std::shared_ptr<const Credentials> current_ GUARDED_BY(mutex_);
  std::optional<UnixMillis> expiration_ GUARDED_BY(mutex_);  // current_'s
  bool fetching_ GUARDED_BY(mutex_) = false;                 // a fetch is wanted or running
  bool stopping_ GUARDED_BY(mutex_) = false;
  std::uint64_t fetches_done_ GUARDED_BY(mutex_) = 0;
  Status last_error_ GUARDED_BY(mutex_);  // of the last fetch; OK after a success
  UnixMillis no_prefetch_before_ GUARDED_BY(mutex_) =
      0;  // kMinPrefetchInterval after the last fetch
  // kRetryAfterFailedFetch after a failed fetch that left nothing usable; until then callers
  // get last_error_ at once. A failed prefetch does not set it: once the credentials go stale,
  // the next caller fetches at once.
  UnixMillis no_fetch_before_ GUARDED_BY(mutex_) = 0;
  std::thread refresher_;  // started on first need, under mutex_; joined by the destructor
};

// ISO 8601 / RFC 3339 timestamps as AWS writes expirations: "2019-05-29T00:21:43Z",
// "2019-05-29T00:21:43.123Z" or with an offset ("+00:00"). nullopt for anything else.
std::optional<UnixMillis> ParseIso8601(std::string_view text);

}  // namespace hitcounter::aws

#endif  // HITCOUNTER_AWS_CREDENTIALS_PROVIDER_H_
