# SPDX-License-Identifier: BSD-2-Clause
# Target-CPU build choices, recorded in every result's manifest:
#
# LB_ATOMICS (aarch64 only) picks the instructions of the hot atomics
# (refcounts, counters, compare-and-swap loops in our own code):
#   outline  GCC's default -moutline-atomics: calls to libgcc helpers that
#            use LSE when the CPU has it (HWCAP_ATOMICS) and LL/SC otherwise
#   lse      -march=armv8.1-a: LSE inline (ldadd, cas, swp); the program
#            needs an ARMv8.1+ CPU (Graviton2+, Ampere Altra+)
#   llsc     -march=armv8-a -mno-outline-atomics: LL/SC loops inline
#            (ldxr/stxr), as on ARMv8.0
# Elsewhere it is ignored and recorded as "n/a (<arch>)". ck's own atomics
# (our lock kinds) are LL/SC inline assembly whatever is chosen: see
# docs/arm64.md and tests/test_atomics_asm.sh.
#
# LB_STATIC links every program statically: the aarch64 test build runs under
# qemu-aarch64, where dynamically linked threaded programs hang. Debian's
# libhwloc.a needs libudev, which has no static library: static builds link
# cmake/udev_stubs.c instead (hwloc takes a NULL udev handle as "no udev").
#
# Included after cmake/deps.cmake (it extends lb_deps) and before the first
# target (the flags must reach every object).

set(LB_ATOMICS "outline" CACHE STRING "aarch64 hot-path atomics: outline, lse or llsc")
set_property(CACHE LB_ATOMICS PROPERTY STRINGS outline lse llsc)
option(LB_STATIC "Link programs statically (the aarch64 build run under qemu-aarch64)" OFF)

if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64|ARM64)$")
  if(LB_ATOMICS STREQUAL "lse")
    add_compile_options(-march=armv8.1-a)
  elseif(LB_ATOMICS STREQUAL "llsc")
    add_compile_options(-march=armv8-a -mno-outline-atomics)
  elseif(LB_ATOMICS STREQUAL "outline")
    add_compile_options(-moutline-atomics)
  else()
    message(FATAL_ERROR "LB_ATOMICS must be outline, lse or llsc (got '${LB_ATOMICS}')")
  endif()
  # What buildinfo.h records as LB_ATOMICS.
  set(LB_ATOMICS_BUILD "${LB_ATOMICS}")
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  set(LB_ATOMICS_BUILD "n/a (x86-64)")
else()
  set(LB_ATOMICS_BUILD "n/a (${CMAKE_SYSTEM_PROCESSOR})")
endif()

set(LB_STATIC_LINK 0)
if(LB_STATIC)
  set(LB_STATIC_LINK 1)
  if(LB_SANITIZE)
    message(FATAL_ERROR "LB_STATIC and LB_SANITIZE cannot be combined")
  endif()
  # The stand-ins go in as an object file, which the linker takes whole
  # wherever it stands on the line; an archive before libhwloc.a would be
  # passed over.
  add_library(lb_udev_stubs OBJECT ${CMAKE_CURRENT_LIST_DIR}/udev_stubs.c)
  # pkg-config --static adds each library's private dependencies (hwloc:
  # -lm -ludev -lpthread); -ludev is what the stand-ins replace.
  foreach(dep LB_CK LB_URCU LB_URCU_CDS LB_HWLOC LB_JEMALLOC)
    if(${dep}_FOUND)
      set(libs ${${dep}_STATIC_LIBRARIES})
      list(REMOVE_ITEM libs udev)
      target_link_directories(lb_deps INTERFACE ${${dep}_STATIC_LIBRARY_DIRS})
      target_link_libraries(lb_deps INTERFACE ${libs})
    endif()
  endforeach()
  target_link_libraries(lb_deps INTERFACE $<TARGET_OBJECTS:lb_udev_stubs>)
  # jemalloc defines malloc, free, calloc and realloc, and so does glibc's
  # malloc.o, which a static link pulls in for __libc_calloc/__libc_free
  # (core/alloc.c's --alloc=libc path). The first definition wins:
  # libjemalloc.a comes before libc.a, so malloc is jemalloc's and
  # __libc_* stay glibc's, as with dynamic linking, where jemalloc
  # interposes malloc. Duplicate symbols in our own code are still caught
  # by the dynamically linked native build.
  target_link_options(lb_deps INTERFACE -static -Wl,--allow-multiple-definition)
endif()
