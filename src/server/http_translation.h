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
#include "server/discard_body.h"

namespace hitcounter::server {

using RequestParser = http::request_parser<DiscardBody>;

// Sets the server's limits (server/limits.h) on a fresh parser: kMaxHeaderBytes for the header
// block, kMaxBodyBytes for the body.
void ApplyLimits(RequestParser& parser);

// The refusal for a request whose header is complete (`chunked`: the parser's view of its
// Transfer-Encoding), after which the connection closes; nullopt when it may be served. Beast
// parses the syntax; these are the rules of RFC 9112 it leaves to the server. Framing that one
// reader could take differently from another (a proxy in front of us) is how requests are
// smuggled, so whatever is ambiguous is refused rather than guessed: 414 for a target over
// kMaxTargetBytes, 501 for a method over kMaxMethodBytes or a coding other than chunked, 400
// for a missing (HTTP/1.1), repeated or malformed Host, more than one Content-Length or value, a
// Transfer-Encoding in HTTP/1.0 or one whose last coding is not chunked; 431 when the header
// block took more than kMaxHeaderBytes (`header_bytes`: what the parser consumed for it, request
// line and blank line included). Beast's own header limit depends on how the bytes arrived: a
// block a little over it was served when read in pieces and refused when read at once.
std::optional<Response> RefuseHeader(const http::request_header<>& header, bool chunked,
                                     std::size_t header_bytes);

// The answer to a parse error `ec` that is not a disconnect (the caller decides those), given
// the parser and the bytes received but not parsed: for header_limit 414 (the request line is
// too long), 501 (its method is) or 431; 505 for a version of 2.0 or later; 400 when the chunk
// lines or trailers outgrow kMaxUnparsedBytes (buffer_overflow); 413 for body_limit; 400
// bad_request for anything else.
Response ReadErrorResponse(beast::error_code ec, const RequestParser& parser,
                           std::string_view received);

// The core's Request for a complete HTTP request: method, target and Authorization as sent.
Request ToCoreRequest(const http::request_header<>& request);

// Writes the HTTP/1.1 message for `response` into `out` (replacing what it held): status line,
// Server, Date (`http_date`), Content-Type, the service's headers, Connection (keep-alive or
// close, as `keep_alive` says, for HTTP/1.0 clients too), Content-Length (except for 1xx, 204
// and 304) and the body (only its length for a reply to HEAD: `head`). Header names and values
// come from the service, never from the request, so they hold no CR or LF.
//
// Written by hand rather than with Beast's serializer: a response is a handful of known fields,
// and Beast's message and serializer took ~8,000 instructions per response (callgrind), a
// fifth of a hit. `out` is reused per connection, so a response allocates nothing.
void SerializeResponse(const Response& response, bool head, bool keep_alive,
                       std::string_view http_date, std::string& out);

}  // namespace hitcounter::server

#endif  // HITCOUNTER_SERVER_HTTP_TRANSLATION_H_
