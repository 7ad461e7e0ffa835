#include "core/json.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <array>
#include <optional>
#include <tuple>

#include "core/time_format.h"

namespace hitcounter {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void WriteString(Writer& writer, std::string_view text) {
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

// A timestamp is our own text of digits and punctuation: written raw, it skips the Writer's
// scan for characters to escape, a third of a hit's JSON (callgrind).
void WriteTimestamp(Writer& writer, UnixMillis millis) {
  std::array<char, std::tuple_size_v<Rfc3339Text> + 2> quoted;
  Rfc3339Text text;
  FormatRfc3339Millis(millis, text);
  quoted.front() = '"';
  std::copy(text.begin(), text.end(), quoted.begin() + 1);
  quoted.back() = '"';
  writer.RawValue(quoted.data(), quoted.size(), rapidjson::kStringType);
}

void WriteRouteStats(Writer& writer, const RouteStats& stats) {
  writer.StartObject();
  writer.Key("route");
  WriteString(writer, stats.route);
  writer.Key("count");
  writer.Int64(stats.count);
  writer.Key("firstSeen");
  WriteTimestamp(writer, stats.first_seen);
  writer.Key("lastAccess");
  WriteTimestamp(writer, stats.last_access);
  writer.EndObject();
}

std::string Take(const rapidjson::StringBuffer& buffer) {
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace

std::string RouteStatsJson(const RouteStats& stats) {
  // One buffer and writer per thread, kept: a hit's answer then allocates only its string.
  thread_local rapidjson::StringBuffer buffer;
  thread_local Writer writer;
  buffer.Clear();
  writer.Reset(buffer);
  WriteRouteStats(writer, stats);
  return Take(buffer);
}

std::string StatsPageJson(const StatsPage& page, std::string_view next_cursor) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartObject();
  writer.Key("routes");
  writer.StartArray();
  for (const RouteStats& stats : page.routes) WriteRouteStats(writer, stats);
  writer.EndArray();
  writer.Key("nextCursor");
  if (next_cursor.empty()) {
    writer.Null();
  } else {
    WriteString(writer, next_cursor);
  }
  if (page.totals) {
    writer.Key("totals");
    writer.StartObject();
    writer.Key("routes");
    writer.Int64(page.totals->routes);
    writer.Key("hits");
    writer.Int64(page.totals->hits);
    writer.EndObject();
  }
  writer.EndObject();
  return Take(buffer);
}

namespace {

std::string DeletedJson(std::string_view key, std::string_view value, const DeletedRoutes& deleted,
                        std::optional<bool> more) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartObject();
  writer.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  WriteString(writer, value);
  writer.Key("deletedRoutes");
  writer.Int64(deleted.routes);
  writer.Key("deletedHits");
  writer.Int64(deleted.hits);
  if (more) {
    writer.Key("more");
    writer.Bool(*more);
  }
  writer.EndObject();
  return Take(buffer);
}

}  // namespace

std::string DeletedRouteJson(std::string_view route, const DeletedRoutes& deleted) {
  return DeletedJson("route", route, deleted, std::nullopt);
}

std::string DeletedPrefixJson(std::string_view prefix, const DeletedRoutes& deleted, bool more) {
  return DeletedJson("prefix", prefix, deleted, more);
}

std::string ErrorJson(std::string_view error, std::string_view message) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartObject();
  writer.Key("error");
  WriteString(writer, error);
  writer.Key("message");
  WriteString(writer, message);
  writer.EndObject();
  return Take(buffer);
}

std::string RateLimitedJson(std::string_view route, const RateLimit& limit,
                            std::int64_t retry_after_seconds) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartObject();
  writer.Key("error");
  WriteString(writer, "rate_limited");
  writer.Key("message");
  WriteString(writer, "this route's rate limit is reached; the hit was not counted");
  writer.Key("route");
  WriteString(writer, route);
  writer.Key("limit");
  writer.Int64(limit.limit);
  writer.Key("windowSeconds");
  writer.Int64(limit.window_seconds);
  writer.Key("retryAfter");
  writer.Int64(retry_after_seconds);
  writer.EndObject();
  return Take(buffer);
}

std::string ErrorJsonWithRequestId(std::string_view error_json, std::string_view request_id) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  WriteString(writer, request_id);
  std::string out(error_json.substr(0, error_json.rfind('}')));
  out += ",\"requestId\":";
  out.append(buffer.GetString(), buffer.GetSize());
  out += '}';
  return out;
}

std::string HealthJson() { return R"({"status":"ok"})"; }

}  // namespace hitcounter
