# Build facts recorded in every result's manifest.
execute_process(COMMAND git rev-parse --short=12 HEAD
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR} OUTPUT_VARIABLE LB_GIT_COMMIT
  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT LB_GIT_COMMIT)
  set(LB_GIT_COMMIT "unknown")
endif()
execute_process(COMMAND git status --porcelain --untracked-files=no
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR} OUTPUT_VARIABLE LB_GIT_DIRTY
  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(LB_GIT_DIRTY)
  set(LB_GIT_COMMIT "${LB_GIT_COMMIT}-dirty")
endif()
string(TOUPPER "${CMAKE_BUILD_TYPE}" LB_BT)
set(LB_CFLAGS "${CMAKE_C_FLAGS} ${CMAKE_C_FLAGS_${LB_BT}}")
get_directory_property(LB_COPTS COMPILE_OPTIONS)
string(REPLACE ";" " " LB_COPTS "${LB_COPTS}")
set(LB_CFLAGS "${LB_CFLAGS} ${LB_COPTS}")
string(STRIP "${LB_CFLAGS}" LB_CFLAGS)
set(LB_COMPILER "${CMAKE_C_COMPILER_ID} ${CMAKE_C_COMPILER_VERSION}")
configure_file(${CMAKE_SOURCE_DIR}/bench/buildinfo.h.in
  ${CMAKE_BINARY_DIR}/generated/buildinfo.h @ONLY)
