#include "lambda/arc4random_shim.h"

#include <sys/random.h>

#include <cerrno>
#include <cstdlib>

extern "C" void __wrap_arc4random_buf(void* buffer, std::size_t size) {
  auto* at = static_cast<unsigned char*>(buffer);
  while (size > 0) {
    const ssize_t got = getrandom(at, size, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      std::abort();
    }
    at += got;
    size -= static_cast<std::size_t>(got);
  }
}
