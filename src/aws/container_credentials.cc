#include "aws/container_credentials.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <rapidjson/document.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "aws/credentials_json.h"

namespace hitcounter::aws {
namespace {

constexpr std::string_view kUserAgent = "hitcounter/0.1";
// The longest error message of the endpoint quoted in a Status.
constexpr std::size_t kMaxQuotedMessage = 200;

bool AllowedIpv4(const in_addr& address) {
  const auto bytes = reinterpret_cast<const unsigned char*>(&address.s_addr);
  if (bytes[0] == 127) return true;  // loopback, 127.0.0.0/8
  return bytes[0] == 169 && bytes[1] == 254 && bytes[2] == 170 && (bytes[3] == 2 || bytes[3] == 23);
}

bool AllowedIpv6(const in6_addr& address) {
  in6_addr eks{};
  inet_pton(AF_INET6, "fd00:ec2::23", &eks);
  return std::memcmp(&address, &in6addr_loopback, sizeof address) == 0 ||
         std::memcmp(&address, &eks, sizeof address) == 0;
}

std::string_view TrimEnd(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ' ||
                           text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

// "code: message" from an error answer {"code":..,"message":..}; empty when it is not one.
std::string DescribeError(std::string_view body) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) return "";
  std::string text;
  for (const char* name : {"code", "message"}) {
    auto it = std::as_const(doc).FindMember(name);
    if (it == doc.MemberEnd() || !it->value.IsString()) continue;
    if (!text.empty()) text += ": ";
    text += std::string(it->value.GetString(), it->value.GetStringLength());
  }
  return text.substr(0, kMaxQuotedMessage);
}

}  // namespace

Status CheckContainerHost(const Url& url) {
  if (url.endpoint.tls) return Status::Ok();
  const std::string& host = url.endpoint.host;
  in_addr v4{};
  in6_addr v6{};
  bool allowed = false;
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    allowed = AllowedIpv4(v4);
  } else if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    allowed = AllowedIpv6(v6);
  } else {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (const int error = getaddrinfo(host.c_str(), nullptr, &hints, &found); error != 0) {
      return Status::Unavailable("cannot resolve " + host + ": " + gai_strerror(error));
    }
    allowed = found != nullptr;
    for (addrinfo* at = found; at != nullptr; at = at->ai_next) {
      if (at->ai_family == AF_INET) {
        allowed = allowed && AllowedIpv4(reinterpret_cast<sockaddr_in*>(at->ai_addr)->sin_addr);
      } else if (at->ai_family == AF_INET6) {
        allowed = allowed && AllowedIpv6(reinterpret_cast<sockaddr_in6*>(at->ai_addr)->sin6_addr);
      } else {
        allowed = false;
      }
    }
    freeaddrinfo(found);
  }
  if (allowed) return Status::Ok();
  return Status::InvalidArgument(
      "AWS_CONTAINER_CREDENTIALS_FULL_URI: an http:// endpoint must be on a loopback address, "
      "169.254.170.2, 169.254.170.23 or fd00:ec2::23 (the token would cross a network in the "
      "clear), not " +
      host);
}

ContainerCredentialsSource::ContainerCredentialsSource(Url url, std::string token,
                                                       std::string token_file,
                                                       std::shared_ptr<TlsContext> tls)
    : url_(std::move(url)),
      token_(std::move(token)),
      token_file_(std::move(token_file)),
      tls_(std::move(tls)) {}

std::string ContainerCredentialsSource::Name() const {
  // Without the query, which could carry a secret.
  const std::string path = url_.path_and_query.substr(0, url_.path_and_query.find('?'));
  return "container credentials endpoint " + url_.endpoint.Url() + path;
}

Result<ExpiringCredentials> ContainerCredentialsSource::TryFetch(const std::string& token,
                                                                 bool& retry) {
  retry = false;
  if (Status host = CheckContainerHost(url_); !host.ok()) return host;
  HttpClient client(url_.endpoint, tls_);
  HttpRequest request;
  request.method = "GET";
  request.target = url_.path_and_query;
  request.headers = {{"Host", url_.endpoint.HostHeader()},
                     {"Accept", "application/json"},
                     {"User-Agent", std::string(kUserAgent)}};
  if (!token.empty()) request.headers.emplace_back("Authorization", token);
  HttpOutcome outcome = client.Post(request, std::chrono::steady_clock::now() + kContainerTimeout);
  if (!outcome.status.ok()) {
    retry = true;
    return outcome.status;
  }
  const unsigned status = outcome.response.status;
  if (status != 200) {
    retry = status >= 500;
    const std::string detail = DescribeError(outcome.response.body);
    return Status::Unavailable("answered HTTP " + std::to_string(status) +
                               (detail.empty() ? "" : " (" + detail + ")"));
  }
  Result<ExpiringCredentials> credentials =
      ParseCredentialsDocument(outcome.response.body, CredentialsDocument::kMetadata);
  if (!credentials.ok())
    return Status::Unavailable("bad answer: " + credentials.status().message());
  return credentials;
}

Result<ExpiringCredentials> ContainerCredentialsSource::Fetch() {
  std::string token = token_;
  if (!token_file_.empty()) {
    std::ifstream file(token_file_, std::ios::binary);
    std::ostringstream text;
    if (file) text << file.rdbuf();
    if (!file || file.bad()) {
      return Status::Unavailable(Name() + ": cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE " +
                                 token_file_);
    }
    token = text.str();
    if (token.size() > kMaxContainerTokenBytes) {
      return Status::Unavailable(Name() + ": the token file " + token_file_ + " is larger than " +
                                 std::to_string(kMaxContainerTokenBytes) + " bytes");
    }
    token = std::string(TrimEnd(token));
  }
  if (token.find_first_of("\r\n") != std::string::npos) {
    return Status::InvalidArgument(Name() + ": the authorization token holds a line break");
  }
  Status last;
  for (int attempt = 0; attempt < kContainerAttempts; ++attempt) {
    bool retry = false;
    Result<ExpiringCredentials> credentials = TryFetch(token, retry);
    if (credentials.ok()) return credentials;
    last = credentials.status();
    if (!retry) break;
  }
  return Status(last.code(), Name() + ": " + last.message());
}

}  // namespace hitcounter::aws
