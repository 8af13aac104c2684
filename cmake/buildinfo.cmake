# Build facts recorded in every result's manifest. The git commit is read at
# every build (not only at configure), so a result never names a stale one.
string(TOUPPER "${CMAKE_BUILD_TYPE}" LB_BT)
set(LB_CFLAGS "${CMAKE_C_FLAGS} ${CMAKE_C_FLAGS_${LB_BT}}")
get_directory_property(LB_COPTS COMPILE_OPTIONS)
string(REPLACE ";" " " LB_COPTS "${LB_COPTS}")
set(LB_CFLAGS "${LB_CFLAGS} ${LB_COPTS}")
string(STRIP "${LB_CFLAGS}" LB_CFLAGS)
set(LB_COMPILER "${CMAKE_C_COMPILER_ID} ${CMAKE_C_COMPILER_VERSION}")
add_custom_target(lb_buildinfo
  COMMAND ${CMAKE_COMMAND}
    -DSRC=${CMAKE_SOURCE_DIR} -DOUT=${CMAKE_BINARY_DIR}/generated/buildinfo.h
    -DPROJECT_VERSION=${PROJECT_VERSION} -DLB_CFLAGS=${LB_CFLAGS}
    -DLB_COMPILER=${LB_COMPILER} -DLB_SANITIZE=${LB_SANITIZE}
    -DLB_ATOMICS_BUILD=${LB_ATOMICS_BUILD} -DLB_STATIC_LINK=${LB_STATIC_LINK}
    -DLB_KXA_VERSION=${LB_KXA_VERSION} -DLB_KXA_TREE=${LB_KXA_TREE} -DLB_KXA_FILE=${LB_KXA_FILE}
    -DLB_KXA_SHA256=${LB_KXA_SHA256} -DLB_KXA_ORIGIN=${LB_KXA_ORIGIN}
    -P ${CMAKE_SOURCE_DIR}/cmake/buildinfo_gen.cmake
  BYPRODUCTS ${CMAKE_BINARY_DIR}/generated/buildinfo.h
  COMMENT "" VERBATIM)
add_dependencies(lb_bench lb_buildinfo)
