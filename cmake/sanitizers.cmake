# HITCOUNTER_SANITIZE selects a sanitizer build: "address" (ASan + UBSan) or "thread" (TSan).
set(HITCOUNTER_SANITIZE "" CACHE STRING "Sanitizer build: address, thread or empty")
# HITCOUNTER_FUZZ builds the libFuzzer targets of fuzz/ (clang only) with ASan + UBSan: the
# libraries get coverage instrumentation (fuzzer-no-link), the fuzzers link libFuzzer itself.
option(HITCOUNTER_FUZZ "Build the libFuzzer targets in fuzz/ (clang only)" OFF)

if(HITCOUNTER_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "HITCOUNTER_FUZZ needs clang (libFuzzer): use the fuzz preset")
  endif()
  if(NOT HITCOUNTER_SANITIZE STREQUAL "")
    message(FATAL_ERROR "HITCOUNTER_FUZZ brings its own sanitizers: leave HITCOUNTER_SANITIZE empty")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer
                      -fsanitize-ignorelist=${PROJECT_SOURCE_DIR}/cmake/ubsan_ignorelist.txt)
  add_link_options(-fsanitize=address,undefined -fno-sanitize-recover=all)
  # Bounds-checked operator[], front(), back()... in libstdc++: an out-of-range index aborts
  # where the fuzzer can see it. It does not change the ABI.
  add_compile_definitions(_GLIBCXX_ASSERTIONS)
  # Boost's assertions go to fuzz/boost_assert.cc, which aborts on every one but a single known
  # wrong assertion of Boost 1.74's Beast (boostorg/beast#2861): every fuzzer links it.
  add_compile_definitions(BOOST_ENABLE_ASSERT_HANDLER)
endif()

if(HITCOUNTER_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined -fno-sanitize-recover=all)
elseif(HITCOUNTER_SANITIZE STREQUAL "thread")
  # -Wno-tsan: GCC warns that TSan does not model the atomic_thread_fence inside Boost.Asio's
  # handler invocation; Asio's scheduler synchronises through mutexes, which TSan does model.
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer -Wno-tsan)
  # Line tables only (after the build type's -g, so they win): all a TSan report needs, and a
  # quarter less compile time (measured: src/aws/http_client.cc in 33 s of CPU against 43 s).
  add_compile_options(-g1)
  add_link_options(-fsanitize=thread)
elseif(NOT HITCOUNTER_SANITIZE STREQUAL "")
  message(FATAL_ERROR "HITCOUNTER_SANITIZE must be address, thread or empty")
endif()
