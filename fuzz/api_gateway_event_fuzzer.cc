// The Lambda front end on any event: API Gateway REST (1.0), HTTP API and Function URL (2.0)
// event parsing, then the whole event through the Service to the proxy response, as the
// runtime loop hands it over (lambda/event_handler.h).
//
// Invariants: a parsed event has a method and a target within kMaxTargetBytes; the proxy
// response is a JSON object whose statusCode is the status handled, with string headers, a
// string body (valid JSON when it says application/json, empty for HEAD) and never a 5xx (the
// store cannot fail here); a counted hit's route is the event's normalised path; a query value
// encoded by EncodeQueryComponent decodes back to itself.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/utf8.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/fuzz_service.h"
#include "hitcounter/route.h"
#include "lambda/api_gateway_event.h"
#include "lambda/event_handler.h"

namespace hitcounter::lambda {
namespace {

// The Content-Type of a proxy response's headers, or empty.
std::string_view ContentType(const rapidjson::Value& headers) {
  const rapidjson::Value* type = fuzz::MemberOf(headers, "Content-Type");
  return type != nullptr && type->IsString() ? fuzz::View(*type) : "";
}

void CheckProxyResponse(const HandledEvent& handled, bool head) {
  FUZZ_CHECK(handled.status >= 200 && handled.status < 500);
  rapidjson::Document proxy;
  FUZZ_CHECK(fuzz::ParseStrictJson(handled.proxy_response, proxy) && proxy.IsObject());
  const rapidjson::Value* status = fuzz::MemberOf(proxy, "statusCode");
  FUZZ_CHECK(status != nullptr && status->IsInt() && status->GetInt() == handled.status);
  const rapidjson::Value* headers = fuzz::MemberOf(proxy, "headers");
  FUZZ_CHECK(headers != nullptr && headers->IsObject());
  for (const auto& header : headers->GetObject()) FUZZ_CHECK(header.value.IsString());
  const rapidjson::Value* body = fuzz::MemberOf(proxy, "body");
  FUZZ_CHECK(body != nullptr && body->IsString());
  const rapidjson::Value* base64 = fuzz::MemberOf(proxy, "isBase64Encoded");
  FUZZ_CHECK(base64 != nullptr && base64->IsFalse());
  if (head) {
    FUZZ_CHECK(body->GetStringLength() == 0);
  } else if (ContentType(*headers) == "application/json") {
    rapidjson::Document json;
    FUZZ_CHECK(fuzz::ParseStrictJson(fuzz::View(*body), json) && json.IsObject());
  }
}

}  // namespace
}  // namespace hitcounter::lambda

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hitcounter;
  using namespace hitcounter::lambda;
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  Result<HttpEvent> event = ParseHttpEvent(input);
  if (event.ok()) {
    FUZZ_CHECK(!event->request.method.empty());
    FUZZ_CHECK(event->request.target.size() <= kMaxTargetBytes);
  }

  fuzz::FuzzService fuzz_service;
  const HandledEvent handled = HandleEvent(fuzz_service.service, input);
  CheckProxyResponse(handled, event.ok() && event->request.method == "HEAD");
  if (handled.count.has_value()) {
    FUZZ_CHECK(event.ok() && *handled.count == 1);
    Result<std::string> route = NormalizeRoute(event->request.target, event->request.encoding);
    FUZZ_CHECK(route.ok() && handled.route == *route);
  }

  if (CheckReadableUtf8(input).ok()) {
    Result<std::string> decoded = DecodeQueryValue(EncodeQueryComponent(input));
    FUZZ_CHECK(decoded.ok() && *decoded == input);
  }
  return 0;
}
