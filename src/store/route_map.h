// RouteMap<V>: a map from route text to a V, kept compact for millions of routes.
//
// The SQLite store holds every route's record in memory (sqlite_store.h), so its footprint is
// the store's: std::unordered_map<std::string, V> measured 124 bytes per route for 9-byte routes
// and 172 for 30-byte ones (a node, a bucket and the string's own allocation each), over the
// 160 bytes per route the store may take at a million routes (docs/BENCHMARKS.md). Here a route
// costs its V, 16 bytes of bookkeeping, its text and ~12 bytes of index:
//   - entries live in fixed-size chunks, so their addresses never change (the store keeps
//     pointers to them across batches) and growth copies nothing;
//   - route texts are packed into an arena; an erased route's bytes are not reused (erasing is
//     rare: a rolled-back new route, an operator's deletion);
//   - the index is open addressing with linear probing over 8-byte slots (entry id and hash
//     bits), so a lookup touches one or two cache lines before comparing the text.
//
// Not thread-safe: the owner locks.
#ifndef HITCOUNTER_STORE_ROUTE_MAP_H_
#define HITCOUNTER_STORE_ROUTE_MAP_H_

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

namespace hitcounter {

template <typename V>
class RouteMap {
 public:
  class Entry {
   public:
    V value{};
    std::string_view route() const { return {route_data_, route_size_}; }

   private:
    friend class RouteMap;
    const char* route_data_ = nullptr;  // null: a free entry
    std::uint32_t route_size_ = 0;
    std::uint32_t id_ = 0;
  };

  RouteMap() : slots_(kMinSlots) {}
  RouteMap(const RouteMap&) = delete;
  RouteMap& operator=(const RouteMap&) = delete;

  std::size_t size() const { return size_; }

  // The entry of `route`, or null.
  Entry* Find(std::string_view route) {
    const std::size_t hash = Hash(route);
    for (std::size_t i = hash & Mask();; i = (i + 1) & Mask()) {
      const Slot& slot = slots_[i];
      if (slot.id_plus_one == 0) return nullptr;
      if (slot.hash_bits == HashBits(hash)) {
        Entry& entry = EntryAt(slot.id_plus_one - 1);
        if (entry.route() == route) return &entry;
      }
    }
  }

  // The entry of `route` and false, or a new entry (V value-initialised) and true.
  std::pair<Entry*, bool> Insert(std::string_view route) {
    if (Entry* found = Find(route)) return {found, false};
    if ((size_ + 1) * kMaxLoadDenominator > slots_.size() * kMaxLoadNumerator) {
      Rehash(slots_.size() * 2);
    }
    const std::uint32_t id = NewId();
    Entry& entry = EntryAt(id);
    entry.value = V{};
    entry.route_data_ = CopyText(route);
    entry.route_size_ = static_cast<std::uint32_t>(route.size());
    entry.id_ = id;
    Place(id, Hash(route));
    ++size_;
    return {&entry, true};
  }

  // Removes `entry` (from this map); the pointer is invalid afterwards.
  void Erase(Entry* entry) {
    std::size_t i = Hash(entry->route()) & Mask();
    while (slots_[i].id_plus_one != entry->id_ + 1) i = (i + 1) & Mask();
    // Backward-shift deletion: move later members of the probe run into the hole, so lookups
    // never need tombstones.
    for (std::size_t j = (i + 1) & Mask(); slots_[j].id_plus_one != 0; j = (j + 1) & Mask()) {
      const std::size_t home = Hash(EntryAt(slots_[j].id_plus_one - 1).route()) & Mask();
      const bool movable = i <= j ? (home <= i || home > j) : (home <= i && home > j);
      if (movable) {
        slots_[i] = slots_[j];
        i = j;
      }
    }
    slots_[i] = Slot{};
    free_ids_.push_back(entry->id_);
    entry->route_data_ = nullptr;
    entry->route_size_ = 0;
    --size_;
  }

  // Calls f(Entry&) for every entry, in no particular order.
  template <typename F>
  void ForEach(F&& f) {
    for (std::uint32_t id = 0; id < next_id_; ++id) {
      Entry& entry = EntryAt(id);
      if (entry.route_data_ != nullptr) f(entry);
    }
  }

  // Bytes held (entries, index and texts), for benchmarks and metrics.
  std::size_t MemoryBytes() const {
    return chunks_.size() * kEntriesPerChunk * sizeof(Entry) + slots_.size() * sizeof(Slot) +
           arena_bytes_;
  }

 private:
  struct Slot {
    std::uint32_t id_plus_one = 0;  // 0: empty
    std::uint32_t hash_bits = 0;    // the hash's high bits, to skip most text comparisons
  };

  // Entries are allocated this many at a time (256 KiB for a 64-byte entry).
  static constexpr std::size_t kEntriesPerChunk = 4096;
  // Route texts are packed into blocks of this size; a longer text gets a block of its own.
  static constexpr std::size_t kArenaBlockBytes = 64 * 1024;
  static constexpr std::size_t kMinSlots = 16;
  // The index grows past 7/10 full: linear probing stays short below that.
  static constexpr std::size_t kMaxLoadNumerator = 7;
  static constexpr std::size_t kMaxLoadDenominator = 10;

  static std::size_t Hash(std::string_view route) { return std::hash<std::string_view>{}(route); }
  static std::uint32_t HashBits(std::size_t hash) {
    return static_cast<std::uint32_t>(hash >> 32) | 1u;
  }
  std::size_t Mask() const { return slots_.size() - 1; }

  Entry& EntryAt(std::uint32_t id) { return chunks_[id / kEntriesPerChunk][id % kEntriesPerChunk]; }

  std::uint32_t NewId() {
    if (!free_ids_.empty()) {
      std::uint32_t id = free_ids_.back();
      free_ids_.pop_back();
      return id;
    }
    if (next_id_ == chunks_.size() * kEntriesPerChunk) {
      chunks_.push_back(std::make_unique<Entry[]>(kEntriesPerChunk));
    }
    return next_id_++;
  }

  void Place(std::uint32_t id, std::size_t hash) {
    std::size_t i = hash & Mask();
    while (slots_[i].id_plus_one != 0) i = (i + 1) & Mask();
    slots_[i] = Slot{id + 1, HashBits(hash)};
  }

  void Rehash(std::size_t slot_count) {
    std::vector<Slot> old = std::exchange(slots_, std::vector<Slot>(slot_count));
    for (const Slot& slot : old) {
      if (slot.id_plus_one != 0) {
        Place(slot.id_plus_one - 1, Hash(EntryAt(slot.id_plus_one - 1).route()));
      }
    }
  }

  const char* CopyText(std::string_view text) {
    if (text.size() > kArenaBlockBytes) {
      blocks_.push_back(std::make_unique<char[]>(text.size()));
      arena_bytes_ += text.size();
      std::memcpy(blocks_.back().get(), text.data(), text.size());
      return blocks_.back().get();
    }
    if (block_next_ == nullptr || block_left_ < text.size()) {
      blocks_.push_back(std::make_unique<char[]>(kArenaBlockBytes));
      arena_bytes_ += kArenaBlockBytes;
      block_next_ = blocks_.back().get();
      block_left_ = kArenaBlockBytes;
    }
    char* copy = block_next_;
    if (!text.empty()) std::memcpy(copy, text.data(), text.size());
    block_next_ += text.size();
    block_left_ -= text.size();
    return copy;
  }

  std::vector<std::unique_ptr<Entry[]>> chunks_;
  std::vector<std::uint32_t> free_ids_;
  std::uint32_t next_id_ = 0;
  std::vector<Slot> slots_;
  std::size_t size_ = 0;
  std::vector<std::unique_ptr<char[]>> blocks_;
  char* block_next_ = nullptr;
  std::size_t block_left_ = 0;
  std::size_t arena_bytes_ = 0;
};

}  // namespace hitcounter

#endif  // HITCOUNTER_STORE_ROUTE_MAP_H_
