#include "core/log_line.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>

#include "core/time_format.h"

namespace hitcounter {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

// Appends `,"key":` (or the key alone when `first`) to `out`.
void AppendKey(std::string& out, std::string_view key, bool first) {
  rapidjson::StringBuffer buffer;
  Writer json(buffer);
  json.String(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  if (!first) out += ',';
  out.append(buffer.GetString(), buffer.GetSize());
  out += ':';
}

void AppendString(std::string& out, std::string_view value) {
  rapidjson::StringBuffer buffer;
  Writer json(buffer);
  json.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  out.append(buffer.GetString(), buffer.GetSize());
}

UnixMillis Now() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

LogLine::LogLine(std::string_view level, std::string_view message)
    : LogLine(Now(), level, message) {}

LogLine::LogLine(UnixMillis time, std::string_view level, std::string_view message) {
  head_ = "{";
  AppendKey(head_, "time", /*first=*/true);
  AppendString(head_, FormatRfc3339Millis(time));
  AppendKey(head_, "level", false);
  AppendString(head_, level);
  AppendKey(head_, "message", false);
  AppendString(head_, message);
}

LogLine& LogLine::Add(std::string_view key, std::string_view value) {
  AppendKey(fields_, key, false);
  AppendString(fields_, value);
  return *this;
}

LogLine& LogLine::Add(std::string_view key, std::int64_t value) {
  AppendKey(fields_, key, false);
  fields_ += std::to_string(value);
  return *this;
}

LogLine& LogLine::Add(std::string_view key, double value) {
  AppendKey(fields_, key, false);
  rapidjson::StringBuffer buffer;
  Writer json(buffer);
  json.Double(value);
  fields_.append(buffer.GetString(), buffer.GetSize());
  return *this;
}

std::string LogLine::Text() const { return head_ + fields_ + "}"; }

void LogLine::WriteTo(std::FILE* out) const {
  const std::string line = Text() + "\n";
  std::fwrite(line.data(), 1, line.size(), out);
  std::fflush(out);
}

}  // namespace hitcounter
