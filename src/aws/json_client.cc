#include "aws/json_client.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <array>
#include <thread>

#include "aws/credentials_provider.h"

namespace hitcounter::aws {
namespace {

using std::chrono::milliseconds;

constexpr std::string_view kUserAgent = "hitcounter/0.1";

// The longest a service's error message is quoted in a Status (messages are one sentence; an
// HTML page from a proxy is not).
constexpr std::size_t kMaxQuotedErrorBytes = 300;

std::string_view MemberString(const rapidjson::Document& doc, const char* name) {
  auto it = doc.FindMember(name);
  if (it == doc.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

std::string Describe(std::string_view operation, const AwsError& error) {
  std::string text = std::string(operation) + " failed: " + error.type;
  if (!error.message.empty()) text += ": " + error.message;
  return text;
}

// Seeds the backoff's jitter without std::random_device, which would need glibc 2.36's
// arc4random (the Lambda runtime has 2.34). Jitter needs spread between processes, not secrecy.
std::uint32_t JitterSeed(const void* self) {
  auto now =
      static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  auto address = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(self));
  return static_cast<std::uint32_t>((now ^ (address >> 4)) % 2147483646u + 1u);
}

}  // namespace

JsonService DynamoDbService() {
  return {"dynamodb", "DynamoDB_20120810", "application/x-amz-json-1.0"};
}

AwsError ParseAwsError(unsigned http_status, std::string_view body) {
  AwsError error{http_status, "HTTP " + std::to_string(http_status), ""};
  rapidjson::Document doc;
  // Iterative: an error body nested deeper than the stack cannot overflow it.
  doc.Parse<rapidjson::kParseIterativeFlag>(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) return error;
  std::string_view type = MemberString(doc, "__type");
  if (std::size_t hash = type.rfind('#'); hash != std::string_view::npos) {
    type.remove_prefix(hash + 1);
  }
  if (!type.empty()) error.type = std::string(type);
  std::string_view message = MemberString(doc, "message");
  if (message.empty()) message = MemberString(doc, "Message");
  error.message = std::string(message.substr(0, kMaxQuotedErrorBytes));
  return error;
}

bool IsThrottling(const AwsError& error) {
  static constexpr std::array<std::string_view, 5> kThrottling = {
      "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
      "TooManyRequestsException", "ThrottledException"};
  return error.http_status == 429 ||
         std::find(kThrottling.begin(), kThrottling.end(), error.type) != kThrottling.end();
}

AwsJsonClient::AwsJsonClient(ServiceSettings settings, JsonService service,
                             std::unique_ptr<HttpTransport> transport, const Clock& clock)
    : settings_(std::move(settings)),
      service_(std::move(service)),
      transport_(std::move(transport)),
      clock_(clock),
      sleep_([](milliseconds wait) { std::this_thread::sleep_for(wait); }),
      random_(JitterSeed(this)) {}

Result<HttpRequest> AwsJsonClient::SignedRequest(std::string_view operation,
                                                 const std::string& body, Deadline deadline) {
  if (settings_.credentials == nullptr) {
    return Status::Internal("no credentials provider in the service settings");
  }
  Result<std::shared_ptr<const Credentials>> credentials =
      settings_.credentials->GetCredentials(deadline);
  if (!credentials.ok()) return credentials.status();
  HttpRequest request;
  request.body = body;
  request.headers = {
      {"Host", settings_.endpoint.HostHeader()},
      {"Content-Type", service_.content_type},
      {"X-Amz-Target", service_.target_prefix + "." + std::string(operation)},
      {"User-Agent", std::string(kUserAgent)},
  };
  HttpRequestToSign to_sign{"POST", "/", "", request.headers, body};
  SigningParams params{settings_.region, service_.signing_name, clock_.Now() / 1000};
  Result<std::vector<Header>> added = SignRequest(to_sign, **credentials, params);
  if (!added.ok()) return added.status();
  for (Header& header : std::move(added).value()) request.headers.push_back(std::move(header));
  return request;
}

milliseconds AwsJsonClient::Backoff(int retry) {
  const auto ceiling =
      std::min<std::int64_t>(kBackoffCap.count(), kBackoffBase.count() << std::min(retry, 20));
  std::uniform_int_distribution<std::int64_t> pick(0, ceiling);
  return milliseconds(pick(random_));
}

AwsCallResult AwsJsonClient::Call(std::string_view operation, const std::string& body,
                                  Deadline deadline, Replay replay) {
  AwsCallResult result;
  Result<HttpRequest> request = SignedRequest(operation, body, deadline);
  if (!request.ok()) {
    result.status = Status::Unavailable(std::string(operation) +
                                        " not sent: no credentials: " + request.status().message());
    return result;
  }
  int last_retry_cost = 0;  // what the latest retry took from the quota
  for (;;) {
    ++result.attempts;
    HttpOutcome outcome = transport_->Post(*request, deadline);
    bool retry = false;
    int retry_cost = kRetryCost;
    if (!outcome.status.ok()) {
      retry_cost = kTimeoutRetryCost;
      result.status = outcome.request_sent
                          ? Status::Unavailable(std::string(operation) +
                                                ": sent, but no response (it may have been "
                                                "applied): " +
                                                outcome.status.message())
                          : outcome.status;
      retry = !outcome.request_sent || replay == Replay::kSafe;
    } else if (outcome.response.status == 200) {
      result.status = Status::Ok();
      result.body = std::move(outcome.response.body);
      result.error.reset();
      if (quota_) quota_->Release(last_retry_cost);
      return result;
    } else {
      AwsError error = ParseAwsError(outcome.response.status, outcome.response.body);
      const unsigned code = error.http_status;
      retry = IsThrottling(error) || code == 503 || (code >= 500 && replay == Replay::kSafe);
      result.status = Status::Unavailable(Describe(operation, error));
      result.error = std::move(error);
      result.body = std::move(outcome.response.body);
    }
    if (!retry || result.attempts >= kMaxAttempts) return result;
    const milliseconds wait = Backoff(result.attempts - 1);
    if (std::chrono::steady_clock::now() + wait >= deadline) return result;
    if (quota_ && !quota_->TryAcquire(retry_cost)) {
      result.status = Status::Unavailable(result.status.message() +
                                          " (not retried: the process's retry budget is spent)");
      return result;
    }
    last_retry_cost = retry_cost;
    sleep_(wait);
    // Signed again so that X-Amz-Date is the time of this attempt, with the credentials of now.
    if (Result<HttpRequest> resigned = SignedRequest(operation, body, deadline); resigned.ok()) {
      request = std::move(resigned);
    }
  }
}

}  // namespace hitcounter::aws
