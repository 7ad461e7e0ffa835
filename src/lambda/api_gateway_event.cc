#include "lambda/api_gateway_event.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <utility>
#include <vector>

namespace hitcounter::lambda {
namespace {

using rapidjson::Value;

// Iterative: a hostile event nested a million levels deep cannot exhaust the stack. Strict
// UTF-8: text that is not UTF-8 is refused here rather than half-way through a route.
constexpr unsigned kParseFlags =
    rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;

std::string_view View(const Value& value) { return {value.GetString(), value.GetStringLength()}; }

// The member `name` of `object`: nullptr when absent or null.
const Value* Member(const Value& object, const char* name) {
  auto member = object.FindMember(name);
  if (member == object.MemberEnd() || member->value.IsNull()) return nullptr;
  return &member->value;
}

// The string member `name`: nullopt when absent or null; kInvalidArgument when not a string.
Result<std::optional<std::string_view>> OptionalString(const Value& object, const char* name) {
  const Value* value = Member(object, name);
  if (value == nullptr) return std::optional<std::string_view>();
  if (!value->IsString()) {
    return Status::InvalidArgument(std::string("the event's \"") + name + "\" is not a string");
  }
  return std::optional<std::string_view>(View(*value));
}

Result<std::string_view> RequiredString(const Value& object, const char* name) {
  Result<std::optional<std::string_view>> value = OptionalString(object, name);
  if (!value.ok()) return value.status();
  if (!value->has_value() || (*value)->empty()) {
    return Status::InvalidArgument(std::string("the event has no \"") + name + "\"");
  }
  return **value;
}

Result<const Value*> RequiredObject(const Value& object, const char* name) {
  const Value* value = Member(object, name);
  if (value == nullptr || !value->IsObject()) {
    return Status::InvalidArgument(std::string("the event has no \"") + name + "\" object");
  }
  return value;
}

void AppendQueryPair(std::string& query, std::string_view key, std::string_view value) {
  if (!query.empty()) query.push_back('&');
  query += EncodeQueryComponent(key);
  query.push_back('=');
  query += EncodeQueryComponent(value);
}

// 1.0 query parameters arrive decoded: encode them again. The multi-value map has every
// value; the single-value one only the last of each key, so it is the fallback.
Result<std::string> RestQuery(const Value& event) {
  static const Status kBadQuery = Status::InvalidArgument(
      "the event's query string parameters are not a map of strings (or of lists of strings)");
  std::string query;
  if (const Value* multi = Member(event, "multiValueQueryStringParameters")) {
    if (!multi->IsObject()) return kBadQuery;
    for (const auto& [key, values] : multi->GetObject()) {
      if (!values.IsArray()) return kBadQuery;
      for (const Value& value : values.GetArray()) {
        if (!value.IsString()) return kBadQuery;
        AppendQueryPair(query, View(key), View(value));
      }
    }
    return query;
  }
  if (const Value* single = Member(event, "queryStringParameters")) {
    if (!single->IsObject()) return kBadQuery;
    for (const auto& [key, value] : single->GetObject()) {
      if (!value.IsString()) return kBadQuery;
      AppendQueryPair(query, View(key), View(value));
    }
  }
  return query;
}

bool IsAuthorization(std::string_view name) {
  constexpr std::string_view kName = "authorization";
  return name.size() == kName.size() &&
         std::equal(name.begin(), name.end(), kName.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == b;
         });
}

// The Authorization header of the event's `headers` map (both formats have it), or empty. A
// value that is not a string is ignored, as a missing header: it cannot hold a token.
std::string AuthorizationOf(const Value& event) {
  const Value* headers = Member(event, "headers");
  if (headers == nullptr || !headers->IsObject()) return {};
  for (const auto& [name, value] : headers->GetObject()) {
    if (IsAuthorization(View(name)) && value.IsString()) return std::string(View(value));
  }
  return {};
}

Result<HttpEvent> RestEvent(const Value& event) {
  Result<std::string_view> method = RequiredString(event, "httpMethod");
  if (!method.ok()) return method.status();
  Result<std::string_view> path = RequiredString(event, "path");
  if (!path.ok()) return path.status();
  Result<std::string> query = RestQuery(event);
  if (!query.ok()) return query.status();
  HttpEvent out{EventFormat::kRestV1,
                Request{std::string(*method), std::string(*path), PathEncoding::kPercentEncoded}};
  if (!query->empty()) out.request.target += "?" + *query;
  return out;
}

// rawPath without the "/<stage>" prefix an HTTP API adds for a stage other than $default.
std::string_view WithoutStage(std::string_view raw_path, std::optional<std::string_view> stage) {
  if (!stage || stage->empty() || *stage == "$default") return raw_path;
  if (raw_path.size() <= stage->size() || raw_path[0] != '/' ||
      raw_path.substr(1, stage->size()) != *stage) {
    return raw_path;
  }
  std::string_view rest = raw_path.substr(1 + stage->size());
  if (rest.empty()) return "/";
  return rest.front() == '/' ? rest : raw_path;
}

// A decoded path as the Request's target. A decoded '?' or '#' would read as the start of the
// query or fragment, so such a path is percent-encoded instead ('%' too, to stay literal).
void SetDecodedPath(std::string_view path, Request& request) {
  if (path.find_first_of("?#") == std::string_view::npos) {
    request.target = std::string(path);
    request.encoding = PathEncoding::kDecoded;
    return;
  }
  request.target.clear();
  for (char c : path) {
    if (c == '%') {
      request.target += "%25";
    } else if (c == '?') {
      request.target += "%3F";
    } else if (c == '#') {
      request.target += "%23";
    } else {
      request.target.push_back(c);
    }
  }
  request.encoding = PathEncoding::kPercentEncoded;
}

Result<HttpEvent> HttpApiEvent(const Value& event) {
  Result<const Value*> context = RequiredObject(event, "requestContext");
  if (!context.ok()) return context.status();
  Result<const Value*> http = RequiredObject(**context, "http");
  if (!http.ok()) return http.status();
  Result<std::string_view> method = RequiredString(**http, "method");
  if (!method.ok()) return method.status();
  Result<std::string_view> raw_path = RequiredString(event, "rawPath");
  if (!raw_path.ok()) return raw_path.status();
  Result<std::optional<std::string_view>> stage = OptionalString(**context, "stage");
  if (!stage.ok()) return stage.status();
  Result<std::optional<std::string_view>> query = OptionalString(event, "rawQueryString");
  if (!query.ok()) return query.status();

  HttpEvent out{EventFormat::kHttpV2, Request{std::string(*method), {}, {}}};
  SetDecodedPath(WithoutStage(*raw_path, *stage), out.request);
  if (query->has_value() && !(*query)->empty()) {
    out.request.target += "?";
    out.request.target += **query;
  }
  return out;
}

// "Content-Type" first (when there is one), then the other headers; a repeated name is one
// entry with the values joined by ", " (a JSON object cannot repeat a key).
std::vector<std::pair<std::string, std::string>> MergedHeaders(const Response& response) {
  std::vector<std::pair<std::string, std::string>> headers;
  if (!response.content_type.empty()) {
    headers.emplace_back("Content-Type", std::string(response.content_type));
  }
  for (const auto& [header_name, value] : response.headers) {
    // A named reference: clang 14 cannot capture a structured binding.
    const std::string_view name = header_name;
    auto same = std::find_if(headers.begin(), headers.end(), [&name](const auto& header) {
      return header.first.size() == name.size() &&
             std::equal(name.begin(), name.end(), header.first.begin(), [](char a, char b) {
               return std::tolower(static_cast<unsigned char>(a)) ==
                      std::tolower(static_cast<unsigned char>(b));
             });
    });
    if (same == headers.end()) {
      headers.emplace_back(std::string(name), value);
    } else {
      same->second += ", " + value;
    }
  }
  return headers;
}

}  // namespace

Result<HttpEvent> ParseHttpEvent(std::string_view event_json) {
  rapidjson::Document event;
  event.Parse<kParseFlags>(event_json.data(), event_json.size());
  if (event.HasParseError() || !event.IsObject()) {
    return Status::InvalidArgument("the event is not a JSON object");
  }
  Result<std::optional<std::string_view>> version = OptionalString(event, "version");
  if (!version.ok()) return version.status();
  Result<HttpEvent> parsed = Status::InvalidArgument(
      "not an API Gateway (REST or HTTP API) or Function URL event: no \"httpMethod\" and no "
      "\"version\":\"2.0\"");
  if (*version == "2.0") {
    parsed = HttpApiEvent(event);
  } else if (Member(event, "httpMethod") != nullptr) {
    parsed = RestEvent(event);
  }
  if (parsed.ok() && parsed->request.target.size() > kMaxTargetBytes) {
    return Status::TooLong("the request target is longer than " + std::to_string(kMaxTargetBytes) +
                           " bytes");
  }
  if (!parsed.ok()) return parsed;
  HttpEvent out = std::move(parsed).value();
  out.request.authorization = AuthorizationOf(event);
  return out;
}

std::string EncodeQueryComponent(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0x0F]);
    }
  }
  return out;
}

std::string ProxyResponseJson(const Response& response, bool head) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> json(buffer);
  auto string = [&json](std::string_view text) {
    json.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  };
  json.StartObject();
  json.Key("statusCode");
  json.Int(response.status);
  json.Key("headers");
  json.StartObject();
  for (const auto& [name, value] : MergedHeaders(response)) {
    string(name);
    string(value);
  }
  json.EndObject();
  json.Key("body");
  string(head ? std::string_view() : std::string_view(response.body));
  json.Key("isBase64Encoded");
  json.Bool(false);
  json.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

Response BadEventResponse(const Status& status) {
  if (status.code() == StatusCode::kTooLong) {
    return MakeErrorResponse(414, "target_too_long", status.message());
  }
  return MakeErrorResponse(400, "bad_event", status.message());
}

}  // namespace hitcounter::lambda
