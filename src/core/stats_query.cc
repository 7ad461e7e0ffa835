#include "core/stats_query.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <utility>

#include "core/utf8.h"
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

// The parameters /_stats takes, in the order its messages name them.
constexpr std::array<std::string_view, 6> kParameters = {"sort",   "limit", "cursor",
                                                         "prefix", "route", "totals"};

// An unknown parameter's name is echoed back at most this long.
constexpr std::size_t kMaxEchoedNameBytes = 64;

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// The name of an unknown parameter as an error message may show it: decoded, at most
// kMaxEchoedNameBytes, and only when it is readable UTF-8 (an answer is JSON), else empty.
std::string EchoableName(std::string_view raw_key) {
  Result<std::string> name = DecodeQueryValue(raw_key);
  std::string shown = name.ok() ? *name : std::string(raw_key);
  const bool cut = shown.size() > kMaxEchoedNameBytes;
  if (cut) shown.resize(kMaxEchoedNameBytes);
  // A cut may split a character: drop up to three bytes of it.
  for (int dropped = 0; !CheckReadableUtf8(shown).ok(); ++dropped) {
    if (!cut || dropped == 3 || shown.empty()) return "";
    shown.pop_back();
  }
  return cut ? shown + "..." : shown;
}

Status UnknownParameter(std::string_view raw_key) {
  const std::string shown = EchoableName(raw_key);
  std::string known;
  for (std::string_view parameter : kParameters) {
    known += known.empty() ? "" : parameter == kParameters.back() ? " and " : ", ";
    known += parameter;
  }
  const std::string named = shown.empty() ? "an unknown parameter (its name is not readable text)"
                                          : "unknown parameter \"" + shown + "\"";
  return Status::InvalidArgument(named + ": stats takes " + known);
}

Result<bool> ParseTotals(std::string_view value) {
  if (value == "true") return true;
  if (value == "false") return false;
  return Status::InvalidArgument("totals must be true or false");
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

Result<StatsOrder> ParseStatsOrder(std::string_view text) {
  if (EqualsIgnoringCase(text, "count")) return StatsOrder::kByCount;
  if (EqualsIgnoringCase(text, "route")) return StatsOrder::kByRoute;
  if (EqualsIgnoringCase(text, "lastAccess")) return StatsOrder::kByLastAccess;
  return Status::InvalidArgument("sort must be count, route or lastAccess");
}

Result<StatsRequest> ParseStatsQuery(std::string_view query) {
  StatsRequest request;
  std::string_view cursor_text;
  std::array<bool, kParameters.size()> seen{};
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;  // "a=1&&b=2", a trailing '&'
    std::size_t equals = pair.find('=');
    Result<std::string> key = DecodeQueryValue(pair.substr(0, equals));
    std::string_view raw = equals == std::string_view::npos ? "" : pair.substr(equals + 1);
    const auto* known =
        key.ok() ? std::find(kParameters.begin(), kParameters.end(), *key) : kParameters.end();
    if (known == kParameters.end()) return UnknownParameter(pair.substr(0, equals));
    const std::size_t index = static_cast<std::size_t>(known - kParameters.begin());
    if (std::exchange(seen[index], true)) {
      return Status::InvalidArgument(*key + " is given twice");
    }
    Result<std::string> value = DecodeQueryValue(raw);
    if (!value.ok()) return Status::InvalidArgument(*key + ": " + value.status().message());
    if (*key == "sort") {
      Result<StatsOrder> order = ParseStatsOrder(*value);
      if (!order.ok()) return order.status();
      request.listing.order = *order;
    } else if (*key == "limit") {
      Result<std::size_t> limit = ParseLimit(*value);
      if (!limit.ok()) return limit.status();
      request.listing.limit = *limit;
    } else if (*key == "cursor") {
      cursor_text = raw;
    } else if (*key == "prefix") {
      request.listing.prefix = std::move(value).value();
    } else if (*key == "totals") {
      Result<bool> totals = ParseTotals(*value);
      if (!totals.ok()) return totals.status();
      request.listing.with_totals = *totals;
    } else {
      Result<std::string> route = NormalizeRoute(*value);
      if (!route.ok()) return Status(route.status().code(), "route: " + route.status().message());
      request.route = std::move(route).value();
    }
  }
  if (request.route && std::count(seen.begin(), seen.end(), true) > 1) {
    return Status::InvalidArgument(
        "route names one route: it takes none of sort, limit, cursor, prefix and totals");
  }
  if (!cursor_text.empty()) {
    Result<StatsCursor> cursor = DecodeCursor(request.listing.order, cursor_text);
    if (!cursor.ok()) return cursor.status();
    request.listing.after = std::move(cursor).value();
  }
  return request;
}

Result<DeleteRequest> ParseDeleteQuery(std::string_view query) {
  DeleteRequest request;
  const Status usage = Status::InvalidArgument(
      "a deletion takes exactly one of route=ROUTE (one route) and prefix=PREFIX (the routes "
      "starting with it; prefix=/ for all)");
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    std::size_t equals = pair.find('=');
    Result<std::string> key = DecodeQueryValue(pair.substr(0, equals));
    if (!key.ok() || (*key != "route" && *key != "prefix")) return usage;
    if (request.route || request.prefix) return usage;  // twice, or both
    Result<std::string> value =
        DecodeQueryValue(equals == std::string_view::npos ? "" : pair.substr(equals + 1));
    if (!value.ok()) return Status::InvalidArgument(*key + ": " + value.status().message());
    if (*key == "prefix") {
      if (value->empty()) return usage;
      request.prefix = std::move(value).value();
      continue;
    }
    Result<std::string> route = NormalizeRoute(*value);
    if (!route.ok()) return Status(route.status().code(), "route: " + route.status().message());
    request.route = std::move(route).value();
  }
  if (!request.route && !request.prefix) return usage;
  return request;
}

}  // namespace hitcounter
