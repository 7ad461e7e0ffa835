# The arm64 (AWS Graviton) Lambda package, for `architecture: arm64` in infra/, and its proofs.
# Included by the top-level CMakeLists.txt when HITCOUNTER_LAMBDA_ARM64 is on (the release
# preset only: one extra package per CI run, not one per preset).
#
# The package is cross-built from the same sources by a sub-build of this tree in
# ${CMAKE_BINARY_DIR}/arm64, configured with Debian's cross toolchain
# (cmake/aarch64-linux-gnu.cmake) and HITCOUNTER_LAMBDA_ONLY, which builds nothing but the zip:
# ${CMAKE_BINARY_DIR}/arm64/hitcounter-lambda.zip. Linked as the x86_64 one is
# (cmake/lambda_packaging.cmake), it needs only libc, libm and the loader of glibc 2.34.
#
# hc_lambda_arm64_test proves it: the same ELF checks as for x86_64 (tests/lambda/
# lambda_zip_test.cc, read with the cross binutils) and the bootstrap itself run under
# qemu-user-static against DynamoDB Local for a few invocations (tests/lambda/
# lambda_arm64_test.cc).
include(ExternalProject)
include(ProcessorCount)

find_program(HITCOUNTER_AARCH64_CXX aarch64-linux-gnu-g++)
find_program(HITCOUNTER_AARCH64_READELF aarch64-linux-gnu-readelf)
find_program(HITCOUNTER_AARCH64_OBJDUMP aarch64-linux-gnu-objdump)
find_program(HITCOUNTER_QEMU_AARCH64 qemu-aarch64-static)
if(NOT HITCOUNTER_AARCH64_CXX OR NOT HITCOUNTER_AARCH64_READELF OR NOT HITCOUNTER_AARCH64_OBJDUMP
   OR NOT HITCOUNTER_QEMU_AARCH64)
  message(FATAL_ERROR "the arm64 Lambda package needs Debian's g++-aarch64-linux-gnu, "
                      "libssl-dev:arm64 and qemu-user-static: run scripts/install-deps")
endif()

set(arm64_dir ${CMAKE_BINARY_DIR}/arm64)
set(arm64_zip ${arm64_dir}/hitcounter-lambda.zip)
# The sub-build's own parallelism; it runs beside this build's jobs.
ProcessorCount(arm64_jobs)
if(arm64_jobs EQUAL 0)
  set(arm64_jobs 1)
endif()
ExternalProject_Add(hitcounter-lambda-zip-arm64
  SOURCE_DIR ${PROJECT_SOURCE_DIR}
  BINARY_DIR ${arm64_dir}
  CMAKE_GENERATOR ${CMAKE_GENERATOR}
  CMAKE_ARGS
    -DCMAKE_TOOLCHAIN_FILE=${PROJECT_SOURCE_DIR}/cmake/aarch64-linux-gnu.cmake
    -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE}
    -DHITCOUNTER_LAMBDA_ONLY=ON
    -DHITCOUNTER_TESTS=
  BUILD_COMMAND
    ${CMAKE_COMMAND} --build ${arm64_dir} --target hitcounter-lambda-zip --parallel ${arm64_jobs}
  BUILD_BYPRODUCTS ${arm64_zip}
  BUILD_ALWAYS ON  # the sub-build knows what changed; a no-op takes a fraction of a second
  INSTALL_COMMAND "")

add_executable(hc_lambda_arm64_test
  ${PROJECT_SOURCE_DIR}/tests/lambda/lambda_arm64_test.cc
  ${PROJECT_SOURCE_DIR}/tests/lambda/lambda_zip_test.cc)
target_compile_definitions(hc_lambda_arm64_test PRIVATE
  HITCOUNTER_LAMBDA_ZIP="${arm64_zip}"
  HITCOUNTER_LAMBDA_MACHINE="AArch64"
  HITCOUNTER_LAMBDA_PORTABLE_LINK=1
  HITCOUNTER_CMAKE="${CMAKE_COMMAND}"
  HITCOUNTER_READELF="${HITCOUNTER_AARCH64_READELF}"
  HITCOUNTER_OBJDUMP="${HITCOUNTER_AARCH64_OBJDUMP}"
  HITCOUNTER_QEMU_AARCH64="${HITCOUNTER_QEMU_AARCH64}")
target_include_directories(hc_lambda_arm64_test SYSTEM PRIVATE ${RAPIDJSON_INCLUDE_DIRS})
target_link_libraries(hc_lambda_arm64_test PRIVATE
  hc_dynamodb_store hc_runtime_api_emulator hc_local_dynamodb GTest::gtest_main)
add_dependencies(hc_lambda_arm64_test hitcounter-lambda-zip-arm64)
add_test(NAME lambda_arm64 COMMAND hc_lambda_arm64_test)
set_tests_properties(lambda_arm64 PROPERTIES TIMEOUT 300)
