# SPDX-License-Identifier: BSD-2-Clause
# Cross build for aarch64 Linux on an x86-64 Debian host:
#   compiler   aarch64-linux-gnu-gcc (gcc-aarch64-linux-gnu, libc6-dev-arm64-cross)
#   libraries  the arm64 Debian packages of ck, liburcu, jemalloc and hwloc,
#              unpacked into a private sysroot (LB_ARM64_SYSROOT; default
#              build-arm64-sysroot/ in the source tree, which
#              scripts/cross-test-arm64 fills), found through pkg-config
#   tests      run by ctest under qemu-aarch64 (CMAKE_CROSSCOMPILING_EMULATOR);
#              link statically (-DLB_STATIC=ON): dynamically linked threaded
#              programs hang under qemu-aarch64 7.2 (docs/arm64.md)
#
#   cmake -S . -B build-arm64-lse -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake \
#         -DLB_STATIC=ON -DLB_ATOMICS=lse
#
# LB_QEMU_CPU picks the emulated CPU model (default max, which has LSE;
# cortex-a57 is an ARMv8.0 CPU without it).

set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(LB_CROSS_TRIPLE aarch64-linux-gnu)
set(CMAKE_C_COMPILER ${LB_CROSS_TRIPLE}-gcc)

if(NOT LB_ARM64_SYSROOT)
  if(DEFINED ENV{LB_ARM64_SYSROOT})
    set(LB_ARM64_SYSROOT "$ENV{LB_ARM64_SYSROOT}")
  else()
    set(LB_ARM64_SYSROOT "${CMAKE_CURRENT_LIST_DIR}/../build-arm64-sysroot")
  endif()
endif()
get_filename_component(LB_ARM64_SYSROOT "${LB_ARM64_SYSROOT}" ABSOLUTE)
set(LB_ARM64_SYSROOT "${LB_ARM64_SYSROOT}" CACHE PATH "Private sysroot with the arm64 -dev packages")
# try_compile projects read this file again: hand them the same sysroot.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES LB_ARM64_SYSROOT LB_QEMU_CPU)

# The cross libc lives in /usr/aarch64-linux-gnu; the -dev packages in the
# private sysroot. Programs (pkg-config, qemu) come from the host.
set(CMAKE_FIND_ROOT_PATH /usr/${LB_CROSS_TRIPLE} ${LB_ARM64_SYSROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# pkg-config sees only the sysroot's .pc files and prefixes their paths with
# it. Set here (not in the caller's shell) so re-runs of cmake get it too.
set(ENV{PKG_CONFIG_LIBDIR}
  "${LB_ARM64_SYSROOT}/usr/lib/${LB_CROSS_TRIPLE}/pkgconfig:${LB_ARM64_SYSROOT}/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${LB_ARM64_SYSROOT}")
set(ENV{PKG_CONFIG_PATH} "")

set(LB_QEMU_CPU "max" CACHE STRING "CPU model qemu-aarch64 emulates for the tests")
if(NOT CMAKE_CROSSCOMPILING_EMULATOR)
  find_program(LB_QEMU_AARCH64 NAMES qemu-aarch64 qemu-aarch64-static)
  if(LB_QEMU_AARCH64)
    set(CMAKE_CROSSCOMPILING_EMULATOR "${LB_QEMU_AARCH64};-cpu;${LB_QEMU_CPU}")
  endif()
endif()
