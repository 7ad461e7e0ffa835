#include "lambda/event_handler.h"

#include <optional>

#include "lambda/api_gateway_event.h"
#include "lambda/runtime_client.h"

namespace hitcounter::lambda {
namespace {

HandledEvent Finish(const Response& response, bool head) {
  HandledEvent handled;
  handled.status = response.status;
  handled.proxy_response = ProxyResponseJson(response, head);
  handled.route = response.route;
  handled.count = response.count;
  handled.error = response.error;
  handled.detail = response.detail;
  return handled;
}

}  // namespace

HandledEvent HandleEvent(Service& service, std::string_view event_json, Deadline deadline,
                         std::string_view request_id) {
  Result<HttpEvent> event = ParseHttpEvent(event_json);
  if (!event.ok()) return Finish(BadEventResponse(event.status()), false);
  Request& request = event.value().request;
  request.deadline = deadline;
  request.request_id = request_id;
  std::optional<Response> answer;
  service.Handle(request, [&answer](Response response) { answer = std::move(response); });
  if (!answer) {
    answer = MakeErrorResponse(500, "internal", "the store did not answer before returning");
  }
  return Finish(*answer, request.method == "HEAD");
}

HandledEvent HandleOversizedEvent() {
  return Finish(
      MakeErrorResponse(413, "event_too_large",
                        "the event is larger than " + std::to_string(kMaxEventBytes) + " bytes"),
      false);
}

}  // namespace hitcounter::lambda
