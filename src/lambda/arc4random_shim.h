// A stand-in for glibc's arc4random_buf (GLIBC_2.36), so that the bootstrap runs on Amazon
// Linux 2023 (glibc 2.34) while built here (glibc 2.36).
//
// Debian's static Expat (libexpat.a, which reads STS's XML: aws/sts_client.h) seeds the salt of
// its hash tables with arc4random_buf, since the glibc it was built against has it. The
// bootstrap is linked with -Wl,--wrap=arc4random_buf, which sends those calls here instead;
// this fills the buffer from getrandom (GLIBC_2.25), the kernel's generator that glibc's own
// arc4random_buf reads too.
//
// Thread-safe.
#ifndef HITCOUNTER_LAMBDA_ARC4RANDOM_SHIM_H_
#define HITCOUNTER_LAMBDA_ARC4RANDOM_SHIM_H_

#include <cstddef>

extern "C" {
// Fills `size` bytes at `buffer` with random bytes. Like glibc's, it cannot fail: it aborts if
// the kernel has no getrandom (Linux older than 3.17, which Lambda never runs).
void __wrap_arc4random_buf(void* buffer, std::size_t size);
}

#endif  // HITCOUNTER_LAMBDA_ARC4RANDOM_SHIM_H_
