#include "lambda/log.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdio>

namespace hitcounter::lambda {

void LogError(std::string_view request_id, std::string_view message) {
  rapidjson::StringBuffer line;
  rapidjson::Writer<rapidjson::StringBuffer> json(line);
  auto member = [&json](const char* key, std::string_view value) {
    json.Key(key);
    json.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  };
  json.StartObject();
  member("level", "error");
  if (!request_id.empty()) member("requestId", request_id);
  member("message", message);
  json.EndObject();
  std::fprintf(stderr, "%s\n", line.GetString());
}

}  // namespace hitcounter::lambda
