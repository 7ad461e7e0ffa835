#include "aws/credentials_chain.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>

#include "aws/container_credentials.h"
#include "aws/http_client.h"
#include "aws/imds_credentials.h"
#include "aws/process_credentials.h"
#include "aws/proxy.h"
#include "aws/sts_credentials.h"
#include "aws/url.h"
#include "core/text.h"

namespace hitcounter::aws {
namespace {

// AssumeRole's DurationSeconds bounds (15 min to 12 h).
constexpr int kMinRoleDuration = 900;
constexpr int kMaxRoleDuration = 43'200;

std::optional<std::string> Lookup(const Environment& env, std::string_view name) {
  auto it = env.find(name);
  if (it == env.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

std::string Get(const ProfileSettings& profile, std::string_view key) {
  auto it = profile.find(key);
  return it == profile.end() ? std::string() : it->second;
}

std::shared_ptr<CredentialsProvider> Refreshing(std::unique_ptr<CredentialsSource> source,
                                                const Clock& clock) {
  return std::make_shared<RefreshingCredentialsProvider>(std::move(source), clock);
}

// What the chain's sources share while it is being made.
class ChainBuilder {
 public:
  ChainBuilder(const Environment& env, const std::string& region,
               const CredentialsChainOptions& options)
      : env_(env),
        region_(region),
        options_(options),
        clock_(options.clock != nullptr ? *options.clock : SystemClockInstance()) {}

  Result<std::shared_ptr<CredentialsProvider>> Build();

 private:
  using MaybeProvider = Result<std::shared_ptr<CredentialsProvider>>;  // null: not configured

  MaybeProvider FromProfile(const std::string& name, std::set<std::string>& visited, bool first,
                            const std::string& referrer);
  MaybeProvider AssumeRole(const std::string& name, const ProfileSettings& profile,
                           std::set<std::string>& visited);
  MaybeProvider FromCredentialSource(const std::string& profile, const std::string& source);
  MaybeProvider WebIdentity(const std::string& role_arn, const std::string& token_file,
                            const std::string& session_name, const std::string& origin);
  MaybeProvider Container();
  MaybeProvider Imds(const std::string& hint);
  Result<std::unique_ptr<StsClient>> Sts();
  Result<std::shared_ptr<TlsContext>> Tls();          // the host's CA store (FindCaBundle)
  Result<std::shared_ptr<TlsContext>> AmazonRoots();  // the compiled-in Amazon roots
  std::string SessionName(const std::string& configured) const;

  const Environment& env_;
  const std::string& region_;
  const CredentialsChainOptions& options_;
  const Clock& clock_;
  std::shared_ptr<TlsContext> tls_;
  std::shared_ptr<TlsContext> amazon_roots_;
};

Result<std::shared_ptr<TlsContext>> ChainBuilder::Tls() {
  if (tls_) return tls_;
  Result<std::string> bundle = FindCaBundle(env_);
  if (!bundle.ok()) return bundle.status();
  Result<std::shared_ptr<TlsContext>> loaded = LoadTlsContext(*bundle);
  if (!loaded.ok()) return loaded.status();
  tls_ = *loaded;
  return tls_;
}

Result<std::shared_ptr<TlsContext>> ChainBuilder::AmazonRoots() {
  if (amazon_roots_) return amazon_roots_;
  Result<std::shared_ptr<TlsContext>> loaded = AmazonRootsTlsContext();
  if (!loaded.ok()) return loaded.status();
  amazon_roots_ = *loaded;
  return amazon_roots_;
}

Result<std::unique_ptr<StsClient>> ChainBuilder::Sts() {
  Result<Endpoint> endpoint = ResolveEndpoint("sts", region_, {}, env_);
  if (!endpoint.ok()) return endpoint.status();
  Result<std::optional<HttpProxy>> proxy = ProxyFor(*endpoint, env_);
  if (!proxy.ok()) return proxy.status();
  std::shared_ptr<TlsContext> tls;
  if (endpoint->tls) {
    // AWS's own STS endpoint is trusted as DynamoDB's is (aws_config.h, UsesAmazonRoots).
    Result<std::shared_ptr<TlsContext>> loaded =
        UsesAmazonRoots("sts", *endpoint, {}, env_) ? AmazonRoots() : Tls();
    if (!loaded.ok()) return loaded.status();
    tls = *loaded;
  }
  return std::make_unique<StsClient>(region_, *endpoint,
                                     std::make_unique<HttpClient>(*endpoint, tls, *proxy), clock_);
}

std::string ChainBuilder::SessionName(const std::string& configured) const {
  // The SDKs name unnamed sessions after themselves and the time (botocore-session-<seconds>).
  std::string name =
      configured.empty() ? "hitcounter-" + std::to_string(clock_.Now() / 1000) : configured;
  return name.substr(0, kMaxRoleSessionName);
}

ChainBuilder::MaybeProvider ChainBuilder::WebIdentity(const std::string& role_arn,
                                                      const std::string& token_file,
                                                      const std::string& session_name,
                                                      const std::string& origin) {
  Result<std::unique_ptr<StsClient>> sts = Sts();
  if (!sts.ok()) return Status::InvalidArgument(origin + ": " + sts.status().message());
  WebIdentityParams params{role_arn, SessionName(session_name), ""};
  return Refreshing(std::make_unique<WebIdentitySource>(std::move(params), token_file,
                                                        std::move(sts).value(), origin),
                    clock_);
}

ChainBuilder::MaybeProvider ChainBuilder::Container() {
  std::string text;
  std::string variable;
  if (std::optional<std::string> relative =
          Lookup(env_, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
    variable = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
    if (relative->front() != '/') {
      return Status::InvalidArgument(variable + " must start with '/'");
    }
    text = options_.container_relative_base + *relative;
  } else if (std::optional<std::string> full = Lookup(env_, "AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
    variable = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
    text = *full;
  } else {
    return std::shared_ptr<CredentialsProvider>();
  }
  Result<Url> url = ParseUrl(text);
  if (!url.ok()) return Status::InvalidArgument(variable + ": " + url.status().message());
  if (!url->user_info.empty()) {
    return Status::InvalidArgument(variable + ": user-info is not allowed in the URL");
  }
  // Checked now, and a name again at each fetch (its addresses may change); a name that does
  // not resolve yet is not a reason to refuse to start.
  Status host = CheckContainerHost(*url);
  if (host.code() == StatusCode::kInvalidArgument) return host;
  std::shared_ptr<TlsContext> tls;
  if (url->endpoint.tls) {
    Result<std::shared_ptr<TlsContext>> loaded = Tls();
    if (!loaded.ok()) return Status::InvalidArgument(variable + ": " + loaded.status().message());
    tls = *loaded;
  }
  return Refreshing(
      std::make_unique<ContainerCredentialsSource>(
          std::move(url).value(), Lookup(env_, "AWS_CONTAINER_AUTHORIZATION_TOKEN").value_or(""),
          Lookup(env_, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE").value_or(""), tls),
      clock_);
}

ChainBuilder::MaybeProvider ChainBuilder::Imds(const std::string& hint) {
  std::string text;
  std::string variable;
  if (std::optional<std::string> endpoint = Lookup(env_, "AWS_EC2_METADATA_SERVICE_ENDPOINT")) {
    variable = "AWS_EC2_METADATA_SERVICE_ENDPOINT";
    text = *endpoint;
  } else {
    variable = "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE";
    const std::string mode = AsciiLower(Lookup(env_, variable).value_or("ipv4"));
    if (mode != "ipv4" && mode != "ipv6") {
      return Status::InvalidArgument(variable + " must be IPv4 or IPv6");
    }
    text = mode == "ipv6" ? kImdsIpv6Endpoint : kImdsIpv4Endpoint;
  }
  Result<Url> url = ParseUrl(text);
  if (!url.ok()) return Status::InvalidArgument(variable + ": " + url.status().message());
  if (url->endpoint.tls || !url->user_info.empty() || url->path_and_query != "/") {
    return Status::InvalidArgument(variable + ": only http://host[:port] is supported (" +
                                   RedactUrl(text) + ")");
  }
  return Refreshing(std::make_unique<ImdsCredentialsSource>(url->endpoint, clock_, hint), clock_);
}

ChainBuilder::MaybeProvider ChainBuilder::FromCredentialSource(const std::string& profile,
                                                               const std::string& source) {
  const std::string where = "profile '" + profile + "': credential_source " + source;
  if (source == "Environment") {
    std::optional<std::string> id = Lookup(env_, "AWS_ACCESS_KEY_ID");
    std::optional<std::string> secret = Lookup(env_, "AWS_SECRET_ACCESS_KEY");
    if (!id || !secret) {
      return Status::InvalidArgument(where + " needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
    }
    return StaticCredentials({*id, *secret, Lookup(env_, "AWS_SESSION_TOKEN").value_or("")},
                             "environment variables");
  }
  if (source == "Ec2InstanceMetadata") return Imds("");
  if (source == "EcsContainer") {
    MaybeProvider container = Container();
    if (container.ok() && *container == nullptr) {
      return Status::InvalidArgument(where +
                                     " needs AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or "
                                     "AWS_CONTAINER_CREDENTIALS_FULL_URI");
    }
    return container;
  }
  return Status::InvalidArgument(where +
                                 " is none of Environment, Ec2InstanceMetadata, EcsContainer");
}

ChainBuilder::MaybeProvider ChainBuilder::AssumeRole(const std::string& name,
                                                     const ProfileSettings& profile,
                                                     std::set<std::string>& visited) {
  const std::string where = "profile '" + name + "'";
  const std::string role_arn = Get(profile, "role_arn");
  if (!Get(profile, "mfa_serial").empty()) {
    return Status::InvalidArgument(
        where +
        " has mfa_serial: assuming its role needs an MFA code typed at a prompt, which a "
        "server cannot do; use credential_process instead");
  }
  const std::string source_profile = Get(profile, "source_profile");
  const std::string credential_source = Get(profile, "credential_source");
  const std::string token_file = Get(profile, "web_identity_token_file");
  if (!source_profile.empty() && !credential_source.empty()) {
    return Status::InvalidArgument(where +
                                   " has both source_profile and credential_source: keep one");
  }
  if (source_profile.empty() && credential_source.empty()) {
    if (!token_file.empty()) {
      return WebIdentity(role_arn, token_file, Get(profile, "role_session_name"), where);
    }
    return Status::InvalidArgument(where +
                                   " has role_arn but no source_profile, credential_source or "
                                   "web_identity_token_file to assume it with");
  }
  AssumeRoleParams params{role_arn, SessionName(Get(profile, "role_session_name")),
                          Get(profile, "external_id"), std::nullopt};
  if (std::string duration = Get(profile, "duration_seconds"); !duration.empty()) {
    int seconds = 0;
    auto [end, error] =
        std::from_chars(duration.data(), duration.data() + duration.size(), seconds);
    if (error != std::errc() || end != duration.data() + duration.size() ||
        seconds < kMinRoleDuration || seconds > kMaxRoleDuration) {
      return Status::InvalidArgument(where + ": duration_seconds must be a number from " +
                                     std::to_string(kMinRoleDuration) + " to " +
                                     std::to_string(kMaxRoleDuration));
    }
    params.duration_seconds = seconds;
  }
  MaybeProvider source = source_profile.empty() ? FromCredentialSource(name, credential_source)
                                                : FromProfile(source_profile, visited, false, name);
  if (!source.ok()) return source;
  if (*source == nullptr) {
    return Status::InvalidArgument("profile '" + source_profile + "' (source_profile of " + where +
                                   ") holds no credentials");
  }
  Result<std::unique_ptr<StsClient>> sts = Sts();
  if (!sts.ok()) return Status::InvalidArgument(where + ": " + sts.status().message());
  return Refreshing(std::make_unique<AssumeRoleSource>(std::move(params), std::move(source).value(),
                                                       std::move(sts).value(), name),
                    clock_);
}

ChainBuilder::MaybeProvider ChainBuilder::FromProfile(const std::string& name,
                                                      std::set<std::string>& visited, bool first,
                                                      const std::string& referrer) {
  const std::string where = "profile '" + name + "'";
  std::optional<ProfileSettings> profile = ReadProfile(env_, name);
  if (!profile) {
    if (first) return std::shared_ptr<CredentialsProvider>();
    return Status::InvalidArgument(where + " (source_profile of profile '" + referrer +
                                   "') is in neither " + SharedConfigFilePath(env_) + " nor " +
                                   SharedCredentialsFilePath(env_));
  }
  const std::string key_id = Get(*profile, "aws_access_key_id");
  const std::string secret = Get(*profile, "aws_secret_access_key");
  const bool has_keys = !key_id.empty() || !secret.empty();
  if (visited.count(name) != 0) {
    // A profile may name itself as its source_profile when it has keys (as in aws-c-auth).
    if (visited.size() > 1 || !has_keys) {
      return Status::InvalidArgument(where + ": its source_profile chain loops back to it");
    }
  }
  visited.insert(name);
  if (!Get(*profile, "role_arn").empty() && (first || !has_keys)) {
    return AssumeRole(name, *profile, visited);
  }
  if (const std::string command = Get(*profile, "credential_process");
      !command.empty() && !has_keys) {
    return Refreshing(std::make_unique<ProcessCredentialsSource>(command, name, env_), clock_);
  }
  if (has_keys) {
    if (key_id.empty() || secret.empty()) {
      return Status::InvalidArgument(where + " has " +
                                     (key_id.empty() ? "aws_secret_access_key but no "
                                                       "aws_access_key_id"
                                                     : "aws_access_key_id but no "
                                                       "aws_secret_access_key"));
    }
    return StaticCredentials({key_id, secret, Get(*profile, "aws_session_token")},
                             where + " of the shared files");
  }
  if (!Get(*profile, "sso_session").empty() || !Get(*profile, "sso_start_url").empty()) {
    return Status::InvalidArgument(
        where +
        " uses AWS IAM Identity Center (SSO), which hitcounter does not read directly: "
        "add credential_process = aws configure export-credentials --profile " +
        name + " --format process");
  }
  return std::shared_ptr<CredentialsProvider>();
}

Result<std::shared_ptr<CredentialsProvider>> ChainBuilder::Build() {
  // 1. The environment (ResolveCredentials also names the missing half of a pair).
  if (Lookup(env_, "AWS_ACCESS_KEY_ID") || Lookup(env_, "AWS_SECRET_ACCESS_KEY")) {
    Result<Credentials> keys = ResolveCredentials(env_);
    if (!keys.ok()) return keys.status();
    return StaticCredentials(std::move(keys).value(), "environment variables");
  }
  // 2. The profile.
  const std::string profile = ProfileName(env_);
  std::set<std::string> visited;
  MaybeProvider from_profile = FromProfile(profile, visited, true, "");
  if (!from_profile.ok() || *from_profile != nullptr) return from_profile;
  if (Lookup(env_, "AWS_PROFILE") && !ReadProfile(env_, profile)) {
    // Named explicitly but absent: a mistake to report (as the Go SDK v2 does), not a reason to
    // look further. A profile that exists without credentials (a region, say) is passed over.
    Result<Credentials> keys = ResolveCredentials(env_);
    return keys.ok() ? Status::InvalidArgument("profile '" + profile + "' is in no shared file")
                     : keys.status();
  }
  // 3. Web identity.
  std::optional<std::string> token_file = Lookup(env_, "AWS_WEB_IDENTITY_TOKEN_FILE");
  std::optional<std::string> role_arn = Lookup(env_, "AWS_ROLE_ARN");
  if (token_file || role_arn) {
    if (!token_file || !role_arn) {
      return Status::InvalidArgument(token_file ? "AWS_WEB_IDENTITY_TOKEN_FILE is set but "
                                                  "AWS_ROLE_ARN is not"
                                                : "AWS_ROLE_ARN is set but "
                                                  "AWS_WEB_IDENTITY_TOKEN_FILE is not");
    }
    return WebIdentity(*role_arn, *token_file, Lookup(env_, "AWS_ROLE_SESSION_NAME").value_or(""),
                       "AWS_WEB_IDENTITY_TOKEN_FILE");
  }
  // 4. Container credentials.
  MaybeProvider container = Container();
  if (!container.ok() || *container != nullptr) return container;
  // 5. Instance metadata. ResolveCredentials's message names the profile and files looked at.
  Result<Credentials> nothing = ResolveCredentials(env_);
  std::string looked_at = nothing.ok() ? "" : nothing.status().message();
  if (constexpr std::string_view kPrefix = "no AWS credentials: ";
      looked_at.rfind(kPrefix, 0) == 0) {
    looked_at.erase(0, kPrefix.size());
  }
  looked_at +=
      ", or set AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN, or "
      "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI";
  if (AsciiLower(Lookup(env_, "AWS_EC2_METADATA_DISABLED").value_or("")) == "true") {
    return Status::InvalidArgument("no AWS credentials: " + looked_at +
                                   " (instance metadata is off: AWS_EC2_METADATA_DISABLED=true)");
  }
  return Imds("not on EC2? then " + looked_at +
              " (AWS_EC2_METADATA_DISABLED=true skips instance metadata)");
}

}  // namespace

const Clock& SystemClockInstance() {
  static const Clock* const clock = new SystemClock();
  return *clock;
}

Result<std::shared_ptr<CredentialsProvider>> DefaultCredentialsChain(
    const Environment& env, const std::string& region, const CredentialsChainOptions& options) {
  return ChainBuilder(env, region, options).Build();
}

}  // namespace hitcounter::aws
