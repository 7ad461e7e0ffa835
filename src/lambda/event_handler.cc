#include "lambda/event_handler.h"

#include <rapidjson/document.h>

#include <condition_variable>
#include <mutex>

#include "lambda/api_gateway_event.h"
#include "lambda/runtime_client.h"

namespace hitcounter::lambda {
namespace {

// Answers longer than this are listings (/_stats) and carry no count or error worth logging;
// they are not parsed again for the log line.
constexpr std::size_t kMaxBodyReadForLog = 4 * 1024;

// Service::Handle may answer on another thread; with the inline store it answers before it
// returns. Either way, this waits for the one answer.
Response HandleAndWait(Service& service, const Request& request) {
  std::mutex mutex;
  std::condition_variable answered;
  std::optional<Response> response;
  service.Handle(request, [&](Response answer) {
    std::lock_guard lock(mutex);
    response = std::move(answer);
    answered.notify_one();
  });
  std::unique_lock lock(mutex);
  answered.wait(lock, [&] { return response.has_value(); });
  return std::move(*response);
}

// The count or the error code the service put in its JSON answer, for the log.
void ReadLogFacts(const Response& response, HandledEvent& handled) {
  if (response.body.size() > kMaxBodyReadForLog) return;
  rapidjson::Document document;
  document.Parse(response.body.data(), response.body.size());
  if (document.HasParseError() || !document.IsObject()) return;
  // Read through a const reference: comparing rapidjson's non-const member iterators is
  // ambiguous under C++20's reversed operators (clang's -Wambiguous-reversed-operator).
  const rapidjson::Value& body = document;
  auto count = body.FindMember("count");
  if (count != body.MemberEnd() && count->value.IsInt64()) handled.count = count->value.GetInt64();
  auto error = body.FindMember("error");
  if (error != body.MemberEnd() && error->value.IsString()) {
    handled.error.assign(error->value.GetString(), error->value.GetStringLength());
  }
}

HandledEvent Finish(const Response& response, bool head) {
  HandledEvent handled;
  handled.status = response.status;
  handled.proxy_response = ProxyResponseJson(response, head);
  ReadLogFacts(response, handled);
  return handled;
}

}  // namespace

HandledEvent HandleEvent(Service& service, std::string_view event_json) {
  Result<HttpEvent> event = ParseHttpEvent(event_json);
  if (!event.ok()) return Finish(BadEventResponse(event.status()), false);
  const Request& request = event->request;
  HandledEvent handled = Finish(HandleAndWait(service, request), request.method == "HEAD");
  Result<std::string> route = NormalizeRoute(request.target, request.encoding);
  if (route.ok()) handled.route = std::move(route).value();
  return handled;
}

HandledEvent HandleOversizedEvent() {
  return Finish(
      MakeErrorResponse(413, "event_too_large",
                        "the event is larger than " + std::to_string(kMaxEventBytes) + " bytes"),
      false);
}

}  // namespace hitcounter::lambda
