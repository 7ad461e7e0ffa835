# Which tests a build compiles and registers: HITCOUNTER_TESTS lists tiers.
#   unit        single-threaded logic over fakes: the core, parsing, signing, flags, formats.
#               ASan + UBSan (dev) is what finds their faults; TSan has no threads to watch in
#               them and an optimiser changes nothing they assert.
#   threaded    in-process tests that run threads: the stores, the AWS client and credentials.
#               Their races are what the TSan build is for.
#   end-to-end  the programs as each preset builds them, driven from outside: the server over
#               HTTP on every store, the Lambda zip through the Runtime API, the dashboard in
#               Chromium, the Debian package. Every preset builds its programs differently.
# The presets (CMakePresets.json): dev builds all three; tsan threaded and end-to-end; release
# end-to-end; fuzz none (it builds its fuzzers). Each test's tier is beside it, in its folder.
set(HITCOUNTER_TESTS "unit;threaded;end-to-end" CACHE STRING
    "Test tiers to build: a list of unit, threaded, end-to-end")
foreach(tier IN LISTS HITCOUNTER_TESTS)
  if(NOT tier MATCHES "^(unit|threaded|end-to-end)$")
    message(FATAL_ERROR "HITCOUNTER_TESTS: unknown tier \"${tier}\" (unit, threaded, end-to-end)")
  endif()
endforeach()
set(HITCOUNTER_UNIT_TESTS OFF)
set(HITCOUNTER_THREADED_TESTS OFF)
set(HITCOUNTER_END_TO_END_TESTS OFF)
if("unit" IN_LIST HITCOUNTER_TESTS)
  set(HITCOUNTER_UNIT_TESTS ON)
endif()
if("threaded" IN_LIST HITCOUNTER_TESTS)
  set(HITCOUNTER_THREADED_TESTS ON)
endif()
if("end-to-end" IN_LIST HITCOUNTER_TESTS)
  set(HITCOUNTER_END_TO_END_TESTS ON)
endif()

# The benchmarks' programs (bench/), measured from the release build, where they are built.
option(HITCOUNTER_BENCH "Build the benchmarks' programs (bench/)" OFF)
