// `hitcounter reset`: deletes the counts of one route, or of every route under a prefix, from
// a store directly (no server), as DELETE /_stats?route=|prefix= does through a server.
//
//   hitcounter reset --store sqlite:hits.db --route /api/users
//   hitcounter reset --store dynamodb:hits --prefix /old/
//
// A SQLite file has one owner: while `hitcounter serve` runs on it, reset refuses (the file is
// locked) and says to delete through the server's endpoint instead, with its admin token. A
// DynamoDB table takes deletions beside running servers and functions.
#ifndef HITCOUNTER_CLI_RESET_H_
#define HITCOUNTER_CLI_RESET_H_

#include <string>

#include "cli/store_flags.h"

namespace CLI {
class App;  // CLI11's, included only where flags are added: it is heavy to compile
}  // namespace CLI

namespace hitcounter::cli {

struct ResetFlags {
  StoreFlags store;
  std::string route;   // one route
  std::string prefix;  // every route starting with it ("/": all)
};

void AddResetFlags(CLI::App& command, ResetFlags& flags);

// Deletes, then prints what it deleted ("deleted 3 routes holding 12 hits"); the process exit
// code (1, with a message on stderr, when the store cannot be opened or fails, or --route names
// a route never hit).
int Reset(const ResetFlags& flags);

}  // namespace hitcounter::cli

#endif  // HITCOUNTER_CLI_RESET_H_
