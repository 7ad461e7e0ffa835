// The hitcounter command: `hitcounter serve` and friends.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "cli/create_table.h"
#include "cli/import.h"
#include "cli/reset.h"
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

  hitcounter::cli::ResetFlags reset_flags;
  CLI::App* reset = app.add_subcommand(
      "reset", "Delete the counts of a route (--route) or of the routes under a prefix (--prefix)");
  hitcounter::cli::AddResetFlags(*reset, reset_flags);

  hitcounter::cli::ImportFlags import_flags;
  CLI::App* import_command = app.add_subcommand(
      "import", "Write the records of a `stats --json` or `--csv` export into a store");
  hitcounter::cli::AddImportFlags(*import_command, import_flags);

  // `hitcounter help [SUBCOMMAND]` and `hitcounter version`, as --help and --version say.
  std::string help_topic;
  CLI::App* help =
      app.add_subcommand("help", "Print this help, or a subcommand's: hitcounter help serve");
  help->add_option("subcommand", help_topic, "The subcommand to explain")
      ->check(
          CLI::IsMember({"serve", "create-table", "stats", "reset", "import", "help", "version"}));
  CLI::App* version = app.add_subcommand("version", "Print the version");

  CLI11_PARSE(app, argc, argv);
  if (serve->parsed()) return hitcounter::cli::Serve(serve_flags);
  if (create_table->parsed()) return hitcounter::cli::CreateTable(create_table_flags);
  if (stats->parsed()) return hitcounter::cli::Stats(stats_flags);
  if (reset->parsed()) return hitcounter::cli::Reset(reset_flags);
  if (import_command->parsed()) return hitcounter::cli::Import(import_flags);
  if (help->parsed()) {
    // As --help prints it: app.help() would explain `help` itself, the subcommand parsed.
    const std::string text =
        help_topic.empty()
            ? app.get_formatter()->make_help(&app, "hitcounter", CLI::AppFormatMode::Normal)
            : app.get_subcommand(help_topic)->help("hitcounter");
    std::fwrite(text.data(), 1, text.size(), stdout);
    return 0;
  }
  if (version->parsed()) std::printf("hitcounter %s\n", HITCOUNTER_VERSION);
  return 0;
}
