// DeleteUnderPrefix: deleting the routes under a prefix, a bounded page at a time, over any
// Store. Shared by DELETE {prefix}stats?prefix= and `hitcounter reset --prefix`.
//
// Stateless; safe from any thread. The store must outlive the call's answer.
#ifndef HITCOUNTER_CORE_DELETE_ROUTES_H_
#define HITCOUNTER_CORE_DELETE_ROUTES_H_

#include <functional>
#include <string>

#include "hitcounter/store.h"

namespace hitcounter {

struct PrefixDeletion {
  DeletedRoutes deleted;
  // Routes remained under the prefix past the bound: call again to go on.
  bool more = false;
};

// Lists the first kMaxDeletedRoutesPerCall routes under `prefix` (by route, as List does,
// "/" meaning every route) and deletes them with one Store::Delete. Routes first hit while it
// runs may remain. Answers with what was deleted and whether more remained, or with the
// store's error (List's, or Delete's: some of the page may be deleted then).
void DeleteUnderPrefix(Store& store, std::string prefix, Deadline deadline,
                       std::function<void(Result<PrefixDeletion>)> done);

}  // namespace hitcounter

#endif  // HITCOUNTER_CORE_DELETE_ROUTES_H_
