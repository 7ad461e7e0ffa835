// The hitcounter command: `hitcounter serve` and friends.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "cli/create_table.h"
#include "cli/serve.h"
#include "cli/stats.h"

int main(int argc, char** argv) {
  CLI::App app{"hitcounter: counts hits per API route", "hitcounter"};
  app.set_version_flag("--version", std::string("hitcounter ") + HITCOUNTER_VERSION);
  app.require_subcommand(1);

  hitcounter::cli::ServeFlags serve_flags;
  CLI::App* serve = app.add_subcommand("serve", "Run the HTTP server");
  hitcounter::cli::AddServeFlags(*serve, serve_flags);

  hitcounter::cli::CreateTableFlags create_table_flags;
  CLI::App* create_table = app.add_subcommand(
      "create-table", "Create the DynamoDB table (idempotent; waits until ACTIVE)");
  hitcounter::cli::AddCreateTableFlags(*create_table, create_table_flags);

  hitcounter::cli::StatsFlags stats_flags;
  CLI::App* stats = app.add_subcommand(
      "stats", "Print the top routes of a store: a table, or --json / --csv for export");
  hitcounter::cli::AddStatsFlags(*stats, stats_flags);

  CLI11_PARSE(app, argc, argv);
  if (serve->parsed()) return hitcounter::cli::Serve(serve_flags);
  if (create_table->parsed()) return hitcounter::cli::CreateTable(create_table_flags);
  if (stats->parsed()) return hitcounter::cli::Stats(stats_flags);
  return 0;
}
