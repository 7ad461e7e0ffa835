# Toolchain file: Linux on aarch64 (AWS Graviton), with Debian's cross compiler
# (g++-aarch64-linux-gnu) and its multiarch arm64 libraries (libssl-dev:arm64), both installed
# by scripts/install-deps. Used by cmake/lambda_arm64.cmake for the arm64 Lambda package.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

# Debian multiarch: arm64 libraries live in /usr/lib/aarch64-linux-gnu and the headers that do
# not depend on the architecture (Boost, RapidJSON, OpenSSL's) in /usr/include, which the cross
# compiler searches after its own. Libraries must be arm64 ones; programs (zip, node) are the
# host's.
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
# pkg-config (which FindOpenSSL asks first) must read the arm64 .pc files, not the host's.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig)
