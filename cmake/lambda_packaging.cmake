# Lambda packaging (issue 4): link `bootstrap` so that it runs on Amazon Linux 2023 (glibc 2.34)
# although built on Debian 12 (glibc 2.36), and zip it. Why this way: docs/LAMBDA.md.
#
# The binary needs only libc, libm and the loader, with no symbol version newer than
# GLIBC_2.34 (tests/lambda/lambda_zip_test.cc reads its ELF to prove it):
#   - libstdc++, libgcc and OpenSSL are linked statically (the host's are too new, or absent);
#   - libgcc's unwinder calls _dl_find_object (GLIBC_2.35): --wrap sends it to
#     src/lambda/dl_find_object_shim.cc, built on dl_iterate_phdr;
#   - nothing may use std::random_device (arc4random, GLIBC_2.36);
#   - nothing may link Expat (Debian's static one calls arc4random_buf, GLIBC_2.36): the
#     credentials chain that reads STS's XML with it, hc_aws_credentials, is the CLI's alone.

# Links `target` as described above. Sanitizer builds keep their ordinary dynamic link: their
# runtimes are shared libraries, and such a bootstrap is for the tests only.
function(hitcounter_lambda_link_portably target)
  if(NOT HITCOUNTER_SANITIZE STREQUAL "")
    return()
  endif()
  find_library(HITCOUNTER_LIBSSL_A NAMES libssl.a REQUIRED)
  find_library(HITCOUNTER_LIBCRYPTO_A NAMES libcrypto.a REQUIRED)
  target_compile_definitions(${target} PRIVATE HITCOUNTER_LAMBDA_PORTABLE_LINK=1)
  target_link_options(${target} PRIVATE
    -static-libstdc++ -static-libgcc
    LINKER:--wrap=_dl_find_object
    # The static OpenSSL below resolves every SSL symbol first; --as-needed then drops the
    # shared libssl/libcrypto that hc_aws names, as nothing is left for them to provide.
    LINKER:--as-needed
    LINKER:--gc-sections)
  # The static archives must follow the last library that uses OpenSSL and precede the shared
  # copies hc_aws names, so the chain down to hc_aws is spelled out in link order.
  target_link_libraries(${target} PRIVATE
    hc_lambda hc_dynamodb_store hc_aws ${HITCOUNTER_LIBSSL_A} ${HITCOUNTER_LIBCRYPTO_A}
    ${CMAKE_DL_LIBS} Threads::Threads)
endfunction()

# Adds the target `zip_target` (built by default) that writes `zip_file` with the stripped
# `bootstrap_target` as `bootstrap` at its root, mode 0755, as provided.al2023 runs it.
function(hitcounter_lambda_zip zip_target bootstrap_target zip_file)
  find_program(HITCOUNTER_ZIP zip REQUIRED)  # Debian's zip (scripts/install-deps)
  set(root ${CMAKE_CURRENT_BINARY_DIR}/zip-root)
  add_custom_command(
    OUTPUT ${zip_file}
    COMMAND ${CMAKE_COMMAND} -E rm -rf ${root} ${zip_file}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${root}
    COMMAND ${CMAKE_STRIP} --strip-all -o ${root}/bootstrap $<TARGET_FILE:${bootstrap_target}>
    COMMAND chmod 0755 ${root}/bootstrap
    COMMAND ${CMAKE_COMMAND} -E chdir ${root} ${HITCOUNTER_ZIP} -q -X -9 ${zip_file} bootstrap
    DEPENDS ${bootstrap_target}
    COMMENT "Packaging the Lambda function: ${zip_file}"
    VERBATIM)
  add_custom_target(${zip_target} ALL DEPENDS ${zip_file})
endfunction()
