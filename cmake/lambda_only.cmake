# HITCOUNTER_LAMBDA_ONLY: a tree that builds only the Lambda package (hitcounter-lambda-zip), for
# the arm64 cross build (cmake/lambda_arm64.cmake). The whole project is configured, so that the
# package is built from exactly the targets the native build uses, but only that one target is
# built. What the other targets need and the cross build does not have (GoogleTest, SQLite, CLI11
# and Expat for arm64) is stood in by empty targets, and gtest_discover_tests does nothing: a tree
# configured this way cannot build a test, the server or the CLI (their compilation fails
# loudly), and is never asked to.
foreach(stand_in GTest::gtest GTest::gtest_main SQLite::SQLite3 CLI11::CLI11 EXPAT::EXPAT)
  add_library(${stand_in} INTERFACE IMPORTED)
endforeach()
function(gtest_discover_tests)
endfunction()
