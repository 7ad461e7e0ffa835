// The flags that choose a store, shared by every subcommand that opens one:
//
//   --store sqlite:PATH       the embedded SQLite store in the file PATH (created when missing)
//   --store dynamodb:TABLE    the DynamoDB table TABLE; region, endpoint and credentials as the
//                             AWS CLI resolves them (AWS_REGION, AWS_ENDPOINT_URL_DYNAMODB,
//                             AWS_ACCESS_KEY_ID..., AWS_PROFILE), or --region / --endpoint-url
#ifndef HITCOUNTER_CLI_STORE_FLAGS_H_
#define HITCOUNTER_CLI_STORE_FLAGS_H_

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "hitcounter/metrics.h"
#include "hitcounter/store.h"
#include "store/dynamodb_store.h"

namespace hitcounter::cli {

inline constexpr char kDefaultStore[] = "sqlite:./hitcounter.db";

struct StoreFlags {
  std::string spec = kDefaultStore;
  std::string region;        // DynamoDB only; empty: from the environment
  std::string endpoint_url;  // DynamoDB only; empty: from the environment, else AWS's
  // New routes past this are refused (hitcounter/store.h); set by the subcommands that count.
  std::int64_t max_routes = kUnboundedRoutes;
};

void AddStoreFlags(CLI::App& command, StoreFlags& flags);

// The DynamoDB settings for a "dynamodb:TABLE" spec; kInvalidArgument for any other spec or
// for settings that cannot be resolved (the message names what is missing).
Result<DynamoDbSettings> DynamoDbSettingsFor(const StoreFlags& flags);

// Opens the store the flags name; kInvalidArgument for a spec of unknown form. The store
// records its writes into `metrics` when given (it must outlive the store).
Result<std::unique_ptr<Store>> OpenStore(const StoreFlags& flags, Metrics* metrics = nullptr);

// The path of a "sqlite:PATH" spec; empty for any other store.
std::string SqlitePath(const StoreFlags& flags);

}  // namespace hitcounter::cli

#endif  // HITCOUNTER_CLI_STORE_FLAGS_H_
