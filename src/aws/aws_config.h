// Where hitcounter finds its AWS settings: region, endpoint, credentials and CA bundle, resolved
// the way the AWS SDKs and CLI resolve them, so users configure hitcounter as they already
// configure every other AWS tool.
//
// Everything here is a pure function of its arguments and of the files the environment names:
// the environment is passed in as a map (read once by a front end with ProcessEnvironment()),
// never read with getenv() deep inside, so tests feed fake environments. Safe to call from any
// thread.
#ifndef HITCOUNTER_AWS_AWS_CONFIG_H_
#define HITCOUNTER_AWS_AWS_CONFIG_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "aws/sigv4.h"
#include "hitcounter/status.h"

namespace hitcounter::aws {

// Environment variables by name. An empty value counts as unset, as in the AWS SDKs.
using Environment = std::map<std::string, std::string, std::less<>>;

// A copy of this process's environment. Not safe against a concurrent setenv().
Environment ProcessEnvironment();

// Where requests go.
struct Endpoint {
  bool tls = true;  // https
  std::string host;
  std::uint16_t port = 443;

  // "host", or "host:port" when the port is not the scheme's default (the Host header); an
  // IPv6 literal in brackets.
  std::string HostHeader() const;
  // "https://host" or "http://host:port".
  std::string Url() const;
};

// An HTTP proxy on the way to an endpoint (aws/proxy.h says which and how).
struct HttpProxy {
  Endpoint endpoint;          // the proxy itself (tls is always false)
  std::string authorization;  // "Basic <base64>" from the URL's user-info, or empty
  std::string url;            // the proxy's URL without its user-info, for messages
};

// Where signing credentials come from (aws/credentials_provider.h).
class CredentialsProvider;

// Parses "http://host[:port][/]" or "https://host[:port][/]". kInvalidArgument naming the URL
// for anything else (another scheme, a path, user info, a bad port).
Result<Endpoint> ParseEndpointUrl(std::string_view url);

// What the command line gave; an empty field was not given.
struct Overrides {
  std::string region;
  std::string endpoint_url;
};

// Everything a client of one AWS service needs.
struct ServiceSettings {
  std::string region;
  Endpoint endpoint;
  // Signs every call with its current credentials; shared by every client of the settings.
  std::shared_ptr<CredentialsProvider> credentials;
  // Which CAs an https endpoint's certificate is verified against: the PEM file or hashed
  // directory `ca_bundle`, or, with `amazon_roots`, the Amazon Trust Services roots compiled
  // into the binary (amazon_roots.h). Neither for an http:// endpoint.
  std::string ca_bundle;  // empty for http:// and with amazon_roots
  bool amazon_roots = false;
  std::optional<HttpProxy> proxy = std::nullopt;  // none: connect directly
};

// Makes the provider of the credentials that sign calls in `region` (the region STS is called
// in, when the provider calls it), from `env` and the files it names; reads them only: nothing
// is fetched until a call needs credentials. kInvalidArgument naming what is missing or wrong.
// A program passes one of two, and links only what that one needs:
//   - StaticKeyCredentials (below; hc_aws): static keys, from the environment or a profile. The
//     Lambda function's: Lambda puts its role's keys in the environment.
//   - DefaultCredentialsChain (aws/credentials_chain.h; hc_aws_credentials): the AWS SDKs'
//     default chain, for the `hitcounter` CLI and server. It reads STS's XML with Expat, which
//     the Lambda package must not link (cmake/lambda_packaging.cmake: Debian's static Expat
//     calls arc4random_buf, from a glibc newer than Lambda's).
using CredentialsResolver = std::function<Result<std::shared_ptr<CredentialsProvider>>(
    const Environment& env, const std::string& region)>;

// ResolveCredentials's keys, which never change, as a provider named after where they were
// found. `region` is not needed.
Result<std::shared_ptr<CredentialsProvider>> StaticKeyCredentials(const Environment& env,
                                                                  const std::string& region);

// Resolves the settings for `service` (its signing name and host prefix, e.g. "dynamodb"):
//   region:      overrides.region, else AWS_REGION, else AWS_DEFAULT_REGION, else the profile's
//                `region` in the config file;
//   endpoint:    ResolveEndpoint;
//   credentials: `credentials_for` called with `env` and the region;
//   trust:       the compiled-in Amazon roots when UsesAmazonRoots, else FindCaBundle, only for
//                https endpoints;
//   proxy:       HTTPS_PROXY / HTTP_PROXY unless NO_PROXY covers the endpoint (aws/proxy.h).
// Reads the environment and files only: nothing is fetched until the first call needs
// credentials. On failure a Status (kInvalidArgument) whose message names what is missing or
// wrong and how to provide it.
Result<ServiceSettings> ResolveServiceSettings(std::string_view service, const Overrides& overrides,
                                               const Environment& env,
                                               const CredentialsResolver& credentials_for);

// Where `service` is: overrides.endpoint_url, else AWS_ENDPOINT_URL_<SERVICE>, else
// AWS_ENDPOINT_URL, else https://<service>.<region>.amazonaws.com (.com.cn in China regions).
// kInvalidArgument naming the variable whose URL is bad.
Result<Endpoint> ResolveEndpoint(std::string_view service, const std::string& region,
                                 const Overrides& overrides, const Environment& env);

// Whether `endpoint`, resolved for `service` by ResolveEndpoint, is verified against the
// compiled-in Amazon roots (amazon_roots.h) rather than the host's CA store: true for AWS's own
// https endpoint (no endpoint given by the flag, AWS_ENDPOINT_URL_<SERVICE> or AWS_ENDPOINT_URL;
// a *.amazonaws.com host) when neither SSL_CERT_FILE nor SSL_CERT_DIR is set. The same rule for
// every AWS service hitcounter calls (DynamoDB, and STS for the credentials chain). A proxy's
// CONNECT tunnel changes nothing: TLS runs end to end with the endpoint (a proxy that
// intercepts TLS needs its CA given by SSL_CERT_FILE or SSL_CERT_DIR).
bool UsesAmazonRoots(std::string_view service, const Endpoint& endpoint, const Overrides& overrides,
                     const Environment& env);

// The static credentials: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN), else
// the keys of the profile named by AWS_PROFILE (default "default") in the shared credentials
// file (AWS_SHARED_CREDENTIALS_FILE, default ~/.aws/credentials, section "[NAME]") and then in
// the config file (AWS_CONFIG_FILE, default ~/.aws/config, section "[profile NAME]" or
// "[default]"). kInvalidArgument naming what is missing when no complete key pair is found.
Result<Credentials> ResolveCredentials(const Environment& env);

// The path of the shared credentials file (AWS_SHARED_CREDENTIALS_FILE, else
// $HOME/.aws/credentials) or config file (AWS_CONFIG_FILE, else $HOME/.aws/config); empty
// when neither the variable nor HOME is set.
std::string SharedCredentialsFilePath(const Environment& env);
std::string SharedConfigFilePath(const Environment& env);

// The profile AWS_PROFILE names, "default" when unset.
std::string ProfileName(const Environment& env);

// One profile's settings: the config file's "[profile NAME]" section ("[default]" also for
// default) with the credentials file's "[NAME]" section laid over it (the credentials file
// wins, as in the SDKs). nullopt when neither file has the profile; a missing or unreadable
// file counts as empty.
using ProfileSettings = std::map<std::string, std::string, std::less<>>;
std::optional<ProfileSettings> ReadProfile(const Environment& env, std::string_view name);

// Where the trusted CAs are: SSL_CERT_FILE when set (a PEM file; an error when it cannot be
// read), else SSL_CERT_DIR (a hashed directory), else Debian's hashed /etc/ssl/certs (beside
// its bundle /etc/ssl/certs/ca-certificates.crt), else Amazon Linux's hashed
// /etc/pki/ca-trust/extracted/pem/directory-hash or its bundle /etc/pki/tls/certs/ca-bundle.crt.
// A directory is preferred: OpenSSL then reads only the CAs a connection needs. kInvalidArgument
// when none exists.
Result<std::string> FindCaBundle(const Environment& env);

}  // namespace hitcounter::aws

#endif  // HITCOUNTER_AWS_AWS_CONFIG_H_
