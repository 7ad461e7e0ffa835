#include "core/stats_query.h"

#include <charconv>

#include "hitcounter/route.h"
#include "hitcounter/service.h"

namespace hitcounter {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

char OrderLetter(StatsOrder order) {
  switch (order) {
    case StatsOrder::kByCount:
      return 'c';
    case StatsOrder::kByRoute:
      return 'r';
    case StatsOrder::kByLastAccess:
      return 'l';
  }
  return '?';
}

Result<StatsOrder> ParseOrder(std::string_view value) {
  if (value == "count") return StatsOrder::kByCount;
  if (value == "route") return StatsOrder::kByRoute;
  if (value == "lastAccess") return StatsOrder::kByLastAccess;
  return Status::InvalidArgument("sort must be count, route or lastAccess");
}

Result<std::size_t> ParseLimit(std::string_view value) {
  std::size_t limit = 0;
  auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), limit);
  if (error != std::errc() || end != value.data() + value.size() || limit < 1 ||
      limit > kMaxStatsLimit) {
    return Status::InvalidArgument("limit must be a whole number from 1 to " +
                                   std::to_string(kMaxStatsLimit));
  }
  return limit;
}

Result<std::string> Unhex(std::string_view text) {
  if (text.size() % 2 != 0) return Status::InvalidArgument("bad cursor");
  std::string out;
  out.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    unsigned value = 0;
    auto [end, error] = std::from_chars(text.data() + i, text.data() + i + 2, value, 16);
    if (error != std::errc() || end != text.data() + i + 2) {
      return Status::InvalidArgument("bad cursor");
    }
    out.push_back(static_cast<char>(value));
  }
  return out;
}

}  // namespace

std::string EncodeCursor(StatsOrder order, const StatsCursor& cursor) {
  std::string plain = OrderLetter(order) + std::to_string(cursor.key) + ":" + cursor.route;
  std::string hex;
  hex.reserve(plain.size() * 2);
  for (char c : plain) {
    const auto byte = static_cast<unsigned char>(c);
    hex.push_back(kHexDigits[byte >> 4]);
    hex.push_back(kHexDigits[byte & 0xF]);
  }
  return hex;
}

Result<StatsCursor> DecodeCursor(StatsOrder order, std::string_view text) {
  Status bad = Status::InvalidArgument("cursor is not a nextCursor of this sort order");
  Result<std::string> plain = Unhex(text);
  if (!plain.ok() || plain->empty() || plain->front() != OrderLetter(order)) return bad;
  std::size_t colon = plain->find(':');
  if (colon == std::string::npos) return bad;
  StatsCursor cursor;
  const char* first = plain->data() + 1;
  const char* last = plain->data() + colon;
  auto [end, error] = std::from_chars(first, last, cursor.key);
  if (error != std::errc() || end != last) return bad;
  cursor.route = plain->substr(colon + 1);
  return cursor;
}

Result<StatsRequest> ParseStatsQuery(std::string_view query) {
  StatsRequest request;
  std::string_view cursor_text;
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    std::size_t equals = pair.find('=');
    std::string_view key = pair.substr(0, equals);
    std::string_view raw = equals == std::string_view::npos ? "" : pair.substr(equals + 1);
    if (key == "sort") {
      Result<StatsOrder> order = ParseOrder(raw);
      if (!order.ok()) return order.status();
      request.listing.order = *order;
    } else if (key == "limit") {
      Result<std::size_t> limit = ParseLimit(raw);
      if (!limit.ok()) return limit.status();
      request.listing.limit = *limit;
    } else if (key == "cursor") {
      cursor_text = raw;
    } else if (key == "prefix" || key == "route") {
      Result<std::string> value = DecodeQueryValue(raw);
      if (!value.ok())
        return Status::InvalidArgument(std::string(key) + ": " + value.status().message());
      if (key == "prefix") {
        request.listing.prefix = std::move(value).value();
        continue;
      }
      Result<std::string> route = NormalizeRoute(*value);
      if (!route.ok()) return Status(route.status().code(), "route: " + route.status().message());
      request.route = std::move(route).value();
    }
  }
  if (!cursor_text.empty()) {
    Result<StatsCursor> cursor = DecodeCursor(request.listing.order, cursor_text);
    if (!cursor.ok()) return cursor.status();
    request.listing.after = std::move(cursor).value();
  }
  return request;
}

}  // namespace hitcounter
