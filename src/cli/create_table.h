// `hitcounter create-table`: creates the DynamoDB table of counters, on-demand by default or
// with provisioned capacity, waits until it is ACTIVE, and succeeds if it already exists.
#ifndef HITCOUNTER_CLI_CREATE_TABLE_H_
#define HITCOUNTER_CLI_CREATE_TABLE_H_

#include <string>

#include "cli/store_flags.h"

namespace CLI {
class App;  // CLI11's, included only where flags are added: it is heavy to compile
}  // namespace CLI

namespace hitcounter::cli {

struct CreateTableFlags {
  StoreFlags store;
  std::string provisioned;  // "R,W"; empty: on-demand (PAY_PER_REQUEST)
};

void AddCreateTableFlags(CLI::App& command, CreateTableFlags& flags);

// The process exit code.
int CreateTable(const CreateTableFlags& flags);

}  // namespace hitcounter::cli

#endif  // HITCOUNTER_CLI_CREATE_TABLE_H_
