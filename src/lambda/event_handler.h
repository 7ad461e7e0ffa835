// One event, start to finish: the event's request through the Service, and the proxy response
// that goes back, with the facts the invocation's log line reports.
//
// Expected failures are normal proxy responses, not runtime errors: an event that cannot be
// read is 400 (bad_event) or 414, an oversized one 413, a bad path 400, the store down 503.
//
// Thread safety: as Service::Handle (any thread); `service` must outlive the call.
#ifndef HITCOUNTER_LAMBDA_EVENT_HANDLER_H_
#define HITCOUNTER_LAMBDA_EVENT_HANDLER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hitcounter/service.h"

namespace hitcounter::lambda {

struct HandledEvent {
  std::string proxy_response;  // the JSON for POST .../response
  int status = 0;
  std::string route;                  // the route, when the event had a valid path
  std::string error;                  // the error code of an error answer ("bad_event", ...)
  std::optional<std::int64_t> count;  // the route's count, after a counted hit
  std::string detail;                 // what failed inside, for the log only (Response::detail)
};

// Handles `event_json` through `service`, whose store calls end by `deadline`. The service's
// store must answer before returning (an inline store: DynamoDbStore with no workers); an answer
// that does not come is a 500. Throws only what allocation throws.
// `request_id` (the invocation's) is quoted in a server-side failure's body.
HandledEvent HandleEvent(Service& service, std::string_view event_json,
                         Deadline deadline = kNoDeadline, std::string_view request_id = {});

// The answer to an event larger than the runtime reads (413 event_too_large).
HandledEvent HandleOversizedEvent();

}  // namespace hitcounter::lambda

#endif  // HITCOUNTER_LAMBDA_EVENT_HANDLER_H_
