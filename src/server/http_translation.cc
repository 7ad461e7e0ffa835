#include "server/http_translation.h"

#include <cstdint>
#include <string>
#include <utility>

#include "server/limits.h"

namespace hitcounter::server {
namespace {

Response TargetTooLong() {
  return MakeErrorResponse(
      414, "target_too_long",
      "the request target is longer than " + std::to_string(kMaxTargetBytes) + " bytes");
}

// The request line is the first line; a header-limit error with no line end within
// kMaxTargetBytes (plus method and version) means the target, not the headers, is too long.
bool RequestLineTooLong(std::string_view received) {
  constexpr std::size_t kRequestLineOverhead = 32;  // "OPTIONS " + " HTTP/1.1\r\n", rounded up
  std::size_t line_end = received.find('\n');
  return line_end == std::string_view::npos || line_end > kMaxTargetBytes + kRequestLineOverhead;
}

}  // namespace

void ApplyLimits(RequestParser& parser) {
  parser.header_limit(static_cast<std::uint32_t>(kMaxHeaderBytes));
  parser.body_limit(kMaxBodyBytes);
}

std::optional<Response> RefuseHeader(const http::request_header<>& header) {
  if (header.target().size() > kMaxTargetBytes) return TargetTooLong();
  if (header.version() >= 11 && header.find(http::field::host) == header.end()) {
    return MakeErrorResponse(400, "bad_request", "an HTTP/1.1 request needs a Host header");
  }
  return std::nullopt;
}

Response ReadErrorResponse(beast::error_code ec, std::string_view received) {
  if (ec == http::error::header_limit) {
    if (RequestLineTooLong(received)) return TargetTooLong();
    return MakeErrorResponse(
        431, "headers_too_large",
        "the request headers are larger than " + std::to_string(kMaxHeaderBytes) + " bytes");
  }
  if (ec == http::error::body_limit) {
    return MakeErrorResponse(
        413, "body_too_large",
        "the request body is larger than " + std::to_string(kMaxBodyBytes) + " bytes");
  }
  return MakeErrorResponse(400, "bad_request", "malformed HTTP request: " + ec.message());
}

Request ToCoreRequest(const http::request<http::string_body>& request) {
  Request core_request{std::string(request.method_string()), std::string(request.target())};
  if (auto authorization = request.find(http::field::authorization);
      authorization != request.end()) {
    core_request.authorization = std::string(authorization->value());
  }
  return core_request;
}

HttpResponse ToHttpResponse(Response response, bool head, bool keep_alive,
                            std::string_view http_date) {
  HttpResponse out;
  out.version(11);
  out.result(static_cast<unsigned>(response.status));
  out.set(http::field::server, "hitcounter");
  out.set(http::field::date, http_date);
  if (!response.content_type.empty()) out.set(http::field::content_type, response.content_type);
  for (auto& [name, value] : response.headers) out.insert(name, value);
  out.keep_alive(keep_alive);
  if (head) {
    out.content_length(response.body.size());
  } else {
    out.body() = std::move(response.body);
    out.prepare_payload();
  }
  return out;
}

}  // namespace hitcounter::server
