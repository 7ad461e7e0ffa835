#include "store/open_store.h"

#include <string>

#include "store/sqlite_store.h"

namespace hitcounter {

Result<std::unique_ptr<Store>> OpenStore(std::string_view spec) {
  constexpr std::string_view kSqlite = "sqlite:";
  if (spec.substr(0, kSqlite.size()) == kSqlite && spec.size() > kSqlite.size()) {
    Result<std::unique_ptr<SqliteStore>> store =
        SqliteStore::Open(std::string(spec.substr(kSqlite.size())));
    if (!store.ok()) return store.status();
    return std::unique_ptr<Store>(std::move(store).value());
  }
  return Status::InvalidArgument("unknown store \"" + std::string(spec) + "\": use sqlite:PATH");
}

}  // namespace hitcounter
