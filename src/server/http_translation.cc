#include "server/http_translation.h"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <string>
#include <utility>

#include "hitcounter/route.h"
#include "server/limits.h"

namespace hitcounter::server {
namespace {

Response TargetTooLong() {
  return MakeErrorResponse(
      414, "target_too_long",
      "the request target is longer than " + std::to_string(kMaxTargetBytes) + " bytes");
}

Response HeadersTooLarge() {
  return MakeErrorResponse(
      431, "headers_too_large",
      "the request headers are larger than " + std::to_string(kMaxHeaderBytes) + " bytes");
}

Response MethodTooLong() {
  return MakeErrorResponse(
      501, "not_implemented",
      "no method longer than " + std::to_string(kMaxMethodBytes) + " bytes is known");
}

Response BadRequest(std::string_view message) {
  return MakeErrorResponse(400, "bad_request", message);
}

// Which part of the header is over the limit. Beast hands over the request line as soon as it
// is complete (and takes it out of the received bytes): without one, the line itself is too
// long, and its first word is the method.
Response HeaderLimitRefusal(const RequestParser& parser, std::string_view received) {
  const std::size_t target_size = parser.get().target().size();
  if (target_size > kMaxTargetBytes) return TargetTooLong();
  if (target_size > 0) return HeadersTooLarge();
  std::size_t space = received.find(' ');
  if (space == std::string_view::npos || space > kMaxMethodBytes) return MethodTooLong();
  return TargetTooLong();
}

// Beast knows HTTP/1.0 and 1.1 only: a request line ending in HTTP/2.0 or later (the HTTP/2
// preface "PRI * HTTP/2.0" included) is a version this server does not speak, not garbage.
bool VersionTooNew(std::string_view received) {
  std::string_view line = received.substr(0, received.find("\r\n"));
  constexpr std::string_view kHttp = " HTTP/";
  if (line.size() < kHttp.size() + 3) return false;
  std::string_view version = line.substr(line.size() - kHttp.size() - 3);
  return version.starts_with(kHttp) && version[6] >= '2' && version[6] <= '9' &&
         version[7] == '.' && version[8] >= '0' && version[8] <= '9';
}

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// RFC 3986's unreserved and sub-delims characters: what a reg-name may hold besides escapes.
bool IsRegNameChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("-._~!$&'()*+,;=").find(c) != std::string_view::npos;
}

// Host = uri-host [ ":" port ] (RFC 9110 section 7.2, RFC 3986 section 3.2.2): an IP-literal in
// brackets, or a reg-name (an IPv4 address is one too) of unreserved characters, sub-delims
// and %XX escapes; an empty host is allowed.
bool IsValidHost(std::string_view host) {
  std::string_view name = host;
  std::string_view port;
  if (!host.empty() && host.front() == '[') {
    const std::size_t close = host.find(']');
    if (close == std::string_view::npos) return false;
    const std::string_view literal = host.substr(1, close - 1);
    if (literal.empty() || !std::all_of(literal.begin(), literal.end(), [](char c) {
          return IsHexDigit(c) || c == ':' || c == '.' || IsRegNameChar(c);
        })) {
      return false;
    }
    const std::string_view rest = host.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return false;
    name = {};
    port = rest.empty() ? rest : rest.substr(1);
  } else if (const std::size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    name = host.substr(0, colon);
    port = host.substr(colon + 1);
  }
  if (!std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (name[i] == '%') {
      if (i + 2 >= name.size() || !IsHexDigit(name[i + 1]) || !IsHexDigit(name[i + 2])) {
        return false;
      }
      i += 2;
    } else if (!IsRegNameChar(name[i])) {
      return false;
    }
  }
  return true;
}

}  // namespace

void ApplyLimits(RequestParser& parser) {
  parser.header_limit(static_cast<std::uint32_t>(kMaxHeaderBytes));
  parser.body_limit(kMaxBodyBytes);
}

std::optional<Response> RefuseHeader(const http::request_header<>& header, bool chunked,
                                     std::size_t header_bytes) {
  if (header.target().size() > kMaxTargetBytes) return TargetTooLong();
  if (header.method_string().size() > kMaxMethodBytes) return MethodTooLong();
  if (header_bytes > kMaxHeaderBytes) return HeadersTooLarge();
  const auto hosts = header.equal_range(http::field::host);
  const auto host_count = std::distance(hosts.first, hosts.second);
  if (header.version() >= 11 && host_count == 0) {
    return BadRequest("an HTTP/1.1 request needs a Host header");
  }
  if (host_count > 1) return BadRequest("a request has at most one Host header");
  if (host_count == 1 && !IsValidHost(hosts.first->value())) {
    return BadRequest("the Host header is not a host name, an IP address, or either with a port");
  }
  const auto lengths = header.equal_range(http::field::content_length);
  if (std::distance(lengths.first, lengths.second) > 1 ||
      (lengths.first != lengths.second &&
       lengths.first->value().find(',') != std::string_view::npos)) {
    return BadRequest("a request has at most one Content-Length, with one value");
  }
  const auto codings = header.equal_range(http::field::transfer_encoding);
  if (codings.first == codings.second) return std::nullopt;
  if (header.version() < 11) return BadRequest("Transfer-Encoding is not allowed in HTTP/1.0");
  if (!chunked) return BadRequest("the last transfer coding must be chunked");
  if (std::distance(codings.first, codings.second) > 1 ||
      !beast::iequals(codings.first->value(), "chunked")) {
    return MakeErrorResponse(501, "not_implemented",
                             "only the chunked transfer coding is supported");
  }
  return std::nullopt;
}

Response ReadErrorResponse(beast::error_code ec, const RequestParser& parser,
                           std::string_view received) {
  if (ec == http::error::header_limit) return HeaderLimitRefusal(parser, received);
  if (ec == http::error::bad_version && VersionTooNew(received)) {
    return MakeErrorResponse(505, "http_version_not_supported", "this server speaks HTTP/1.1");
  }
  if (ec == http::error::buffer_overflow) {
    return BadRequest("a chunk-size line or the trailers are larger than " +
                      std::to_string(kMaxUnparsedBytes) + " bytes");
  }
  if (ec == http::error::body_limit) {
    return MakeErrorResponse(
        413, "body_too_large",
        "the request body is larger than " + std::to_string(kMaxBodyBytes) + " bytes");
  }
  return BadRequest("malformed HTTP request: " + ec.message());
}

Request ToCoreRequest(const http::request_header<>& request) {
  Request core_request{std::string(request.method_string()), std::string(request.target())};
  if (auto authorization = request.find(http::field::authorization);
      authorization != request.end()) {
    core_request.authorization = std::string(authorization->value());
  }
  return core_request;
}

void SerializeResponse(const Response& response, bool head, bool keep_alive,
                       std::string_view http_date, std::string& out) {
  const auto status = static_cast<unsigned>(response.status);
  out.clear();
  out += "HTTP/1.1 ";
  out += std::to_string(status);
  out += ' ';
  out += http::obsolete_reason(static_cast<http::status>(status));
  out += "\r\nServer: hitcounter\r\nDate: ";
  out += http_date;
  if (!response.content_type.empty()) {
    out += "\r\nContent-Type: ";
    out += response.content_type;
  }
  for (const auto& [name, value] : response.headers) {
    out += "\r\n";
    out += name;
    out += ": ";
    out += value;
  }
  // Said either way: an HTTP/1.0 client keeps the connection only when the answer says
  // keep-alive, while a 1.1 response without the header would leave it guessing.
  out += keep_alive ? "\r\nConnection: keep-alive" : "\r\nConnection: close";
  const bool bodiless = status < 200 || status == 204 || status == 304;
  if (!bodiless) {
    out += "\r\nContent-Length: ";
    out += std::to_string(response.body.size());
  }
  out += "\r\n\r\n";
  if (!head && !bodiless) out += response.body;
}

}  // namespace hitcounter::server
