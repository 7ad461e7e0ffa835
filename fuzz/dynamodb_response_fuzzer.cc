// The DynamoDB store's strict parsing of what DynamoDB answers (store/dynamodb_json.h) and the
// AWS client's parsing of error answers (aws/json_client.h), on any body.
//
// Invariants: an accepted integer prints back as the same text; accepted items have a count of
// at least 0, window hits at least 1, and a Scan's ScannedCount at least 0; a route read from an
// answer, put back into the requests that carry it (UpdateItem, GetItem, Scan's
// ExclusiveStartKey), is read back unchanged from their JSON; an error always has a type.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "aws/json_client.h"
#include "fuzz/fuzz_check.h"
#include "store/dynamodb_json.h"

namespace hitcounter::dynamodb {
namespace {

constexpr std::string_view kTable = "hits";

// request[key]["route"]["S"] of a request document, which must be JSON (not necessarily
// UTF-8: routes read from an answer are passed on as they came).
std::optional<std::string> RouteIn(const std::string& request, const char* key) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(request.data(), request.size());
  FUZZ_CHECK(!doc.HasParseError() && doc.IsObject());
  const rapidjson::Value* at = fuzz::MemberOf(doc, key);
  const rapidjson::Value* route = at != nullptr ? fuzz::MemberOf(*at, "route") : nullptr;
  const rapidjson::Value* text = route != nullptr ? fuzz::MemberOf(*route, "S") : nullptr;
  if (text == nullptr || !text->IsString()) return std::nullopt;
  return std::string(fuzz::View(*text));
}

void CheckRouteRoundTrip(const RouteStats& stats) {
  FUZZ_CHECK(stats.count >= 0);
  FUZZ_CHECK(RouteIn(UpdateItemRequest(kTable, stats.route, stats.last_access), "Key") ==
             stats.route);
  FUZZ_CHECK(RouteIn(GetItemRequest(kTable, stats.route), "Key") == stats.route);
}

}  // namespace
}  // namespace hitcounter::dynamodb

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hitcounter;
  using namespace hitcounter::dynamodb;
  const std::string_view body(reinterpret_cast<const char*>(data), size);

  if (Result<std::int64_t> number = ParseInteger(body, "number"); number.ok()) {
    FUZZ_CHECK(std::to_string(*number) == body);
  }
  if (Result<RouteStats> updated = ParseUpdateItemResponse(body); updated.ok()) {
    CheckRouteRoundTrip(*updated);
  }
  if (Result<std::optional<RouteStats>> item = ParseGetItemResponse(body); item.ok() && *item) {
    CheckRouteRoundTrip(**item);
  }
  if (Result<ScanPage> page = ParseScanResponse(body); page.ok()) {
    FUZZ_CHECK(page->scanned_count >= 0);
    for (const RouteStats& stats : page->items) CheckRouteRoundTrip(stats);
    if (page->last_evaluated_route) {
      FUZZ_CHECK(RouteIn(ScanRequest(kTable, "/", page->last_evaluated_route),
                         "ExclusiveStartKey") == page->last_evaluated_route);
    }
  }
  if (Result<std::int64_t> hits = ParseWindowHits(body); hits.ok()) FUZZ_CHECK(*hits >= 1);
  (void)ParseTableDescription(body);
  for (unsigned status : {400u, 500u}) {
    FUZZ_CHECK(!aws::ParseAwsError(status, body).type.empty());
  }
  return 0;
}
