# Options and the one INTERFACE target that carries the language level, warnings and
# sanitizer flags to every target of the suite.
option(FANOUT_BUILD_TESTS "Build the GoogleTest suite" ON)
set(FANOUT_SANITIZE "" CACHE STRING "Sanitizers to build with: address,undefined or thread")
option(FANOUT_WERROR "Treat warnings as errors" OFF)
option(FANOUT_CHECK_HEADERS "Compile each header alone against its folder's links" OFF)

if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE Release CACHE STRING "Build type" FORCE)
endif()

add_library(fanout_options INTERFACE)
add_library(fanout::options ALIAS fanout_options)
target_compile_features(fanout_options INTERFACE cxx_std_20)
target_compile_options(fanout_options INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                                                -Wno-sign-conversion)
if(FANOUT_WERROR)
  target_compile_options(fanout_options INTERFACE -Werror)
endif()

if(FANOUT_SANITIZE)
  # Sanitizer builds check correctness; their timings are never published.
  set(_san "-fsanitize=${FANOUT_SANITIZE}")
  if(FANOUT_SANITIZE MATCHES "undefined")
    # Without vptr: GCC 12's libubsan checks a vtable through a pipe of its own, and at EMFILE,
    # which the fd_exhaustion hazard and its test cause on purpose (docs/design.md section 4),
    # it finds no descriptor for it and reports a false "invalid vptr".
    string(APPEND _san " -fno-sanitize-recover=undefined -fno-sanitize=vptr")
  endif()
  separate_arguments(_san_list UNIX_COMMAND "${_san}")
  target_compile_options(fanout_options INTERFACE ${_san_list} -fno-omit-frame-pointer)
  target_link_options(fanout_options INTERFACE ${_san_list})
endif()

# Tests that start TBB worker threads (label `tbb`), and the benchmark binary, which runs on TBB
# throughout, are left out of a ThreadSanitizer build: Debian's libtbb is not built with it, so
# TSan would report races inside TBB's own scheduler (docs/design.md section 7). Nothing of a
# TSan build would run them, so it does not spend a third of its build time compiling them.
if(FANOUT_SANITIZE MATCHES "thread")
  set(FANOUT_TBB_TESTS OFF)
else()
  set(FANOUT_TBB_TESTS ON)
endif()
