// Boost's assertion handler for the fuzz build (BOOST_ENABLE_ASSERT_HANDLER): every failed
// BOOST_ASSERT aborts, as assert() would, except one. Boost 1.74's Beast asserts `n >= 5` in
// basic_parser::parse_chunk_header when the CRLF after a last chunk arrives a byte at a time;
// the assertion is wrong and the code after it is right (boostorg/beast#2861, fixed in later
// Boost), and release builds (NDEBUG) never check it. Skipping that one assertion by its
// expression and function keeps every other Boost assertion in the fuzzers.
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

bool IsBeast2861(const char* expr, const char* function) {
  return std::strcmp(expr, "n >= 5") == 0 && std::strstr(function, "parse_chunk_header") != nullptr;
}

[[noreturn]] void Fail(const char* expr, const char* message, const char* function,
                       const char* file, long line) {
  std::fprintf(stderr, "%s:%ld: %s: Boost assertion `%s' failed%s%s\n", file, line, function, expr,
               message != nullptr ? ": " : "", message != nullptr ? message : "");
  std::abort();
}

}  // namespace

namespace boost {

void assertion_failed(const char* expr, const char* function, const char* file, long line) {
  if (IsBeast2861(expr, function)) return;
  Fail(expr, nullptr, function, file, line);
}

void assertion_failed_msg(const char* expr, const char* msg, const char* function, const char* file,
                          long line) {
  Fail(expr, msg, function, file, line);
}

}  // namespace boost
