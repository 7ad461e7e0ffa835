// API Gateway and Function URL events -> the core's Request, and the core's Response -> the
// proxy response JSON those front doors expect back. Pure functions: no I/O, no state; safe to
// call from any thread.
//
// Three kinds of event arrive, in two payload formats:
//   - REST API proxy events (payload 1.0): `httpMethod`, and `path` as sent on the wire,
//     percent-encoded (PathEncoding::kPercentEncoded). The stage is not in `path`.
//     `resource` and `pathParameters` are ignored: the route is the path the client asked for.
//   - HTTP API events and Function URL events (payload 2.0, `"version":"2.0"`):
//     `requestContext.http.method`, and `rawPath` already decoded (PathEncoding::kDecoded).
//     An HTTP API stage other than `$default` prefixes rawPath with "/<stage>"; that prefix is
//     not part of the route and is removed.
// So one request counts under one route whichever door it came through.
//
// Of the headers, only Authorization is read (for the admin token), found whatever the case of
// its name: API Gateway passes names as the client sent them (1.0) or in lower case (2.0).
//
// Only reserved endpoints (`/_stats?...`) read a query string; it is rebuilt from
// `rawQueryString` (2.0) or, re-encoded, from the decoded `multiValueQueryStringParameters` /
// `queryStringParameters` (1.0). Bodies are never read (a hit ignores them), so a body flagged
// `isBase64Encoded` that is not base64 changes nothing.
#ifndef HITCOUNTER_LAMBDA_API_GATEWAY_EVENT_H_
#define HITCOUNTER_LAMBDA_API_GATEWAY_EVENT_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "hitcounter/route.h"
#include "hitcounter/service.h"
#include "hitcounter/status.h"

namespace hitcounter::lambda {

// Which payload format an event used.
enum class EventFormat { kRestV1, kHttpV2 };

struct HttpEvent {
  EventFormat format = EventFormat::kRestV1;
  Request request;
};

// The request an event carries. kInvalidArgument, with a sentence saying what is wrong, for an
// event that is not JSON, is neither format, or has a required field missing or of the wrong
// type; kTooLong when its target is longer than kMaxTargetBytes. Never throws.
Result<HttpEvent> ParseHttpEvent(std::string_view event_json);

// `text` with every byte but the unreserved ones (A-Z a-z 0-9 - . _ ~) percent-encoded, as
// a query-string key or value must be for ParseStatsQuery to read back the same text.
std::string EncodeQueryComponent(std::string_view text);

// The proxy response for `response`, valid for payload 1.0 and 2.0 alike:
// {"statusCode":N,"headers":{"Content-Type":..,...},"body":"..","isBase64Encoded":false}.
// Headers with the same name are joined with ", ". `head` drops the body (a HEAD request).
std::string ProxyResponseJson(const Response& response, bool head = false);

// The proxy response for an event that could not be read: `status` with the service's JSON
// error body (see MakeErrorResponse); 400 "bad_event" or 414 "target_too_long" from `status`.
Response BadEventResponse(const Status& status);

}  // namespace hitcounter::lambda

#endif  // HITCOUNTER_LAMBDA_API_GATEWAY_EVENT_H_
