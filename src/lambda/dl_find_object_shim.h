// A stand-in for glibc's _dl_find_object (GLIBC_2.35), so that the bootstrap runs on Amazon
// Linux 2023 (glibc 2.34) while built here (glibc 2.36).
//
// GCC 12's unwinder (libgcc_eh.a, linked statically with -static-libgcc) finds a frame's
// exception tables with _dl_find_object when the glibc it was built against has it. The
// bootstrap is linked with -Wl,--wrap=_dl_find_object, which sends those calls here instead;
// this answers the same question with dl_iterate_phdr (GLIBC_2.2.5), as older unwinders did.
// Only dlfo_map_start, dlfo_map_end and dlfo_eh_frame are filled: the unwinder reads only
// dlfo_eh_frame on x86_64 (and aarch64), where there is no data base.
//
// Thread-safe (dl_iterate_phdr takes the loader's lock).
#ifndef HITCOUNTER_LAMBDA_DL_FIND_OBJECT_SHIM_H_
#define HITCOUNTER_LAMBDA_DL_FIND_OBJECT_SHIM_H_

#include <dlfcn.h>

#include <cstddef>

extern "C" {
// 0 and *result filled when `address` lies in a loaded object; -1 otherwise.
int __wrap__dl_find_object(void* address, struct dl_find_object* result);
}

namespace hitcounter::lambda {

// How many times the stand-in was called (tests check that it is the one in use).
std::size_t DlFindObjectShimCalls();

}  // namespace hitcounter::lambda

#endif  // HITCOUNTER_LAMBDA_DL_FIND_OBJECT_SHIM_H_
