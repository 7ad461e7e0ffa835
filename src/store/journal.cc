#include "store/journal.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace hitcounter {
namespace {

constexpr std::size_t kLengthBytes = 2;
constexpr std::size_t kNumbers = 6;
constexpr std::size_t kNumberBytes = 8;

void AppendNumber(std::int64_t value, std::string& blob) {
  const auto bits = static_cast<std::uint64_t>(value);
  char bytes[kNumberBytes];
  for (std::size_t i = 0; i < kNumberBytes; ++i) {
    bytes[i] = static_cast<char>((bits >> (8 * i)) & 0xFF);
  }
  blob.append(bytes, kNumberBytes);
}

std::int64_t ReadNumber(const char* bytes) {
  std::uint64_t bits = 0;
  for (std::size_t i = 0; i < kNumberBytes; ++i) {
    bits |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[i])) << (8 * i);
  }
  return static_cast<std::int64_t>(bits);
}

}  // namespace

void AppendJournalRecord(const JournalRecord& record, std::string& blob) {
  const auto length = static_cast<std::uint16_t>(record.route.size());
  blob.push_back(static_cast<char>(length & 0xFF));
  blob.push_back(static_cast<char>(length >> 8));
  blob.append(record.route);
  for (std::int64_t number : {record.count, record.first_seen, record.last_access,
                              record.window_start, record.window_hits, record.window_seconds}) {
    AppendNumber(number, blob);
  }
}

Status ReadJournalRecords(std::string_view blob,
                          const std::function<void(const JournalRecord&)>& each) {
  while (!blob.empty()) {
    if (blob.size() < kLengthBytes) return Status::Internal("a journal row ends inside a record");
    const std::size_t length = static_cast<unsigned char>(blob[0]) |
                               (static_cast<std::size_t>(static_cast<unsigned char>(blob[1])) << 8);
    blob.remove_prefix(kLengthBytes);
    if (length == 0 || blob.size() < length + kNumbers * kNumberBytes) {
      return Status::Internal("a journal row holds a damaged record");
    }
    JournalRecord record;
    record.route = blob.substr(0, length);
    const char* numbers = blob.data() + length;
    std::array<std::int64_t, kNumbers> values{};
    for (std::size_t i = 0; i < kNumbers; ++i) values[i] = ReadNumber(numbers + i * kNumberBytes);
    record.count = values[0];
    record.first_seen = values[1];
    record.last_access = values[2];
    record.window_start = values[3];
    record.window_hits = values[4];
    record.window_seconds = values[5];
    // Count 0 is a deleted route's tombstone, and holds nothing else.
    const bool tombstone = std::all_of(values.begin(), values.end(), [](auto v) { return v == 0; });
    if ((record.count < 1 && !tombstone) || record.window_hits < 0 || record.window_seconds < 0) {
      return Status::Internal("a journal row holds an impossible record");
    }
    each(record);
    blob.remove_prefix(length + kNumbers * kNumberBytes);
  }
  return Status::Ok();
}

}  // namespace hitcounter
