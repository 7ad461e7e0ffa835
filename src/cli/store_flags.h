// The flags that choose a store, shared by every subcommand that opens one:
//
//   --store sqlite:PATH       the embedded SQLite store in the file PATH (created when missing)
//   --store dynamodb:TABLE    the DynamoDB table TABLE; region, endpoint and credentials as the
//                             AWS CLI resolves them (AWS_REGION, AWS_ENDPOINT_URL_DYNAMODB,
//                             the SDKs' default credentials chain: aws/credentials_chain.h),
//                             or --region / --endpoint-url
#ifndef HITCOUNTER_CLI_STORE_FLAGS_H_
#define HITCOUNTER_CLI_STORE_FLAGS_H_

#include <memory>
#include <string>

#include "hitcounter/executor.h"
#include "hitcounter/metrics.h"
#include "hitcounter/store.h"
#include "store/dynamodb_store.h"

namespace CLI {
class App;  // CLI11's, included only where flags are added: it is heavy to compile
}  // namespace CLI

namespace hitcounter::cli {

inline constexpr char kDefaultStore[] = "sqlite:./hitcounter.db";

struct StoreFlags {
  std::string spec = kDefaultStore;
  std::string region;        // DynamoDB only; empty: from the environment
  std::string endpoint_url;  // DynamoDB only; empty: from the environment, else AWS's
  // New routes past this are refused (hitcounter/store.h); set by the subcommands that count.
  std::int64_t max_routes = kUnboundedRoutes;
};

// --store (default kDefaultStore), --region and --endpoint-url, each with its environment
// variable: HITCOUNTER_STORE, AWS_REGION, AWS_ENDPOINT_URL_DYNAMODB (aws/aws_config.h reads the
// other AWS variables when these are empty).
void AddStoreFlags(CLI::App& command, StoreFlags& flags);

// The same for commands that work on a DynamoDB table only (create-table): --store is
// dynamodb:TABLE, required, without a default.
void AddTableFlags(CLI::App& command, StoreFlags& flags);

// Whether the spec names a SQLite file ("sqlite:PATH").
bool IsSqliteStore(const StoreFlags& flags);

// The DynamoDB settings for a "dynamodb:TABLE" spec; kInvalidArgument for any other spec or
// for settings that cannot be resolved (the message names what is missing).
Result<DynamoDbSettings> DynamoDbSettingsFor(const StoreFlags& flags);

// Opens the store the flags name, to count hits; kInvalidArgument for a spec of unknown form.
// The store records its writes into `metrics` and answers on `executor`, when given (both must
// outlive the store).
Result<std::unique_ptr<Store>> OpenStore(const StoreFlags& flags, Metrics* metrics = nullptr,
                                         Executor* executor = nullptr);

// Opens the store the flags name, to read it only, answering every call before it returns: a
// SQLite file read-only (a running server may own it; a missing file is an error, not a new
// database), a DynamoDB table without worker threads.
Result<std::unique_ptr<Store>> OpenStoreToRead(const StoreFlags& flags);

// The path of a "sqlite:PATH" spec; empty for any other store.
std::string SqlitePath(const StoreFlags& flags);

}  // namespace hitcounter::cli

#endif  // HITCOUNTER_CLI_STORE_FLAGS_H_
