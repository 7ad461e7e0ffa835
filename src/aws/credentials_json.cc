#include "aws/credentials_json.h"

#include <rapidjson/document.h>

#include <utility>

namespace hitcounter::aws {
namespace {

// A member that is a string: its value; absent: nullopt; another type: an error.
Result<std::optional<std::string>> StringMember(const rapidjson::Document& doc, const char* name) {
  auto it = doc.FindMember(name);
  if (it == doc.MemberEnd() || it->value.IsNull()) return std::optional<std::string>();
  if (!it->value.IsString()) {
    return Status::Unavailable(std::string(name) + " is not a string");
  }
  return std::optional<std::string>(
      std::string(it->value.GetString(), it->value.GetStringLength()));
}

}  // namespace

Result<ExpiringCredentials> ParseCredentialsDocument(std::string_view json,
                                                     CredentialsDocument kind) {
  rapidjson::Document doc;
  // Iterative: a hostile document nested deeper than the stack cannot overflow it.
  doc.Parse<rapidjson::kParseIterativeFlag>(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return Status::Unavailable("the answer is not a JSON object");
  }
  const bool process = kind == CredentialsDocument::kProcess;
  if (process) {
    auto version = std::as_const(doc).FindMember("Version");
    if (version == doc.MemberEnd() || !version->value.IsInt() || version->value.GetInt() != 1) {
      return Status::Unavailable("its output lacks \"Version\": 1");
    }
  } else {
    Result<std::optional<std::string>> code = StringMember(doc, "Code");
    if (!code.ok()) return code.status();
    if (*code && **code != "Success") {
      return Status::Unavailable("the answer's Code is " + (*code)->substr(0, 64));
    }
  }
  const char* token_name = process ? "SessionToken" : "Token";
  ExpiringCredentials out;
  struct Field {
    const char* name;
    std::string* target;
    bool required;
  };
  std::string expiration;
  const Field fields[] = {{"AccessKeyId", &out.credentials.access_key_id, true},
                          {"SecretAccessKey", &out.credentials.secret_access_key, true},
                          {token_name, &out.credentials.session_token, !process},
                          {"Expiration", &expiration, !process}};
  for (const Field& field : fields) {
    Result<std::optional<std::string>> value = StringMember(doc, field.name);
    if (!value.ok()) return value.status();
    if (*value && !(*value)->empty()) {
      *field.target = std::move(**value);
    } else if (field.required) {
      return Status::Unavailable(std::string("no ") + field.name);
    }
  }
  if (!expiration.empty()) {
    out.expiration = ParseIso8601(expiration);
    if (!out.expiration) return Status::Unavailable("Expiration is not an ISO 8601 timestamp");
  }
  return out;
}

}  // namespace hitcounter::aws
