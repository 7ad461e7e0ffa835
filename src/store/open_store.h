// Opens the store named by a store spec, the value of --store / HITCOUNTER_STORE:
//
//   sqlite:PATH    the embedded SQLite store in the file PATH (created when missing)
#ifndef HITCOUNTER_STORE_OPEN_STORE_H_
#define HITCOUNTER_STORE_OPEN_STORE_H_

#include <memory>
#include <string_view>

#include "hitcounter/store.h"

namespace hitcounter {

// The store, or kInvalidArgument for a spec of unknown form, or the store's own error.
Result<std::unique_ptr<Store>> OpenStore(std::string_view spec);

}  // namespace hitcounter

#endif  // HITCOUNTER_STORE_OPEN_STORE_H_
