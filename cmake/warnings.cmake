# Warnings are errors for the project's own code. Third-party headers come from system include
# directories, so their warnings stay out of the way.
add_compile_options(
  -Wall -Wextra -Wpedantic -Wconversion -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough -Werror)
# Not -Wnull-dereference: at -O3 it fires inside Boost.Asio code inlined into ours.
# Not -Wrestrict on g++ 12: at -O3 it fires inside libstdc++'s std::string when a short literal
# is assigned or prepended ("/" + text), a false positive (GCC bug 105651, fixed in g++ 13).
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  add_compile_options(-Wno-restrict)
endif()
# Clang checks the locking rules written as annotations (src/core/mutex.h): GUARDED_BY,
# REQUIRES, EXCLUDES. The fuzz preset is the clang build CI runs.
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  add_compile_options(-Wthread-safety)
endif()
