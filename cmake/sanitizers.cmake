# HITCOUNTER_SANITIZE selects a sanitizer build: "address" (ASan + UBSan) or "thread" (TSan).
set(HITCOUNTER_SANITIZE "" CACHE STRING "Sanitizer build: address, thread or empty")

if(HITCOUNTER_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined -fno-sanitize-recover=all)
elseif(HITCOUNTER_SANITIZE STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
elseif(NOT HITCOUNTER_SANITIZE STREQUAL "")
  message(FATAL_ERROR "HITCOUNTER_SANITIZE must be address, thread or empty")
endif()
