// Status and Result<T>: how hitcounter reports errors across module boundaries.
//
// A Status is either OK or a code with a human-readable message. Result<T> holds either a
// value or a non-OK Status. No exception crosses a module boundary; each front end turns a
// Status into an HTTP error response (see MakeErrorResponse in hitcounter/service.h).
//
// Both types are plain values: copyable, movable, and safe to pass between threads.
#ifndef HITCOUNTER_STATUS_H_
#define HITCOUNTER_STATUS_H_

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace hitcounter {

enum class StatusCode {
  kOk,
  kInvalidArgument,    // the request is malformed (HTTP 400)
  kNotFound,           // the thing asked for does not exist (HTTP 404)
  kTooLong,            // a path or route exceeds its limit (HTTP 414)
  kOutOfRange,         // a counter would overflow (HTTP 500: the count cannot grow)
  kUnavailable,        // the store cannot be reached or failed; nothing was counted (HTTP 503)
  kInsufficientSpace,  // the store's disk is full; nothing was counted (HTTP 507)
  kResourceExhausted,  // a rate limit refused the hit; nothing was counted (HTTP 429)
  kRouteLimitReached,  // a new route, and the store holds its most routes already (HTTP 507)
  kInternal,           // a bug or an unexpected condition (HTTP 500)
};

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  static Status InvalidArgument(std::string m) {
    return {StatusCode::kInvalidArgument, std::move(m)};
  }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status TooLong(std::string m) { return {StatusCode::kTooLong, std::move(m)}; }
  static Status OutOfRange(std::string m) { return {StatusCode::kOutOfRange, std::move(m)}; }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status InsufficientSpace(std::string m) {
    return {StatusCode::kInsufficientSpace, std::move(m)};
  }
  static Status ResourceExhausted(std::string m) {
    return {StatusCode::kResourceExhausted, std::move(m)};
  }
  static Status RouteLimitReached(std::string m) {
    return {StatusCode::kRouteLimitReached, std::move(m)};
  }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Holds a T or an error Status. Accessing value() of an error Result is a bug.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : state_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(state_).ok() && "a Result needs a value or an error");
  }

  bool ok() const { return std::holds_alternative<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T& value() & { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  const T& operator*() const& { return value(); }
  const T* operator->() const { return &value(); }

  // The error; an OK Status when this holds a value.
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(state_); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace hitcounter

#endif  // HITCOUNTER_STATUS_H_
