#include "aws/sts_client.h"

#include <expat.h>

#include <algorithm>
#include <array>
#include <map>
#include <thread>
#include <vector>

#include "aws/url.h"

namespace hitcounter::aws {
namespace {

constexpr std::string_view kUserAgent = "hitcounter/0.1";
constexpr std::string_view kStsVersion = "2011-06-15";
// STS nests 4 levels deep; a deeper document is not an STS answer.
constexpr std::size_t kMaxXmlDepth = 16;
// The longest STS error message quoted in a Status.
constexpr std::size_t kMaxQuotedMessage = 300;

// Reads the text of the elements at `paths` ("A/B/C", from the root) of an XML document.
class LeafReader {
 public:
  explicit LeafReader(std::vector<std::string> paths) : paths_(std::move(paths)) {}

  // The root element's name and the text of each wanted element found; an error saying why the
  // document is refused.
  Status Read(std::string_view xml) {
    XML_Parser parser = XML_ParserCreate("UTF-8");
    if (parser == nullptr) return Status::Internal("cannot create an XML parser");
    parser_ = parser;
    XML_SetUserData(parser, this);
    XML_SetElementHandler(parser, &LeafReader::OnStart, &LeafReader::OnEnd);
    XML_SetCharacterDataHandler(parser, &LeafReader::OnText);
    XML_SetStartDoctypeDeclHandler(parser, &LeafReader::OnDoctype);
    const bool parsed =
        XML_Parse(parser, xml.data(), static_cast<int>(xml.size()), XML_TRUE) == XML_STATUS_OK;
    std::string expat_error = parsed ? "" : XML_ErrorString(XML_GetErrorCode(parser));
    XML_ParserFree(parser);
    if (!refusal_.empty()) return Status::Unavailable(refusal_);
    if (!parsed) return Status::Unavailable("malformed XML (" + expat_error + ")");
    return Status::Ok();
  }

  const std::string& root() const { return root_; }
  const std::string* Found(const std::string& path) const {
    auto it = found_.find(path);
    return it == found_.end() ? nullptr : &it->second;
  }

 private:
  static LeafReader& Self(void* data) { return *static_cast<LeafReader*>(data); }

  void Refuse(std::string why) {
    if (refusal_.empty()) refusal_ = std::move(why);
    XML_StopParser(parser_, XML_FALSE);
  }

  bool Wanted(const std::string& path) const {
    return std::find(paths_.begin(), paths_.end(), path) != paths_.end();
  }

  static void OnStart(void* data, const XML_Char* name, const XML_Char**) {
    LeafReader& self = Self(data);
    if (self.in_wanted_) return self.Refuse("an element where text was expected");
    if (self.depth_ == 0) self.root_ = name;
    if (++self.depth_ > kMaxXmlDepth) return self.Refuse("XML nested too deeply");
    if (!self.path_.empty()) self.path_ += '/';
    self.path_ += name;
    if (self.Wanted(self.path_)) {
      if (self.found_.count(self.path_)) return self.Refuse("<" + std::string(name) + "> twice");
      self.in_wanted_ = true;
      self.text_.clear();
    }
  }

  static void OnEnd(void* data, const XML_Char*) {
    LeafReader& self = Self(data);
    if (self.in_wanted_) {
      self.found_[self.path_] = std::move(self.text_);
      self.text_.clear();
      self.in_wanted_ = false;
    }
    const std::size_t slash = self.path_.rfind('/');
    self.path_.resize(slash == std::string::npos ? 0 : slash);
    --self.depth_;
  }

  static void OnText(void* data, const XML_Char* text, int length) {
    LeafReader& self = Self(data);
    if (self.in_wanted_) self.text_.append(text, static_cast<std::size_t>(length));
  }

  static void OnDoctype(void* data, const XML_Char*, const XML_Char*, const XML_Char*, int) {
    Self(data).Refuse("a DOCTYPE (STS never sends one)");
  }

  const std::vector<std::string> paths_;
  XML_Parser parser_ = nullptr;
  std::string refusal_;
  std::string root_;
  std::string path_;
  std::size_t depth_ = 0;
  bool in_wanted_ = false;
  std::string text_;
  std::map<std::string, std::string> found_;
};

bool IsRetriedCode(std::string_view code) {
  static constexpr std::array<std::string_view, 5> kRetried = {
      "Throttling", "ThrottlingException", "RequestLimitExceeded", "IDPCommunicationError",
      "ServiceUnavailable"};
  return std::find(kRetried.begin(), kRetried.end(), code) != kRetried.end();
}

}  // namespace

Result<ExpiringCredentials> ParseStsCredentials(std::string_view action, std::string_view xml) {
  const std::string base =
      std::string(action) + "Response/" + std::string(action) + "Result/Credentials/";
  const std::array<std::string, 4> names = {"AccessKeyId", "SecretAccessKey", "SessionToken",
                                            "Expiration"};
  std::vector<std::string> paths;
  for (const std::string& name : names) paths.push_back(base + name);
  LeafReader reader(paths);
  if (xml.size() > kMaxStsResponseBytes) {
    return Status::Unavailable("the answer is larger than " + std::to_string(kMaxStsResponseBytes) +
                               " bytes");
  }
  if (Status read = reader.Read(xml); !read.ok()) {
    return Status::Unavailable("unreadable answer: " + read.message());
  }
  if (reader.root() != std::string(action) + "Response") {
    return Status::Unavailable("the answer is not an " + std::string(action) + "Response");
  }
  for (const std::string& path : paths) {
    const std::string* text = reader.Found(path);
    if (text == nullptr || text->empty()) {
      return Status::Unavailable("the answer has no " + path.substr(path.rfind('/') + 1));
    }
  }
  std::optional<UnixMillis> expiration = ParseIso8601(*reader.Found(paths[3]));
  if (!expiration) return Status::Unavailable("the answer's Expiration is not a timestamp");
  return ExpiringCredentials{
      {*reader.Found(paths[0]), *reader.Found(paths[1]), *reader.Found(paths[2])}, expiration};
}

std::optional<StsError> ParseStsError(std::string_view xml) {
  LeafReader reader({"ErrorResponse/Error/Code", "ErrorResponse/Error/Message"});
  if (xml.size() > kMaxStsResponseBytes || !reader.Read(xml).ok() ||
      reader.root() != "ErrorResponse" || reader.Found("ErrorResponse/Error/Code") == nullptr) {
    return std::nullopt;
  }
  const std::string* message = reader.Found("ErrorResponse/Error/Message");
  return StsError{*reader.Found("ErrorResponse/Error/Code"),
                  message == nullptr ? "" : message->substr(0, kMaxQuotedMessage)};
}

StsClient::StsClient(std::string region, Endpoint endpoint,
                     std::unique_ptr<HttpTransport> transport, const Clock& clock)
    : region_(std::move(region)),
      endpoint_(std::move(endpoint)),
      transport_(std::move(transport)),
      clock_(clock) {}

Result<ExpiringCredentials> StsClient::AssumeRole(const AssumeRoleParams& params,
                                                  const Credentials& source, Deadline deadline) {
  std::string form = "Action=AssumeRole&Version=" + std::string(kStsVersion) +
                     "&RoleArn=" + FormEncode(params.role_arn) +
                     "&RoleSessionName=" + FormEncode(params.session_name);
  if (!params.external_id.empty()) form += "&ExternalId=" + FormEncode(params.external_id);
  if (params.duration_seconds) {
    form += "&DurationSeconds=" + std::to_string(*params.duration_seconds);
  }
  return Call("AssumeRole", params.role_arn, form, &source, deadline);
}

Result<ExpiringCredentials> StsClient::AssumeRoleWithWebIdentity(const WebIdentityParams& params,
                                                                 Deadline deadline) {
  const std::string form = "Action=AssumeRoleWithWebIdentity&Version=" + std::string(kStsVersion) +
                           "&RoleArn=" + FormEncode(params.role_arn) +
                           "&RoleSessionName=" + FormEncode(params.session_name) +
                           "&WebIdentityToken=" + FormEncode(params.token);
  return Call("AssumeRoleWithWebIdentity", params.role_arn, form, nullptr, deadline);
}

Result<ExpiringCredentials> StsClient::Call(std::string_view action, const std::string& role_arn,
                                            const std::string& form, const Credentials* signer,
                                            Deadline deadline) {
  const std::string what =
      "STS " + std::string(action) + " of " + role_arn + " at " + endpoint_.Url();
  Status last;
  for (int attempt = 1; attempt <= kStsMaxAttempts; ++attempt) {
    if (attempt > 1) {
      const auto wait = kStsRetryBackoff * (1 << (attempt - 2));
      if (std::chrono::steady_clock::now() + wait >= deadline) break;
      std::this_thread::sleep_for(wait);
    }
    HttpRequest request;
    request.body = form;
    request.headers = {{"Host", endpoint_.HostHeader()},
                       {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                       {"User-Agent", std::string(kUserAgent)}};
    if (signer != nullptr) {
      HttpRequestToSign to_sign{"POST", "/", "", request.headers, request.body};
      Result<std::vector<Header>> added =
          SignRequest(to_sign, *signer, {region_, "sts", clock_.Now() / 1000});
      if (!added.ok()) {
        return Status::Unavailable(
            what + ": cannot sign with the source credentials: " + added.status().message());
      }
      for (Header& header : std::move(added).value()) request.headers.push_back(std::move(header));
    }
    HttpOutcome outcome = transport_->Post(request, deadline);
    if (!outcome.status.ok()) {
      last = Status::Unavailable(what + " failed: " + outcome.status.message());
      continue;
    }
    const unsigned status = outcome.response.status;
    if (status == 200) {
      Result<ExpiringCredentials> credentials = ParseStsCredentials(action, outcome.response.body);
      if (!credentials.ok())
        return Status::Unavailable(what + ": " + credentials.status().message());
      return credentials;
    }
    std::optional<StsError> error = ParseStsError(outcome.response.body);
    last = Status::Unavailable(
        what + " failed: HTTP " + std::to_string(status) +
        (error ? " " + error->code + (error->message.empty() ? "" : ": " + error->message) : ""));
    const bool retried = status >= 500 || status == 429 || (error && IsRetriedCode(error->code));
    if (!retried) return last;
  }
  return last;
}

}  // namespace hitcounter::aws
