// How the server turns HTTP/1.1 into the core's Request and the core's Response back into
// HTTP/1.1: the parser's limits, the refusals HTTP's own rules call for, and both translations.
//
// Pure functions, no socket and no clock: the Session calls them around its I/O, and the HTTP
// fuzz target (fuzz/http_request_fuzzer.cc) calls the same ones on bytes in memory, so what is
// fuzzed is what the server does. Safe from any thread.
#ifndef HITCOUNTER_SERVER_HTTP_TRANSLATION_H_
#define HITCOUNTER_SERVER_HTTP_TRANSLATION_H_

#include <optional>
#include <string_view>

#include "hitcounter/service.h"
#include "server/asio.h"

namespace hitcounter::server {

using RequestParser = http::request_parser<http::string_body>;
using HttpResponse = http::response<http::string_body>;

// Sets the server's limits (server/limits.h) on a fresh parser: kMaxHeaderBytes for the header
// block, kMaxBodyBytes for the body.
void ApplyLimits(RequestParser& parser);

// The refusal for a request whose header is complete: 414 when the target is longer than
// kMaxTargetBytes, 400 when an HTTP/1.1 request has no Host. nullopt when it may be served.
std::optional<Response> RefuseHeader(const http::request_header<>& header);

// The answer to a parse error `ec` that is not a disconnect (the caller decides those), given
// the bytes received so far: 414 or 431 for header_limit (414 when the request line itself is
// too long), 413 for body_limit, 400 bad_request for anything else.
Response ReadErrorResponse(beast::error_code ec, std::string_view received);

// The core's Request for a complete HTTP request: method, target and Authorization as sent.
Request ToCoreRequest(const http::request<http::string_body>& request);

// The HTTP response for `response`: status, Server, Date (`http_date`), Content-Type, the
// service's headers, Connection as `keep_alive` says, and the body (only its length for a
// reply to HEAD: `head`).
HttpResponse ToHttpResponse(Response response, bool head, bool keep_alive,
                            std::string_view http_date);

}  // namespace hitcounter::server

#endif  // HITCOUNTER_SERVER_HTTP_TRANSLATION_H_
