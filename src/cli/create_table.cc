#include "cli/create_table.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <optional>

#include "store/dynamodb_table.h"

namespace hitcounter::cli {
namespace {

int Fail(const Status& status) {
  std::fprintf(stderr, "hitcounter: %s\n", status.message().c_str());
  return 1;
}

}  // namespace

void AddCreateTableFlags(CLI::App& command, CreateTableFlags& flags) {
  AddTableFlags(command, flags.store);
  command.add_option("--provisioned", flags.provisioned,
                     "Provisioned capacity READ,WRITE (default: on-demand)");
}

int CreateTable(const CreateTableFlags& flags) {
  if (IsSqliteStore(flags.store)) {
    return Fail(Status::InvalidArgument(
        "create-table makes DynamoDB tables (--store dynamodb:TABLE); a SQLite file needs no "
        "creating: hitcounter serve makes it when it starts"));
  }
  Result<DynamoDbSettings> settings = DynamoDbSettingsFor(flags.store);
  if (!settings.ok()) return Fail(settings.status());
  std::optional<dynamodb::ProvisionedCapacity> capacity;
  if (!flags.provisioned.empty()) {
    Result<dynamodb::ProvisionedCapacity> parsed = ParseProvisionedCapacity(flags.provisioned);
    if (!parsed.ok()) return Fail(parsed.status());
    capacity = *parsed;
  }
  if (Status created = CreateDynamoDbTable(*settings, capacity); !created.ok()) {
    return Fail(created);
  }
  std::printf("table %s is ACTIVE in %s\n", settings->table.c_str(),
              settings->service.region.c_str());
  return 0;
}

}  // namespace hitcounter::cli
