# Warnings are errors for the project's own code. Third-party headers come from system include
# directories, so their warnings stay out of the way.
add_compile_options(
  -Wall -Wextra -Wpedantic -Wconversion -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough -Werror)
# Not -Wnull-dereference: at -O3 it fires inside Boost.Asio code inlined into ours.
