#include "cli/store_flags.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>

#include "aws/aws_config.h"
#include "aws/credentials_chain.h"
#include "store/sqlite_store.h"

namespace hitcounter::cli {
namespace {

constexpr std::string_view kSqlite = "sqlite:";
constexpr std::string_view kDynamoDb = "dynamodb:";

bool HasScheme(const std::string& spec, std::string_view scheme) {
  return spec.size() > scheme.size() && spec.compare(0, scheme.size(), scheme) == 0;
}

Status UnknownStore(const std::string& spec) {
  return Status::InvalidArgument("unknown store \"" + spec +
                                 "\": use sqlite:PATH or dynamodb:TABLE");
}

void AddAwsFlags(CLI::App& command, StoreFlags& flags) {
  command
      .add_option("--region", flags.region,
                  "DynamoDB region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile)")
      ->envname("AWS_REGION");
  command
      .add_option("--endpoint-url", flags.endpoint_url,
                  "DynamoDB endpoint, e.g. http://127.0.0.1:8000 for DynamoDB Local "
                  "(default: AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL, AWS's)")
      ->envname("AWS_ENDPOINT_URL_DYNAMODB");
}

}  // namespace

void AddStoreFlags(CLI::App& command, StoreFlags& flags) {
  command.add_option("--store", flags.spec, "Where counts live: sqlite:PATH or dynamodb:TABLE")
      ->envname("HITCOUNTER_STORE")
      ->capture_default_str();
  AddAwsFlags(command, flags);
}

void AddTableFlags(CLI::App& command, StoreFlags& flags) {
  flags.spec.clear();
  command.add_option("--store", flags.spec, "The table, dynamodb:TABLE")
      ->envname("HITCOUNTER_STORE")
      ->required();
  AddAwsFlags(command, flags);
}

bool IsSqliteStore(const StoreFlags& flags) { return HasScheme(flags.spec, kSqlite); }

Result<DynamoDbSettings> DynamoDbSettingsFor(const StoreFlags& flags) {
  if (!HasScheme(flags.spec, kDynamoDb)) return UnknownStore(flags.spec);
  return ResolveDynamoDbSettings(
      flags.spec.substr(kDynamoDb.size()), aws::Overrides{flags.region, flags.endpoint_url},
      aws::ProcessEnvironment(), [](const aws::Environment& env, const std::string& region) {
        return aws::DefaultCredentialsChain(env, region);
      });
}

std::string SqlitePath(const StoreFlags& flags) {
  return HasScheme(flags.spec, kSqlite) ? flags.spec.substr(kSqlite.size()) : "";
}

Result<std::unique_ptr<Store>> OpenStore(const StoreFlags& flags, Metrics* metrics,
                                         Executor* executor) {
  if (HasScheme(flags.spec, kSqlite)) {
    SqliteOptions options;
    options.metrics = metrics;
    options.max_routes = flags.max_routes;
    options.executor = executor;
    Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(SqlitePath(flags), options);
    if (!store.ok()) return store.status();
    return std::unique_ptr<Store>(std::move(store).value());
  }
  Result<DynamoDbSettings> settings = DynamoDbSettingsFor(flags);
  if (!settings.ok()) return settings.status();
  settings.value().metrics = metrics;
  settings.value().max_routes = flags.max_routes;
  settings.value().executor = executor;
  Result<std::unique_ptr<DynamoDbStore>> store = DynamoDbStore::Open(std::move(settings).value());
  if (!store.ok()) return store.status();
  // A table that is missing or unreachable now may be there later: say so, and serve 503s.
  (*store)->CheckHealth(kNoDeadline, [](Status health) {
    if (!health.ok()) std::fprintf(stderr, "hitcounter: warning: %s\n", health.message().c_str());
  });
  return std::unique_ptr<Store>(std::move(store).value());
}

Result<std::unique_ptr<Store>> OpenStoreToRead(const StoreFlags& flags) {
  if (HasScheme(flags.spec, kSqlite)) {
    const std::string path = SqlitePath(flags);
    // Reading must not create an empty database where the user mistyped a path.
    if (!std::filesystem::exists(path)) return Status::InvalidArgument("no database at " + path);
    Result<std::unique_ptr<ReadOnlySqliteStore>> store = ReadOnlySqliteStore::Open(path);
    if (!store.ok()) return store.status();
    return std::unique_ptr<Store>(std::move(store).value());
  }
  Result<DynamoDbSettings> settings = DynamoDbSettingsFor(flags);
  if (!settings.ok()) return settings.status();
  settings.value().workers = 0;  // inline: every call answers before it returns
  Result<std::unique_ptr<DynamoDbStore>> store = DynamoDbStore::Open(std::move(settings).value());
  if (!store.ok()) return store.status();
  return std::unique_ptr<Store>(std::move(store).value());
}

}  // namespace hitcounter::cli
