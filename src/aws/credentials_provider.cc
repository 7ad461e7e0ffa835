#include "aws/credentials_provider.h"

#include <charconv>

namespace hitcounter::aws {
namespace {

std::string FormatSeconds(std::chrono::milliseconds span) {
  return std::to_string(span.count() / 1000) + " s";
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
std::int64_t DaysFromCivil(std::int64_t year, unsigned month, unsigned day) {
  year -= month <= 2;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const auto year_of_era = static_cast<unsigned>(year - era * 400);
  const unsigned day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + static_cast<std::int64_t>(day_of_era) - 719468;
}

bool Digits(std::string_view text, std::size_t at, std::size_t count, unsigned& value) {
  if (at + count > text.size()) return false;
  value = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + static_cast<unsigned>(text[i] - '0');
  }
  return true;
}

}  // namespace

std::optional<UnixMillis> ParseIso8601(std::string_view text) {
  unsigned year, month, day, hour, minute, second;
  if (!Digits(text, 0, 4, year) || text.size() < 19 || text[4] != '-' ||
      !Digits(text, 5, 2, month) || text[7] != '-' || !Digits(text, 8, 2, day) ||
      (text[10] != 'T' && text[10] != 't') || !Digits(text, 11, 2, hour) || text[13] != ':' ||
      !Digits(text, 14, 2, minute) || text[16] != ':' || !Digits(text, 17, 2, second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  std::size_t at = 19;
  std::int64_t millis = 0;
  if (at < text.size() && text[at] == '.') {
    std::size_t digits = 0;
    for (++at; at < text.size() && text[at] >= '0' && text[at] <= '9'; ++at, ++digits) {
      if (digits < 3) millis = millis * 10 + (text[at] - '0');
    }
    if (digits == 0) return std::nullopt;
    for (; digits < 3; ++digits) millis *= 10;
  }
  std::int64_t offset_minutes = 0;
  if (at < text.size() && (text[at] == 'Z' || text[at] == 'z')) {
    ++at;
  } else if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
    unsigned offset_hours, offset_mins;
    if (!Digits(text, at + 1, 2, offset_hours) || at + 3 >= text.size() || text[at + 3] != ':' ||
        !Digits(text, at + 4, 2, offset_mins) || offset_hours > 23 || offset_mins > 59) {
      return std::nullopt;
    }
    offset_minutes =
        (text[at] == '+' ? 1 : -1) * static_cast<std::int64_t>(offset_hours * 60 + offset_mins);
    at += 6;
  } else {
    return std::nullopt;
  }
  if (at != text.size()) return std::nullopt;
  const std::int64_t seconds = DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 +
                               second - offset_minutes * 60;
  return seconds * 1000 + millis;
}

StaticCredentialsProvider::StaticCredentialsProvider(Credentials credentials, std::string name)
    : credentials_(std::make_shared<const Credentials>(std::move(credentials))),
      name_(std::move(name)) {}

Result<std::shared_ptr<const Credentials>> StaticCredentialsProvider::GetCredentials(Deadline) {
  return credentials_;
}

std::shared_ptr<CredentialsProvider> StaticCredentials(Credentials credentials, std::string name) {
  return std::make_shared<StaticCredentialsProvider>(std::move(credentials), std::move(name));
}

RefreshingCredentialsProvider::RefreshingCredentialsProvider(
    std::unique_ptr<CredentialsSource> source, const Clock& clock)
    : source_(std::move(source)), clock_(clock), name_(source_->Name()) {}

RefreshingCredentialsProvider::~RefreshingCredentialsProvider() {
  {
    MutexLock lock(mutex_);
    stopping_ = true;
  }
  fetch_wanted_.NotifyAll();
  fetch_done_.NotifyAll();
  if (refresher_.joinable()) refresher_.join();
}

bool RefreshingCredentialsProvider::Usable(UnixMillis now) const {
  return current_ != nullptr &&
         (!expiration_ || now < *expiration_ - UnixMillis{kStaleBeforeExpiry.count()});
}

bool RefreshingCredentialsProvider::InPrefetchWindow(UnixMillis now) const {
  return expiration_ && now >= *expiration_ - UnixMillis{kPrefetchBeforeExpiry.count()};
}

void RefreshingCredentialsProvider::RequestFetch() {
  fetching_ = true;
  if (!refresher_.joinable()) {
    refresher_ = std::thread([this] { RefreshLoop(); });
  }
  fetch_wanted_.NotifyOne();
}

Result<std::shared_ptr<const Credentials>> RefreshingCredentialsProvider::GetCredentials(
    Deadline deadline) {
  MutexLock lock(mutex_);
  UnixMillis now = clock_.Now();
  if (Usable(now)) {
    if (InPrefetchWindow(now) && !fetching_ && now >= no_prefetch_before_) RequestFetch();
    return current_;
  }
  if (!fetching_) {
    if (!last_error_.ok() && now < no_fetch_before_) return last_error_;
    RequestFetch();
  }
  const std::uint64_t generation = fetches_done_;
  bool done = true;
  while (fetches_done_ == generation && !stopping_ && done) {
    done = fetch_done_.WaitUntil(mutex_, deadline);
  }
  done = fetches_done_ != generation;
  if (stopping_) return Status::Unavailable(name_ + ": the credentials provider is closing");
  if (!done) {
    return Status::Unavailable(name_ + ": no credentials yet (still fetching them) at the call's " +
                               "deadline");
  }
  now = clock_.Now();
  if (Usable(now)) return current_;
  if (!last_error_.ok()) return last_error_;
  return Status::Unavailable(name_ + ": its credentials expire within " +
                             FormatSeconds(kStaleBeforeExpiry) + " and no fresh ones came");
}

std::uint64_t RefreshingCredentialsProvider::fetches() const {
  MutexLock lock(mutex_);
  return fetches_done_;
}

Result<ExpiringCredentials> RefreshingCredentialsProvider::FetchUnlocked() {
  mutex_.Unlock();
  Result<ExpiringCredentials> fetched = source_->Fetch();
  mutex_.Lock();
  return fetched;
}

void RefreshingCredentialsProvider::RefreshLoop() {
  MutexLock lock(mutex_);
  for (;;) {
    while (!fetching_ && !stopping_) fetch_wanted_.Wait(mutex_);
    if (stopping_) return;
    Result<ExpiringCredentials> fetched = FetchUnlocked();
    const UnixMillis now = clock_.Now();
    const bool had_usable = Usable(now);
    if (fetched.ok() && fetched->expiration &&
        *fetched->expiration - UnixMillis{kStaleBeforeExpiry.count()} <= now) {
      fetched = Status::Unavailable(name_ + " gave credentials that expire within " +
                                    FormatSeconds(kStaleBeforeExpiry));
    }
    if (fetched.ok()) {
      current_ = std::make_shared<const Credentials>(std::move(fetched.value().credentials));
      expiration_ = fetched->expiration;
      last_error_ = Status::Ok();
      no_prefetch_before_ = now + UnixMillis{kMinPrefetchInterval.count()};
    } else {
      last_error_ = fetched.status();
      if (had_usable) {
        no_prefetch_before_ = now + UnixMillis{kMinPrefetchInterval.count()};
      } else {
        no_fetch_before_ = now + UnixMillis{kRetryAfterFailedFetch.count()};
      }
    }
    fetching_ = false;
    ++fetches_done_;
    fetch_done_.NotifyAll();
  }
}

}  // namespace hitcounter::aws
