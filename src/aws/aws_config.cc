#include "aws/aws_config.h"

#include <unistd.h>

#include <cctype>
#include <charconv>
#include <fstream>
#include <optional>
#include <sstream>

#include "aws/amazon_roots.h"
#include "aws/credentials_provider.h"
#include "aws/proxy.h"
#include "core/text.h"

extern char** environ;

namespace hitcounter::aws {
namespace {

// Section name -> key -> value.
using IniFile = std::map<std::string, std::map<std::string, std::string>, std::less<>>;

constexpr std::string_view kDebianCaBundle = "/etc/ssl/certs/ca-certificates.crt";
constexpr std::string_view kAmazonLinuxCaBundle = "/etc/pki/tls/certs/ca-bundle.crt";
// Directories of CA certificates named by subject hash (c_rehash). OpenSSL reads from them only
// the CA a server's chain needs, where a bundle file is parsed whole: ~150 certificates took
// 45-75 ms, most of a Lambda cold start. Each is used only where its distribution's bundle
// file says the directory is maintained by the same package.
constexpr std::string_view kDebianCaDirectory = "/etc/ssl/certs";
constexpr std::string_view kFedoraCaDirectory = "/etc/pki/ca-trust/extracted/pem/directory-hash";

std::optional<std::string> Lookup(const Environment& env, std::string_view name) {
  auto it = env.find(name);
  if (it == env.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

// The shared files' INI dialect: "[section]", "key = value", comments starting with '#' or
// ';'. Indented lines belong to nested settings (e.g. "s3 =" blocks) and are skipped.
IniFile ParseIni(std::string_view text) {
  IniFile ini;
  std::string section;
  std::istringstream lines{std::string(text)};
  for (std::string raw; std::getline(lines, raw);) {
    if (!raw.empty() && std::isspace(static_cast<unsigned char>(raw.front()))) continue;
    std::string_view line = TrimWhitespace(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      section = std::string(TrimWhitespace(line.substr(1, line.size() - 2)));
      ini[section];
      continue;
    }
    std::size_t equals = line.find('=');
    if (equals == std::string_view::npos || section.empty()) continue;
    ini[section][std::string(TrimWhitespace(line.substr(0, equals)))] =
        std::string(TrimWhitespace(line.substr(equals + 1)));
  }
  return ini;
}

// The file's sections, or an empty file when it does not exist or cannot be read (the SDKs
// treat a missing shared file as empty).
IniFile ReadIni(const std::string& path) {
  if (path.empty()) return {};
  std::ifstream file(path);
  if (!file) return {};
  std::ostringstream text;
  text << file.rdbuf();
  return ParseIni(text.str());
}

std::string SharedFilePath(const Environment& env, std::string_view variable,
                           std::string_view default_name) {
  if (std::optional<std::string> path = Lookup(env, variable)) return *path;
  std::optional<std::string> home = Lookup(env, "HOME");
  return home ? *home + "/.aws/" + std::string(default_name) : std::string();
}

// The profile's section of the config file: "[profile NAME]", or "[default]" for default.
const std::map<std::string, std::string>* ConfigProfile(const IniFile& config,
                                                        std::string_view profile) {
  auto it = config.find("profile " + std::string(profile));
  if (it == config.end() && profile == "default") it = config.find("default");
  return it == config.end() ? nullptr : &it->second;
}

std::optional<Credentials> CredentialsIn(const std::map<std::string, std::string>* section) {
  if (section == nullptr) return std::nullopt;
  auto get = [&](const char* key) {
    auto it = section->find(key);
    return it == section->end() ? std::string() : it->second;
  };
  Credentials credentials{get("aws_access_key_id"), get("aws_secret_access_key"),
                          get("aws_session_token")};
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    return std::nullopt;
  }
  return credentials;
}

std::string ToUpper(std::string_view text) {
  std::string upper(text);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return upper;
}

}  // namespace

std::string ProfileName(const Environment& env) {
  return Lookup(env, "AWS_PROFILE").value_or("default");
}

std::string SharedCredentialsFilePath(const Environment& env) {
  return SharedFilePath(env, "AWS_SHARED_CREDENTIALS_FILE", "credentials");
}

std::string SharedConfigFilePath(const Environment& env) {
  return SharedFilePath(env, "AWS_CONFIG_FILE", "config");
}

std::optional<ProfileSettings> ReadProfile(const Environment& env, std::string_view name) {
  std::optional<ProfileSettings> profile;
  IniFile config = ReadIni(SharedConfigFilePath(env));
  if (const auto* section = ConfigProfile(config, name)) {
    profile.emplace(section->begin(), section->end());
  }
  IniFile credentials = ReadIni(SharedCredentialsFilePath(env));
  if (auto section = credentials.find(name); section != credentials.end()) {
    if (!profile) profile.emplace();
    for (const auto& [key, value] : section->second) (*profile)[key] = value;
  }
  return profile;
}

namespace {

Result<std::string> ResolveRegion(const Overrides& overrides, const Environment& env) {
  if (!overrides.region.empty()) return overrides.region;
  for (const char* variable : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
    if (std::optional<std::string> region = Lookup(env, variable)) return *region;
  }
  IniFile config = ReadIni(SharedConfigFilePath(env));
  if (const auto* profile = ConfigProfile(config, ProfileName(env))) {
    auto it = profile->find("region");
    if (it != profile->end() && !it->second.empty()) return it->second;
  }
  return Status::InvalidArgument(
      "no AWS region: pass --region, set AWS_REGION (or AWS_DEFAULT_REGION), or set region in "
      "profile '" +
      ProfileName(env) + "' of the AWS config file");
}

// True when the flag or the environment names the endpoint (not AWS's own for the region).
bool EndpointGiven(std::string_view service, const Overrides& overrides, const Environment& env) {
  return !overrides.endpoint_url.empty() || Lookup(env, "AWS_ENDPOINT_URL_" + ToUpper(service)) ||
         Lookup(env, "AWS_ENDPOINT_URL");
}

}  // namespace

bool UsesAmazonRoots(std::string_view service, const Endpoint& endpoint, const Overrides& overrides,
                     const Environment& env) {
  const bool own_trust = Lookup(env, "SSL_CERT_FILE") || Lookup(env, "SSL_CERT_DIR");
  return endpoint.tls && !EndpointGiven(service, overrides, env) && !own_trust &&
         IsAmazonTrustHost(endpoint.host);
}

Result<Endpoint> ResolveEndpoint(std::string_view service, const std::string& region,
                                 const Overrides& overrides, const Environment& env) {
  if (!overrides.endpoint_url.empty()) return ParseEndpointUrl(overrides.endpoint_url);
  for (const std::string& variable :
       {"AWS_ENDPOINT_URL_" + ToUpper(service), std::string("AWS_ENDPOINT_URL")}) {
    if (std::optional<std::string> url = Lookup(env, variable)) {
      Result<Endpoint> endpoint = ParseEndpointUrl(*url);
      if (!endpoint.ok())
        return Status::InvalidArgument(variable + ": " + endpoint.status().message());
      return endpoint;
    }
  }
  const bool china = region.rfind("cn-", 0) == 0;
  return Endpoint{
      true, std::string(service) + "." + region + (china ? ".amazonaws.com.cn" : ".amazonaws.com"),
      443};
}

Environment ProcessEnvironment() {
  Environment env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    std::size_t equals = text.find('=');
    if (equals == std::string_view::npos) continue;
    env.emplace(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
  }
  return env;
}

std::string Endpoint::HostHeader() const {
  const bool default_port = port == (tls ? 443 : 80);
  const std::string name = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return default_port ? name : name + ":" + std::to_string(port);
}

std::string Endpoint::Url() const { return (tls ? "https://" : "http://") + HostHeader(); }

Result<Endpoint> ParseEndpointUrl(std::string_view url) {
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument("bad endpoint URL '" + std::string(url) +
                                   "': " + std::string(why));
  };
  Endpoint endpoint;
  std::string_view rest = url;
  if (rest.rfind("https://", 0) == 0) {
    rest.remove_prefix(8);
  } else if (rest.rfind("http://", 0) == 0) {
    endpoint.tls = false;
    endpoint.port = 80;
    rest.remove_prefix(7);
  } else {
    return bad("it must start with http:// or https://");
  }
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.find_first_of("/?#@ ") != std::string_view::npos) {
    return bad("only a scheme, a host and a port are allowed");
  }
  if (!rest.empty() && rest.front() == '[') return bad("IPv6 literals are not supported");
  std::size_t colon = rest.rfind(':');
  std::string_view host = rest.substr(0, colon);
  if (colon != std::string_view::npos) {
    std::string_view port = rest.substr(colon + 1);
    unsigned value = 0;
    auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (error != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
      return bad("the port must be a number from 1 to 65535");
    }
    endpoint.port = static_cast<std::uint16_t>(value);
  } else {
    host = rest;
  }
  if (host.empty()) return bad("the host is missing");
  endpoint.host = std::string(host);
  return endpoint;
}

Result<Credentials> ResolveCredentials(const Environment& env) {
  std::optional<std::string> key_id = Lookup(env, "AWS_ACCESS_KEY_ID");
  std::optional<std::string> secret = Lookup(env, "AWS_SECRET_ACCESS_KEY");
  if (key_id && secret) {
    return Credentials{*key_id, *secret, Lookup(env, "AWS_SESSION_TOKEN").value_or("")};
  }
  if (key_id || secret) {
    return Status::InvalidArgument(
        key_id ? "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"
               : "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not");
  }
  const std::string profile = ProfileName(env);
  const std::string credentials_path = SharedCredentialsFilePath(env);
  const std::string config_path = SharedConfigFilePath(env);
  IniFile credentials_file = ReadIni(credentials_path);
  auto section = credentials_file.find(profile);
  if (section != credentials_file.end()) {
    if (auto found = CredentialsIn(&section->second)) return *found;
  }
  if (auto found = CredentialsIn(ConfigProfile(ReadIni(config_path), profile))) return *found;
  return Status::InvalidArgument(
      "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or put "
      "aws_access_key_id and aws_secret_access_key in profile '" +
      profile + "' of " + (credentials_path.empty() ? "~/.aws/credentials" : credentials_path) +
      " (AWS_PROFILE selects the profile)");
}

Result<std::string> FindCaBundle(const Environment& env) {
  if (std::optional<std::string> path = Lookup(env, "SSL_CERT_FILE")) {
    if (access(path->c_str(), R_OK) != 0) {
      return Status::InvalidArgument("SSL_CERT_FILE names " + *path + ", which cannot be read");
    }
    return *path;
  }
  if (std::optional<std::string> directory = Lookup(env, "SSL_CERT_DIR")) return *directory;
  const std::pair<std::string_view, std::string_view> known[] = {
      {kDebianCaBundle, kDebianCaDirectory}, {kAmazonLinuxCaBundle, kFedoraCaDirectory}};
  for (auto [bundle, directory] : known) {
    if (access(std::string(bundle).c_str(), R_OK) != 0) continue;
    if (access(std::string(directory).c_str(), R_OK | X_OK) == 0) return std::string(directory);
    return std::string(bundle);
  }
  return Status::InvalidArgument(
      "no CA bundle to verify AWS's certificate: set SSL_CERT_FILE to a PEM file of trusted CAs");
}

Result<std::shared_ptr<CredentialsProvider>> StaticKeyCredentials(const Environment& env,
                                                                  const std::string& /*region*/) {
  Result<Credentials> keys = ResolveCredentials(env);
  if (!keys.ok()) return keys.status();
  const bool from_environment = Lookup(env, "AWS_ACCESS_KEY_ID").has_value();
  return StaticCredentials(std::move(keys).value(),
                           from_environment
                               ? "environment variables"
                               : "profile '" + ProfileName(env) + "' of the shared files");
}

Result<ServiceSettings> ResolveServiceSettings(std::string_view service, const Overrides& overrides,
                                               const Environment& env,
                                               const CredentialsResolver& credentials_for) {
  ServiceSettings settings;
  Result<std::string> region = ResolveRegion(overrides, env);
  if (!region.ok()) return region.status();
  settings.region = *region;
  Result<Endpoint> endpoint = ResolveEndpoint(service, settings.region, overrides, env);
  if (!endpoint.ok()) return endpoint.status();
  settings.endpoint = *endpoint;
  Result<std::optional<HttpProxy>> proxy = ProxyFor(settings.endpoint, env);
  if (!proxy.ok()) return proxy.status();
  settings.proxy = *proxy;
  Result<std::shared_ptr<CredentialsProvider>> credentials = credentials_for(env, settings.region);
  if (!credentials.ok()) return credentials.status();
  settings.credentials = *credentials;
  if (UsesAmazonRoots(service, settings.endpoint, overrides, env)) {
    settings.amazon_roots = true;
  } else if (settings.endpoint.tls) {
    Result<std::string> ca_bundle = FindCaBundle(env);
    if (!ca_bundle.ok()) return ca_bundle.status();
    settings.ca_bundle = *ca_bundle;
  }
  return settings;
}

}  // namespace hitcounter::aws
