#include "cli/import.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <future>
#include <iterator>
#include <unordered_set>

#include "core/time_format.h"
#include "hitcounter/route.h"

namespace hitcounter::cli {
namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "hitcounter: %s\n", message.c_str());
  return 1;
}

Status Bad(const std::string& where, const std::string& what) {
  return Status::InvalidArgument(where + ": " + what);
}

// Checks one record's fields as a store holds them; `where` names it in messages.
Result<RouteStats> Record(const std::string& where, std::string_view route, std::string_view count,
                          std::string_view first_seen, std::string_view last_access) {
  Result<std::string> normal = NormalizeRoute(route);
  if (!normal.ok() || *normal != route) {
    return Bad(where,
               "\"" + std::string(route) +
                   "\" is not a route as hitcounter stores it (normalised, starting with /)");
  }
  RouteStats stats;
  stats.route = std::string(route);
  const char* end = count.data() + count.size();
  auto [stop, error] = std::from_chars(count.data(), end, stats.count);
  if (count.empty() || error != std::errc() || stop != end || stats.count < 1) {
    return Bad(where, "count \"" + std::string(count) + "\" is not a whole number of at least 1");
  }
  std::optional<UnixMillis> first = ParseRfc3339Millis(first_seen);
  std::optional<UnixMillis> last = ParseRfc3339Millis(last_access);
  if (!first)
    return Bad(where, "firstSeen \"" + std::string(first_seen) +
                          "\" is not a time as "
                          "hitcounter writes it (2026-11-26T14:05:07.123Z)");
  if (!last)
    return Bad(where, "lastAccess \"" + std::string(last_access) +
                          "\" is not a time as "
                          "hitcounter writes it (2026-11-26T14:05:07.123Z)");
  if (*first > *last) return Bad(where, "firstSeen is later than lastAccess");
  stats.first_seen = *first;
  stats.last_access = *last;
  return stats;
}

std::size_t LineAt(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  return 1 + static_cast<std::size_t>(std::count(
                 text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

Result<std::vector<RouteStats>> ParseJson(std::string_view text) {
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError()) {
    return Bad("line " + std::to_string(LineAt(text, doc.GetErrorOffset())),
               std::string("not valid JSON: ") + rapidjson::GetParseError_En(doc.GetParseError()));
  }
  auto routes = doc.IsObject() ? doc.FindMember("routes") : doc.MemberEnd();
  if (!doc.IsObject() || routes == doc.MemberEnd() || !routes->value.IsArray()) {
    return Status::InvalidArgument(
        "the JSON holds no \"routes\" array: import reads what hitcounter stats --json writes");
  }
  std::vector<RouteStats> records;
  for (rapidjson::SizeType i = 0; i < routes->value.Size(); ++i) {
    const rapidjson::Value& item = routes->value[i];
    std::string where = "routes[" + std::to_string(i) + "]";
    auto text_of = [&item](const char* name) -> std::optional<std::string_view> {
      auto member = item.FindMember(name);
      if (member == item.MemberEnd() || !member->value.IsString()) return std::nullopt;
      return std::string_view(member->value.GetString(), member->value.GetStringLength());
    };
    if (!item.IsObject()) return Bad(where, "not an object");
    std::optional<std::string_view> route = text_of("route");
    auto count = item.FindMember("count");
    std::optional<std::string_view> first = text_of("firstSeen");
    std::optional<std::string_view> last = text_of("lastAccess");
    if (!route || count == item.MemberEnd() || !count->value.IsInt64() || !first || !last) {
      return Bad(where,
                 "needs \"route\", \"count\" (a whole number), \"firstSeen\" and "
                 "\"lastAccess\" (strings)");
    }
    where += " (" + std::string(*route) + ")";
    Result<RouteStats> record =
        Record(where, *route, std::to_string(count->value.GetInt64()), *first, *last);
    if (!record.ok()) return record.status();
    records.push_back(std::move(record).value());
  }
  return records;
}

// RFC 4180: fields separated by ',', records by CRLF (or LF), a field in double quotes may
// hold ',', '"' (doubled) and line breaks.
Result<std::vector<RouteStats>> ParseCsv(std::string_view text) {
  std::vector<RouteStats> records;
  std::size_t line = 1;
  std::size_t i = 0;
  bool header = true;
  while (i < text.size()) {
    const std::size_t record_line = line;
    const std::string where = "line " + std::to_string(record_line);
    std::vector<std::string> fields(1);
    bool ended = false;
    while (!ended) {
      if (i < text.size() && text[i] == '"' && fields.back().empty()) {
        for (++i;; ++i) {
          if (i >= text.size()) return Bad(where, "a quoted field never ends");
          if (text[i] == '"' && i + 1 < text.size() && text[i + 1] == '"') {
            fields.back().push_back('"');
            ++i;
          } else if (text[i] == '"') {
            ++i;
            break;
          } else {
            if (text[i] == '\n') ++line;
            fields.back().push_back(text[i]);
          }
        }
        if (i < text.size() && text[i] != ',' && text[i] != '\r' && text[i] != '\n') {
          return Bad(where, "text after a quoted field's closing quote");
        }
      }
      if (i >= text.size()) {
        ended = true;
      } else if (text[i] == ',') {
        fields.emplace_back();
        ++i;
      } else if (text[i] == '\n' ||
                 (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) {
        i += text[i] == '\r' ? 2 : 1;
        ++line;
        ended = true;
      } else if (text[i] == '"') {
        return Bad(where, "a quote inside an unquoted field (quote the whole field)");
      } else {
        fields.back().push_back(text[i++]);
      }
    }
    if (header) {
      if (fields != std::vector<std::string>{"route", "count", "firstSeen", "lastAccess"}) {
        return Bad(where,
                   "the header must be route,count,firstSeen,lastAccess, as hitcounter "
                   "stats --csv writes");
      }
      header = false;
      continue;
    }
    if (fields.size() == 1 && fields[0].empty()) continue;  // an empty line
    if (fields.size() != 4) {
      return Bad(where, std::to_string(fields.size()) +
                            " fields, not 4 (route,count,firstSeen,lastAccess)");
    }
    Result<RouteStats> record = Record(where, fields[0], fields[1], fields[2], fields[3]);
    if (!record.ok()) return record.status();
    records.push_back(std::move(record).value());
  }
  if (header) return Status::InvalidArgument("the file is empty");
  return records;
}

std::string Plural(std::int64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

Result<std::vector<RouteStats>> ParseExport(std::string_view text) {
  const std::size_t start = text.find_first_not_of(" \t\r\n");
  Result<std::vector<RouteStats>> records =
      start != std::string_view::npos && text[start] == '{' ? ParseJson(text) : ParseCsv(text);
  if (!records.ok()) return records;
  std::unordered_set<std::string_view> seen;
  for (const RouteStats& record : *records) {
    if (!seen.insert(record.route).second) {
      return Status::InvalidArgument(record.route +
                                     " is given twice: an export names a route once");
    }
  }
  return records;
}

void AddImportFlags(CLI::App& command, ImportFlags& flags) {
  AddStoreFlags(command, flags.store);
  command.add_option("file", flags.file, "The export to read (hitcounter stats --json or --csv)")
      ->required();
  command
      .add_option("--mode", flags.mode,
                  "replace: each route's record becomes the file's (running twice changes "
                  "nothing); add: counts add to the store's")
      ->check(CLI::IsMember({"add", "replace"}))
      ->capture_default_str();
  flags.store.max_routes = kDefaultMaxRoutes;
  command
      .add_option("--max-routes", flags.store.max_routes,
                  "Refuse the import when its new routes would make the store hold more than "
                  "this many (0: no bound), as serve --max-routes does")
      ->envname("HITCOUNTER_MAX_ROUTES")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
}

int Import(const ImportFlags& flags) {
  std::ifstream in(flags.file, std::ios::binary);
  if (!in) return Fail("cannot read " + flags.file);
  std::string text;
  text.reserve(1 << 20);
  char buffer[1 << 16];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxImportFileBytes) {
      return Fail(flags.file + " is larger than " + std::to_string(kMaxImportFileBytes >> 20) +
                  " MiB: split it (by --prefix) and import the parts");
    }
  }
  Result<std::vector<RouteStats>> records = ParseExport(text);
  if (!records.ok())
    return Fail(flags.file + ": " + records.status().message() + "; nothing was imported");
  const std::string path = SqlitePath(flags.store);
  Result<std::unique_ptr<Store>> store = OpenStore(flags.store);
  if (!store.ok() && !path.empty() &&
      store.status().message().find("in use") != std::string::npos) {
    return Fail(path +
                " is owned by a running hitcounter serve (a SQLite file has one writer): "
                "stop it, import, and start it again");
  }
  if (!store.ok()) return Fail(store.status().message());
  const ImportMode mode = flags.mode == "add" ? ImportMode::kAdd : ImportMode::kReplace;
  ImportedRoutes total;
  for (std::size_t from = 0; from < records->size(); from += kMaxImportedRoutesPerCall) {
    const auto begin = records->begin() + static_cast<std::ptrdiff_t>(from);
    const auto end = records->begin() + static_cast<std::ptrdiff_t>(std::min(
                                            records->size(), from + kMaxImportedRoutesPerCall));
    std::promise<Result<ImportedRoutes>> promise;
    (*store)->Import(
        std::vector<RouteStats>(begin, end), mode, kNoDeadline,
        [&promise](Result<ImportedRoutes> done) { promise.set_value(std::move(done)); });
    Result<ImportedRoutes> imported = promise.get_future().get();
    if (!imported.ok()) {
      return Fail(imported.status().message() + " (" + Plural(total.created, "route", "routes") +
                  " created and " + std::to_string(total.updated) + " updated before it)");
    }
    total.created += imported->created;
    total.updated += imported->updated;
  }
  std::printf("imported %s: %s created, %s updated\n",
              Plural(static_cast<std::int64_t>(records->size()), "record", "records").c_str(),
              Plural(total.created, "route", "routes").c_str(),
              std::to_string(total.updated).c_str());
  return 0;
}

}  // namespace hitcounter::cli
