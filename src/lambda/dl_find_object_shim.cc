#include "lambda/dl_find_object_shim.h"

#include <link.h>

#include <atomic>
#include <cstdint>
#include <cstring>

namespace hitcounter::lambda {
namespace {

std::atomic<std::size_t> shim_calls{0};

struct Search {
  std::uintptr_t address = 0;
  dl_find_object* result = nullptr;
  bool found = false;
};

int VisitObject(dl_phdr_info* info, std::size_t, void* data) {
  auto* search = static_cast<Search*>(data);
  std::uintptr_t low = UINTPTR_MAX;
  std::uintptr_t high = 0;
  bool contains = false;
  const void* eh_frame = nullptr;
  for (ElfW(Half) i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& segment = info->dlpi_phdr[i];
    const std::uintptr_t start = info->dlpi_addr + segment.p_vaddr;
    if (segment.p_type == PT_GNU_EH_FRAME) {
      eh_frame = reinterpret_cast<const void*>(start);
    } else if (segment.p_type == PT_LOAD) {
      const std::uintptr_t end = start + segment.p_memsz;
      if (search->address >= start && search->address < end) contains = true;
      if (start < low) low = start;
      if (end > high) high = end;
    }
  }
  if (!contains) return 0;
  std::memset(search->result, 0, sizeof(*search->result));
  search->result->dlfo_map_start = reinterpret_cast<void*>(low);
  search->result->dlfo_map_end = reinterpret_cast<void*>(high);
  search->result->dlfo_eh_frame = const_cast<void*>(eh_frame);
  search->found = true;
  return 1;  // stop
}

}  // namespace

std::size_t DlFindObjectShimCalls() { return shim_calls.load(); }

}  // namespace hitcounter::lambda

extern "C" int __wrap__dl_find_object(void* address, struct dl_find_object* result) {
  hitcounter::lambda::shim_calls.fetch_add(1, std::memory_order_relaxed);
  hitcounter::lambda::Search search{reinterpret_cast<std::uintptr_t>(address), result, false};
  dl_iterate_phdr(hitcounter::lambda::VisitObject, &search);
  return search.found ? 0 : -1;
}
