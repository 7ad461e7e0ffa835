#include "store/dynamodb_json.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <charconv>
#include <limits>

namespace hitcounter::dynamodb {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;
using Value = rapidjson::Value;

constexpr std::string_view kRoute = "route";
constexpr std::string_view kCount = "count";
constexpr std::string_view kFirstSeen = "firstSeen";
constexpr std::string_view kLastAccess = "lastAccess";
constexpr std::string_view kWindowStart = "windowStart";
constexpr std::string_view kWindowMs = "windowMs";
constexpr std::string_view kHits = "hits";
constexpr std::string_view kRoutes = "routes";

void Key(Writer& w, std::string_view key) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
}
void String(Writer& w, std::string_view text) {
  w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}
void Member(Writer& w, std::string_view key, std::string_view text) {
  Key(w, key);
  String(w, text);
}
// {"<type>": "<text>"}: a typed DynamoDB value.
void Typed(Writer& w, std::string_view key, std::string_view type, std::string_view text) {
  Key(w, key);
  w.StartObject();
  Member(w, type, text);
  w.EndObject();
}
// "Key": {"route": {"S": route}}
void RouteKey(Writer& w, std::string_view name, std::string_view route) {
  Key(w, name);
  w.StartObject();
  Typed(w, kRoute, "S", route);
  w.EndObject();
}
void Names(Writer& w, std::initializer_list<std::pair<std::string_view, std::string_view>> names) {
  Key(w, "ExpressionAttributeNames");
  w.StartObject();
  for (const auto& [placeholder, name] : names) Member(w, placeholder, name);
  w.EndObject();
}

template <typename Build>
std::string Document(Build&& build) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartObject();
  build(writer);
  writer.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

Status Corrupt(std::string_view what) {
  return Status::Internal("DynamoDB answered with a corrupt " + std::string(what));
}

Result<rapidjson::Document> ParseObject(std::string_view body, std::string_view what) {
  rapidjson::Document doc;
  // Iterative: an answer nested deeper than the stack (an 8 MiB body of '[' fits the HTTP
  // client's limit) is a corrupt answer, not a stack overflow. Found by the fuzz target.
  doc.Parse<rapidjson::kParseIterativeFlag>(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) return Corrupt(what);
  return doc;
}

// The string in {"<type>": "..."} at item[name], or nullptr.
const Value* TypedMember(const Value& item, std::string_view name, const char* type) {
  auto it = item.FindMember(Value(rapidjson::StringRef(name.data(), name.size())));
  if (it == item.MemberEnd() || !it->value.IsObject()) return nullptr;
  auto typed = it->value.FindMember(type);
  if (typed == it->value.MemberEnd() || !typed->value.IsString()) return nullptr;
  return &typed->value;
}

Result<std::int64_t> NumberAttribute(const Value& item, std::string_view name) {
  const Value* number = TypedMember(item, name, "N");
  if (number == nullptr) return Corrupt("item: no number '" + std::string(name) + "'");
  return ParseInteger({number->GetString(), number->GetStringLength()},
                      "attribute '" + std::string(name) + "'");
}

Result<RouteStats> ParseItem(const Value& item) {
  if (!item.IsObject()) return Corrupt("item");
  const Value* route = TypedMember(item, kRoute, "S");
  if (route == nullptr) return Corrupt("item: no string 'route'");
  RouteStats stats;
  stats.route.assign(route->GetString(), route->GetStringLength());
  struct Field {
    std::string_view name;
    std::int64_t* slot;
  };
  for (Field field : {Field{kCount, &stats.count}, Field{kFirstSeen, &stats.first_seen},
                      Field{kLastAccess, &stats.last_access}}) {
    Result<std::int64_t> value = NumberAttribute(item, field.name);
    if (!value.ok()) return value.status();
    *field.slot = *value;
  }
  if (stats.count < 0) return Corrupt("item: a negative count");
  return stats;
}

}  // namespace

std::string UpdateItemRequest(std::string_view table, std::string_view route, const HitBatch& batch,
                              RouteItem item) {
  // DynamoDB numbers hold 38 digits: without `< :max` a count would grow past INT64_MAX. The
  // count may take the batch when count + hits <= INT64_MAX, i.e. count < INT64_MAX - hits + 1.
  std::string_view condition = "attribute_not_exists(#c) OR #c < :max";
  if (item == RouteItem::kExisting) condition = "attribute_exists(#c) AND #c < :max";
  if (item == RouteItem::kNew) condition = "attribute_not_exists(#c)";
  const std::int64_t max = std::numeric_limits<std::int64_t>::max() - batch.hits + 1;
  return Document([&](Writer& w) {
    Member(w, "TableName", table);
    RouteKey(w, "Key", route);
    Member(w, "UpdateExpression", "ADD #c :n SET #la = :last, #fs = if_not_exists(#fs, :first)");
    Member(w, "ConditionExpression", condition);
    Names(w, {{"#c", kCount}, {"#la", kLastAccess}, {"#fs", kFirstSeen}});
    Key(w, "ExpressionAttributeValues");
    w.StartObject();
    Typed(w, ":n", "N", std::to_string(batch.hits));
    Typed(w, ":last", "N", std::to_string(batch.last));
    Typed(w, ":first", "N", std::to_string(batch.first));
    if (item != RouteItem::kNew) Typed(w, ":max", "N", std::to_string(max));
    w.EndObject();
    Member(w, "ReturnValues", "ALL_NEW");
  });
}

std::string UpdateItemRequest(std::string_view table, std::string_view route, UnixMillis now,
                              RouteItem item) {
  return UpdateItemRequest(table, route, HitBatch{1, now, now}, item);
}

std::string ClaimRouteRequest(std::string_view table, std::int64_t max_routes) {
  return Document([&](Writer& w) {
    Member(w, "TableName", table);
    RouteKey(w, "Key", kRouteTotalKey);
    Member(w, "UpdateExpression", "ADD #n :one");
    Member(w, "ConditionExpression", "attribute_not_exists(#n) OR #n < :max");
    Names(w, {{"#n", kRoutes}});
    Key(w, "ExpressionAttributeValues");
    w.StartObject();
    Typed(w, ":one", "N", "1");
    Typed(w, ":max", "N", std::to_string(max_routes));
    w.EndObject();
  });
}

std::string ReleaseRouteRequest(std::string_view table) {
  return Document([&](Writer& w) {
    Member(w, "TableName", table);
    RouteKey(w, "Key", kRouteTotalKey);
    Member(w, "UpdateExpression", "ADD #n :minus_one");
    Names(w, {{"#n", kRoutes}});
    Key(w, "ExpressionAttributeValues");
    w.StartObject();
    Typed(w, ":minus_one", "N", "-1");
    w.EndObject();
  });
}

std::string ClaimWindowRequest(std::string_view table, std::string_view route,
                               const RateLimit& limit, UnixMillis now) {
  return Document([&](Writer& w) {
    Member(w, "TableName", table);
    RouteKey(w, "Key", std::string(kWindowKeyPrefix) + std::string(route));
    Member(w, "UpdateExpression", "SET #h = #h + :one");
    Member(w, "ConditionExpression", "#ws = :ws AND #wm = :wm AND #h < :limit");
    Names(w, {{"#ws", kWindowStart}, {"#wm", kWindowMs}, {"#h", kHits}});
    Key(w, "ExpressionAttributeValues");
    w.StartObject();
    Typed(w, ":ws", "N", std::to_string(limit.WindowStart(now)));
    Typed(w, ":wm", "N", std::to_string(limit.WindowMillis()));
    Typed(w, ":one", "N", "1");
    Typed(w, ":limit", "N", std::to_string(limit.limit));
    w.EndObject();
    Member(w, "ReturnValues", "UPDATED_NEW");
    Member(w, "ReturnValuesOnConditionCheckFailure", "ALL_OLD");
  });
}

std::string ReleaseWindowRequest(std::string_view table, std::string_view route,
                                 const RateLimit& limit, UnixMillis now) {
  return Document([&](Writer& w) {
    Member(w, "TableName", table);
    RouteKey(w, "Key", std::string(kWindowKeyPrefix) + std::string(route));
    Member(w, "UpdateExpression", "SET #h = #h - :one");
    Member(w, "ConditionExpression", "#ws = :ws AND #wm = :wm AND #h > :zero");
    Names(w, {{"#ws", kWindowStart}, {"#wm", kWindowMs}, {"#h", kHits}});
    Key(w, "ExpressionAttributeValues");
    w.StartObject();
    Typed(w, ":ws", "N", std::to_string(limit.WindowStart(now)));
    Typed(w, ":wm", "N", std::to_string(limit.WindowMillis()));
    Typed(w, ":one", "N", "1");
    Typed(w, ":zero", "N", "0");
    w.EndObject();
  });
}

std::string StartWindowRequest(std::string_view table, std::string_view route,
                               const RateLimit& limit, UnixMillis now) {
  const UnixMillis start = limit.WindowStart(now);
  return Document([&](Writer& w) {
    Member(w, "TableName", table);
    RouteKey(w, "Key", std::string(kWindowKeyPrefix) + std::string(route));
    Member(w, "UpdateExpression", "SET #ws = :ws, #wm = :wm, #h = :one, #x = :exp");
    // Never back to an older window: a process whose clock lags cannot reopen one.
    Member(w, "ConditionExpression", "attribute_not_exists(#ws) OR #ws < :ws OR #wm <> :wm");
    Names(w, {{"#ws", kWindowStart}, {"#wm", kWindowMs}, {"#h", kHits}, {"#x", kExpiresAt}});
    Key(w, "ExpressionAttributeValues");
    w.StartObject();
    Typed(w, ":ws", "N", std::to_string(start));
    Typed(w, ":wm", "N", std::to_string(limit.WindowMillis()));
    Typed(w, ":one", "N", "1");
    Typed(w, ":exp", "N", std::to_string((start + limit.WindowMillis()) / 1000));
    w.EndObject();
    Member(w, "ReturnValues", "UPDATED_NEW");
    Member(w, "ReturnValuesOnConditionCheckFailure", "ALL_OLD");
  });
}

Result<std::int64_t> ParseWindowHits(std::string_view body) {
  Result<rapidjson::Document> doc = ParseObject(body, "UpdateItem response");
  if (!doc.ok()) return doc.status();
  auto attributes = doc->FindMember("Attributes");
  if (attributes == doc->MemberEnd() || !attributes->value.IsObject()) {
    return Corrupt("UpdateItem response: no Attributes");
  }
  Result<std::int64_t> hits = NumberAttribute(attributes->value, kHits);
  if (hits.ok() && *hits < 1) return Corrupt("rate-limit window: no hits");
  return hits;
}

Result<std::optional<WindowItem>> ParseFailedWindow(std::string_view body) {
  Result<rapidjson::Document> doc = ParseObject(body, "ConditionalCheckFailedException");
  if (!doc.ok()) return doc.status();
  auto item = doc->FindMember("Item");
  if (item == doc->MemberEnd()) return std::optional<WindowItem>();
  if (!item->value.IsObject()) return Corrupt("rate-limit window");
  WindowItem window;
  struct Field {
    std::string_view name;
    std::int64_t* slot;
  };
  for (Field field : {Field{kWindowStart, &window.start}, Field{kWindowMs, &window.window_ms},
                      Field{kHits, &window.hits}}) {
    Result<std::int64_t> value = NumberAttribute(item->value, field.name);
    if (!value.ok()) return value.status();
    *field.slot = *value;
  }
  return std::optional<WindowItem>(window);
}

std::string EnableTimeToLiveRequest(std::string_view table) {
  return Document([&](Writer& w) {
    Member(w, "TableName", table);
    Key(w, "TimeToLiveSpecification");
    w.StartObject();
    Member(w, "AttributeName", kExpiresAt);
    Key(w, "Enabled");
    w.Bool(true);
    w.EndObject();
  });
}

std::string GetItemRequest(std::string_view table, std::string_view route) {
  return Document([&](Writer& w) {
    Member(w, "TableName", table);
    RouteKey(w, "Key", route);
    Key(w, "ConsistentRead");
    w.Bool(true);
  });
}

std::string ScanRequest(std::string_view table, std::string_view prefix,
                        const std::optional<std::string>& start_after) {
  return Document([&](Writer& w) {
    Member(w, "TableName", table);
    Key(w, "ConsistentRead");
    w.Bool(true);
    Member(w, "FilterExpression", "begins_with(#r, :p)");
    Names(w, {{"#r", kRoute}});
    Key(w, "ExpressionAttributeValues");
    w.StartObject();
    Typed(w, ":p", "S", prefix.empty() ? "/" : prefix);
    w.EndObject();
    if (start_after) RouteKey(w, "ExclusiveStartKey", *start_after);
  });
}

std::string DescribeTableRequest(std::string_view table) {
  return Document([&](Writer& w) { Member(w, "TableName", table); });
}

std::string CreateTableRequest(std::string_view table,
                               const std::optional<ProvisionedCapacity>& provisioned) {
  return Document([&](Writer& w) {
    Member(w, "TableName", table);
    Key(w, "AttributeDefinitions");
    w.StartArray();
    w.StartObject();
    Member(w, "AttributeName", kRoute);
    Member(w, "AttributeType", "S");
    w.EndObject();
    w.EndArray();
    Key(w, "KeySchema");
    w.StartArray();
    w.StartObject();
    Member(w, "AttributeName", kRoute);
    Member(w, "KeyType", "HASH");
    w.EndObject();
    w.EndArray();
    Member(w, "BillingMode", provisioned ? "PROVISIONED" : "PAY_PER_REQUEST");
    if (provisioned) {
      Key(w, "ProvisionedThroughput");
      w.StartObject();
      Key(w, "ReadCapacityUnits");
      w.Int64(provisioned->read_units);
      Key(w, "WriteCapacityUnits");
      w.Int64(provisioned->write_units);
      w.EndObject();
    }
  });
}

Result<std::int64_t> ParseInteger(std::string_view text, std::string_view what) {
  std::string_view digits = text;
  if (!digits.empty() && digits.front() == '-') digits.remove_prefix(1);
  const bool canonical = !digits.empty() && (digits.front() != '0' || text == "0");
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (!canonical || error != std::errc() || end != text.data() + text.size()) {
    return Status::Internal("DynamoDB answered with a corrupt " + std::string(what) + ": '" +
                            std::string(text.substr(0, 40)) + "' is not an integer in int64");
  }
  return value;
}

Result<RouteStats> ParseUpdateItemResponse(std::string_view body) {
  Result<rapidjson::Document> doc = ParseObject(body, "UpdateItem response");
  if (!doc.ok()) return doc.status();
  auto attributes = doc->FindMember("Attributes");
  if (attributes == doc->MemberEnd()) return Corrupt("UpdateItem response: no Attributes");
  return ParseItem(attributes->value);
}

Result<std::optional<RouteStats>> ParseGetItemResponse(std::string_view body) {
  Result<rapidjson::Document> doc = ParseObject(body, "GetItem response");
  if (!doc.ok()) return doc.status();
  auto item = doc->FindMember("Item");
  if (item == doc->MemberEnd()) return std::optional<RouteStats>();
  Result<RouteStats> stats = ParseItem(item->value);
  if (!stats.ok()) return stats.status();
  return std::optional<RouteStats>(std::move(stats).value());
}

Result<ScanPage> ParseScanResponse(std::string_view body) {
  Result<rapidjson::Document> doc = ParseObject(body, "Scan response");
  if (!doc.ok()) return doc.status();
  auto items = doc->FindMember("Items");
  if (items == doc->MemberEnd() || !items->value.IsArray()) return Corrupt("Scan: no Items");
  ScanPage page;
  for (const Value& item : items->value.GetArray()) {
    Result<RouteStats> stats = ParseItem(item);
    if (!stats.ok()) return stats.status();
    page.items.push_back(std::move(stats).value());
  }
  auto scanned = doc->FindMember("ScannedCount");
  if (scanned == doc->MemberEnd() || !scanned->value.IsInt64() || scanned->value.GetInt64() < 0) {
    return Corrupt("Scan: no ScannedCount");
  }
  page.scanned_count = scanned->value.GetInt64();
  auto last = doc->FindMember("LastEvaluatedKey");
  if (last != doc->MemberEnd()) {
    const Value* route = last->value.IsObject() ? TypedMember(last->value, kRoute, "S") : nullptr;
    if (route == nullptr) return Corrupt("Scan: LastEvaluatedKey has no route");
    page.last_evaluated_route = std::string(route->GetString(), route->GetStringLength());
  }
  return page;
}

Result<TableDescription> ParseTableDescription(std::string_view body) {
  Result<rapidjson::Document> doc = ParseObject(body, "table description");
  if (!doc.ok()) return doc.status();
  auto table = doc->FindMember("Table");
  if (table == doc->MemberEnd()) table = doc->FindMember("TableDescription");
  if (table == doc->MemberEnd() || !table->value.IsObject()) return Corrupt("table description");
  const Value& t = table->value;
  auto status = t.FindMember("TableStatus");
  if (status == t.MemberEnd() || !status->value.IsString()) return Corrupt("table status");
  TableDescription description{status->value.GetString(), false};
  auto keys = t.FindMember("KeySchema");
  auto types = t.FindMember("AttributeDefinitions");
  if (keys == t.MemberEnd() || !keys->value.IsArray() || keys->value.Size() != 1 ||
      types == t.MemberEnd() || !types->value.IsArray()) {
    return description;
  }
  const Value& key = keys->value[0];
  auto is = [](const Value& object, const char* name, std::string_view expected) {
    if (!object.IsObject()) return false;
    auto it = object.FindMember(name);
    return it != object.MemberEnd() && it->value.IsString() &&
           std::string_view(it->value.GetString(), it->value.GetStringLength()) == expected;
  };
  if (!is(key, "AttributeName", kRoute) || !is(key, "KeyType", "HASH")) return description;
  for (const Value& definition : types->value.GetArray()) {
    if (is(definition, "AttributeName", kRoute) && is(definition, "AttributeType", "S")) {
      description.keyed_by_route = true;
    }
  }
  return description;
}

std::string ImportRequest(std::string_view table, const RouteStats& record, ImportMode mode,
                          RouteItem item) {
  const bool add = mode == ImportMode::kAdd;
  std::string_view condition;
  if (item == RouteItem::kNew) condition = "attribute_not_exists(#c)";
  if (item == RouteItem::kExisting) {
    condition = add ? "attribute_exists(#c) AND #c <= :room" : "attribute_exists(#c)";
  }
  if (item == RouteItem::kAny && add) condition = "attribute_not_exists(#c) OR #c <= :room";
  return Document([&](Writer& w) {
    Member(w, "TableName", table);
    RouteKey(w, "Key", record.route);
    Member(w, "UpdateExpression",
           add ? "ADD #c :c SET #fs = if_not_exists(#fs, :fs), #la = if_not_exists(#la, :la)"
               : "SET #c = :c, #fs = :fs, #la = :la");
    if (!condition.empty()) Member(w, "ConditionExpression", condition);
    Names(w, {{"#c", kCount}, {"#la", kLastAccess}, {"#fs", kFirstSeen}});
    Key(w, "ExpressionAttributeValues");
    w.StartObject();
    Typed(w, ":c", "N", std::to_string(record.count));
    Typed(w, ":fs", "N", std::to_string(record.first_seen));
    Typed(w, ":la", "N", std::to_string(record.last_access));
    if (add && item != RouteItem::kNew) {
      Typed(w, ":room", "N",
            std::to_string(std::numeric_limits<std::int64_t>::max() - record.count));
    }
    w.EndObject();
    Member(w, "ReturnValues", "ALL_OLD");
  });
}

std::string WidenTimesRequest(std::string_view table, std::string_view route, bool first_seen,
                              UnixMillis at) {
  return Document([&](Writer& w) {
    Member(w, "TableName", table);
    RouteKey(w, "Key", route);
    Member(w, "UpdateExpression", "SET #t = :t");
    Member(w, "ConditionExpression", first_seen ? "#t > :t" : "#t < :t");
    Names(w, {{"#t", first_seen ? kFirstSeen : kLastAccess}});
    Key(w, "ExpressionAttributeValues");
    w.StartObject();
    Typed(w, ":t", "N", std::to_string(at));
    w.EndObject();
  });
}

std::string GiveBackRouteRequest(std::string_view table) {
  return Document([&](Writer& w) {
    Member(w, "TableName", table);
    RouteKey(w, "Key", kRouteTotalKey);
    Member(w, "UpdateExpression", "ADD #n :minus_one");
    Member(w, "ConditionExpression", "#n > :zero");
    Names(w, {{"#n", kRoutes}});
    Key(w, "ExpressionAttributeValues");
    w.StartObject();
    Typed(w, ":minus_one", "N", "-1");
    Typed(w, ":zero", "N", "0");
    w.EndObject();
  });
}

std::string DeleteItemRequest(std::string_view table, std::string_view key) {
  return Document([&](Writer& w) {
    Member(w, "TableName", table);
    RouteKey(w, "Key", key);
    Member(w, "ReturnValues", "ALL_OLD");
  });
}

Result<std::optional<RouteStats>> ParseDeleteItemResponse(std::string_view body) {
  Result<rapidjson::Document> doc = ParseObject(body, "DeleteItem response");
  if (!doc.ok()) return doc.status();
  auto attributes = doc->FindMember("Attributes");
  if (attributes == doc->MemberEnd()) return std::optional<RouteStats>();
  Result<RouteStats> stats = ParseItem(attributes->value);
  if (!stats.ok()) return stats.status();
  return std::optional<RouteStats>(std::move(stats).value());
}

}  // namespace hitcounter::dynamodb
