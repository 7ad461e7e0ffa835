#include "store/dynamodb_json.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

namespace hitcounter::dynamodb {
namespace {

TEST(ParseInteger, AcceptsCanonicalIntegersInInt64) {
  EXPECT_EQ(*ParseInteger("0", "n"), 0);
  EXPECT_EQ(*ParseInteger("42", "n"), 42);
  EXPECT_EQ(*ParseInteger("-7", "n"), -7);
  EXPECT_EQ(*ParseInteger("9223372036854775807", "n"), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(*ParseInteger("-9223372036854775808", "n"), std::numeric_limits<std::int64_t>::min());
}

TEST(ParseInteger, RejectsEverythingElseNamingTheAttribute) {
  for (const char* bad :
       {"", "-", "+1", " 1", "1 ", "01", "-0", "1.0", "1e3", "0x10", "abc", "9223372036854775808",
        "-9223372036854775809", "99999999999999999999999999999999999999"}) {
    Result<std::int64_t> parsed = ParseInteger(bad, "attribute 'count'");
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInternal);
    EXPECT_NE(parsed.status().message().find("attribute 'count'"), std::string::npos);
  }
}

TEST(UpdateItemRequest, AddsOneSetsTimesAndGuardsAgainstOverflow) {
  EXPECT_EQ(UpdateItemRequest("hits", "/a\"b", 1700000000123),
            R"j({"TableName":"hits","Key":{"route":{"S":"/a\"b"}},)j"
            R"j("UpdateExpression":"ADD #c :n SET #la = :last, #fs = if_not_exists(#fs, :first)",)j"
            R"j("ConditionExpression":"attribute_not_exists(#c) OR #c < :max",)j"
            R"j("ExpressionAttributeNames":{"#c":"count","#la":"lastAccess","#fs":"firstSeen"},)j"
            R"j("ExpressionAttributeValues":{":n":{"N":"1"},":last":{"N":"1700000000123"},)j"
            R"j(":first":{"N":"1700000000123"},":max":{"N":"9223372036854775807"}},)j"
            R"j("ReturnValues":"ALL_NEW"})j");
}

TEST(UpdateItemRequest, ABatchAddsItsHitsAndLeavesRoomForAllOfThem) {
  const std::string batch = UpdateItemRequest("hits", "/a", HitBatch{5, 100, 107});
  for (const char* part :
       {R"j(":n":{"N":"5"})j", R"j(":last":{"N":"107"})j", R"j(":first":{"N":"100"})j",
        R"j(":max":{"N":"9223372036854775803"})j"}) {
    EXPECT_NE(batch.find(part), std::string::npos) << part << " in " << batch;
  }
}

TEST(UpdateItemRequest, ABoundedStoreTouchesOnlyAnExistingOrOnlyAMissingItem) {
  EXPECT_NE(UpdateItemRequest("hits", "/a", 1, RouteItem::kExisting)
                .find(R"j("ConditionExpression":"attribute_exists(#c) AND #c < :max")j"),
            std::string::npos);
  std::string create = UpdateItemRequest("hits", "/a", 1, RouteItem::kNew);
  EXPECT_NE(create.find(R"j("ConditionExpression":"attribute_not_exists(#c)")j"),
            std::string::npos);
  // DynamoDB refuses a request with an expression value that no expression uses.
  EXPECT_EQ(create.find(":max"), std::string::npos);
}

TEST(RouteTotalRequests, ClaimRoomBelowTheBoundAndGiveItBack) {
  EXPECT_EQ(ClaimRouteRequest("hits", 100000),
            R"j({"TableName":"hits","Key":{"route":{"S":"route-total"}},)j"
            R"j("UpdateExpression":"ADD #n :one",)j"
            R"j("ConditionExpression":"attribute_not_exists(#n) OR #n < :max",)j"
            R"j("ExpressionAttributeNames":{"#n":"routes"},)j"
            R"j("ExpressionAttributeValues":{":one":{"N":"1"},":max":{"N":"100000"}}})j");
  EXPECT_EQ(
      ReleaseRouteRequest("hits"),
      R"j({"TableName":"hits","Key":{"route":{"S":"route-total"}},)j"
      R"j("UpdateExpression":"ADD #n :minus_one","ExpressionAttributeNames":{"#n":"routes"},)j"
      R"j("ExpressionAttributeValues":{":minus_one":{"N":"-1"}}})j");
}

TEST(ScanRequest, FiltersByPrefixAndContinuesAfterTheLastKey) {
  // No prefix still reads routes only: rate-limit windows have keys that do not start with '/'.
  EXPECT_EQ(
      ScanRequest("hits", "", std::nullopt),
      R"j({"TableName":"hits","ConsistentRead":true,"FilterExpression":"begins_with(#r, :p)",)j"
      R"j("ExpressionAttributeNames":{"#r":"route"},)j"
      R"j("ExpressionAttributeValues":{":p":{"S":"/"}}})j");
  EXPECT_EQ(
      ScanRequest("hits", "/api/", std::string("/api/x")),
      R"j({"TableName":"hits","ConsistentRead":true,"FilterExpression":"begins_with(#r, :p)",)j"
      R"j("ExpressionAttributeNames":{"#r":"route"},)j"
      R"j("ExpressionAttributeValues":{":p":{"S":"/api/"}},)j"
      R"j("ExclusiveStartKey":{"route":{"S":"/api/x"}}})j");
}

TEST(WindowRequests, ClaimAPlaceInTheCurrentWindowOrStartTheNext) {
  const RateLimit per_minute{5, 60};
  const UnixMillis now = 1'795'701'907'123;  // in the window starting at ...900000
  EXPECT_EQ(ClaimWindowRequest("hits", "/login", per_minute, now),
            R"j({"TableName":"hits","Key":{"route":{"S":"rate-window:/login"}},)j"
            R"j("UpdateExpression":"SET #h = #h + :one",)j"
            R"j("ConditionExpression":"#ws = :ws AND #wm = :wm AND #h < :limit",)j"
            R"j("ExpressionAttributeNames":{"#ws":"windowStart","#wm":"windowMs","#h":"hits"},)j"
            R"j("ExpressionAttributeValues":{":ws":{"N":"1795701900000"},":wm":{"N":"60000"},)j"
            R"j(":one":{"N":"1"},":limit":{"N":"5"}},"ReturnValues":"UPDATED_NEW",)j"
            R"j("ReturnValuesOnConditionCheckFailure":"ALL_OLD"})j");
  EXPECT_EQ(StartWindowRequest("hits", "/login", per_minute, now),
            R"j({"TableName":"hits","Key":{"route":{"S":"rate-window:/login"}},)j"
            R"j("UpdateExpression":"SET #ws = :ws, #wm = :wm, #h = :one, #x = :exp",)j"
            R"j("ConditionExpression":"attribute_not_exists(#ws) OR #ws < :ws OR #wm <> :wm",)j"
            R"j("ExpressionAttributeNames":{"#ws":"windowStart","#wm":"windowMs","#h":"hits",)j"
            R"j("#x":"expiresAt"},"ExpressionAttributeValues":{":ws":{"N":"1795701900000"},)j"
            R"j(":wm":{"N":"60000"},":one":{"N":"1"},":exp":{"N":"1795701960"}},)j"
            R"j("ReturnValues":"UPDATED_NEW","ReturnValuesOnConditionCheckFailure":"ALL_OLD"})j");
}

TEST(ParseWindowHits, ReadsTheHitsOrCallsTheAnswerCorrupt) {
  EXPECT_EQ(*ParseWindowHits(R"({"Attributes":{"hits":{"N":"3"}}})"), 3);
  for (const char* bad : {"", "{}", R"({"Attributes":{}})", R"({"Attributes":{"hits":{"S":"3"}}})",
                          R"({"Attributes":{"hits":{"N":"0"}}})"}) {
    EXPECT_EQ(ParseWindowHits(bad).status().code(), StatusCode::kInternal) << bad;
  }
}

TEST(ParseFailedWindow, ReadsTheItemAFailedConditionReturnedOrNothingWithoutOne) {
  Result<std::optional<WindowItem>> seen = ParseFailedWindow(
      R"({"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",)"
      R"("message":"The conditional request failed","Item":{"route":{"S":"rate-window:/a"},)"
      R"("windowStart":{"N":"1795701900000"},"windowMs":{"N":"60000"},"hits":{"N":"5"},)"
      R"("expiresAt":{"N":"1795701960"}}})");
  ASSERT_TRUE(seen.ok()) << seen.status().message();
  ASSERT_TRUE(seen->has_value());
  EXPECT_EQ((*seen)->start, 1'795'701'900'000);
  EXPECT_EQ((*seen)->window_ms, 60'000);
  EXPECT_EQ((*seen)->hits, 5);
  // dynalite, or a missing item: nothing to go on.
  seen = ParseFailedWindow(R"({"__type":"x#ConditionalCheckFailedException","message":"m"})");
  ASSERT_TRUE(seen.ok());
  EXPECT_FALSE(seen->has_value());
  for (const char* bad :
       {"", "[]", R"({"Item":[]})", R"({"Item":{"windowStart":{"N":"1"}}})",
        R"({"Item":{"windowStart":{"N":"1"},"windowMs":{"N":"x"},"hits":{"N":"1"}}})"}) {
    EXPECT_EQ(ParseFailedWindow(bad).status().code(), StatusCode::kInternal) << bad;
  }
}

TEST(EnableTimeToLiveRequest, TurnsOnExpiryOfWindows) {
  EXPECT_EQ(EnableTimeToLiveRequest("hits"), R"j({"TableName":"hits","TimeToLiveSpecification":)j"
                                             R"j({"AttributeName":"expiresAt","Enabled":true}})j");
}

TEST(CreateTableRequest, IsOnDemandUnlessProvisioned) {
  EXPECT_NE(CreateTableRequest("hits", std::nullopt).find(R"("BillingMode":"PAY_PER_REQUEST")"),
            std::string::npos);
  const std::string provisioned = CreateTableRequest("hits", ProvisionedCapacity{5, 10});
  EXPECT_NE(provisioned.find(R"("ProvisionedThroughput":{"ReadCapacityUnits":5,)"
                             R"("WriteCapacityUnits":10})"),
            std::string::npos);
}

TEST(ParseUpdateItemResponse, ReadsTheNewRecord) {
  Result<RouteStats> stats = ParseUpdateItemResponse(
      R"({"Attributes":{"count":{"N":"3"},"lastAccess":{"N":"20"},"route":{"S":"/a"},)"
      R"("firstSeen":{"N":"10"},"extra":{"BOOL":true}}})");
  ASSERT_TRUE(stats.ok()) << stats.status().message();
  EXPECT_EQ(*stats, (RouteStats{"/a", 3, 10, 20}));
}

TEST(ParseUpdateItemResponse, RejectsOddBodiesAsInternalErrors) {
  for (const char* body :
       {"", "null", "[]", "{}", R"({"Attributes":[]})",
        R"({"Attributes":{"count":{"N":"3"},"firstSeen":{"N":"1"},"lastAccess":{"N":"2"}}})",
        R"({"Attributes":{"route":{"S":"/a"},"count":{"S":"3"},"firstSeen":{"N":"1"},)"
        R"("lastAccess":{"N":"2"}}})",
        R"({"Attributes":{"route":{"S":"/a"},"count":{"N":3},"firstSeen":{"N":"1"},)"
        R"("lastAccess":{"N":"2"}}})",
        R"({"Attributes":{"route":{"S":"/a"},"count":{"N":"-1"},"firstSeen":{"N":"1"},)"
        R"("lastAccess":{"N":"2"}}})",
        R"({"Attributes":{"route":{"S":"/a"},"count":{"N":"1.5"},"firstSeen":{"N":"1"},)"
        R"("lastAccess":{"N":"2"}}})"}) {
    EXPECT_EQ(ParseUpdateItemResponse(body).status().code(), StatusCode::kInternal) << body;
  }
}

TEST(ParseGetItemResponse, TellsANeverHitRouteFromACorruptBody) {
  Result<std::optional<RouteStats>> none = ParseGetItemResponse("{}");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(*none);
  EXPECT_EQ(ParseGetItemResponse("{").status().code(), StatusCode::kInternal);
  EXPECT_EQ(ParseGetItemResponse(R"({"Item":{}})").status().code(), StatusCode::kInternal);
}

TEST(ParseScanResponse, ReadsItemsCountsAndTheLastKey) {
  Result<ScanPage> page =
      ParseScanResponse(R"({"Items":[{"route":{"S":"/a"},"count":{"N":"1"},"firstSeen":{"N":"5"},)"
                        R"("lastAccess":{"N":"6"}}],"Count":1,"ScannedCount":4,)"
                        R"("LastEvaluatedKey":{"route":{"S":"/z"}}})");
  ASSERT_TRUE(page.ok()) << page.status().message();
  EXPECT_EQ(page->items, (std::vector<RouteStats>{{"/a", 1, 5, 6}}));
  EXPECT_EQ(page->scanned_count, 4);
  EXPECT_EQ(page->last_evaluated_route, "/z");
  Result<ScanPage> last = ParseScanResponse(R"({"Items":[],"Count":0,"ScannedCount":0})");
  ASSERT_TRUE(last.ok());
  EXPECT_FALSE(last->last_evaluated_route);
  for (const char* bad : {R"({"Count":0,"ScannedCount":0})", R"({"Items":[],"Count":0})",
                          R"({"Items":[],"ScannedCount":0,"LastEvaluatedKey":{"id":{"S":"x"}}})",
                          R"({"Items":[1],"ScannedCount":1})"}) {
    EXPECT_EQ(ParseScanResponse(bad).status().code(), StatusCode::kInternal) << bad;
  }
}

// Regression (fuzz/corpus/dynamodb_response/deeply-nested-array): the recursive parser
// overflowed the stack on an answer nested this deep, well within the HTTP client's 8 MiB.
TEST(ParseDynamoDbAnswers, AnAnswerNestedAMillionLevelsDeepIsCorruptNotACrash) {
  const std::string deep = std::string(1'000'000, '[') + std::string(1'000'000, ']');
  EXPECT_EQ(ParseScanResponse(deep).status().code(), StatusCode::kInternal);
  EXPECT_EQ(ParseUpdateItemResponse(deep).status().code(), StatusCode::kInternal);
  const std::string deep_item = R"({"Item":)" + std::string(1'000'000, '{');
  EXPECT_EQ(ParseGetItemResponse(deep_item).status().code(), StatusCode::kInternal);
}

TEST(ParseTableDescription, ReadsTheStatusAndChecksTheKey) {
  Result<TableDescription> described = ParseTableDescription(
      R"({"Table":{"TableStatus":"CREATING","KeySchema":[{"AttributeName":"route",)"
      R"("KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"route",)"
      R"("AttributeType":"S"}]}})");
  ASSERT_TRUE(described.ok());
  EXPECT_EQ(described->status, "CREATING");
  EXPECT_TRUE(described->keyed_by_route);
  Result<TableDescription> numeric = ParseTableDescription(
      R"({"TableDescription":{"TableStatus":"ACTIVE","KeySchema":[{"AttributeName":"route",)"
      R"("KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"route",)"
      R"("AttributeType":"N"}]}})");
  ASSERT_TRUE(numeric.ok());
  EXPECT_FALSE(numeric->keyed_by_route);
  EXPECT_EQ(ParseTableDescription(R"({"Table":{}})").status().code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace hitcounter::dynamodb
