# HITCOUNTER_SANITIZE selects a sanitizer build: "address" (ASan + UBSan) or "thread" (TSan).
set(HITCOUNTER_SANITIZE "" CACHE STRING "Sanitizer build: address, thread or empty")

if(HITCOUNTER_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined -fno-sanitize-recover=all)
elseif(HITCOUNTER_SANITIZE STREQUAL "thread")
  # -Wno-tsan: GCC warns that TSan does not model the atomic_thread_fence inside Boost.Asio's
  # handler invocation; Asio's scheduler synchronises through mutexes, which TSan does model.
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer -Wno-tsan)
  add_link_options(-fsanitize=thread)
elseif(NOT HITCOUNTER_SANITIZE STREQUAL "")
  message(FATAL_ERROR "HITCOUNTER_SANITIZE must be address, thread or empty")
endif()
