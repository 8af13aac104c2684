# Run at build time by the lb_buildinfo target: writes buildinfo.h, touching
# it only when a fact changed (configure_file keeps identical files).
execute_process(COMMAND git rev-parse --short=12 HEAD
  WORKING_DIRECTORY ${SRC} OUTPUT_VARIABLE LB_GIT_COMMIT
  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT LB_GIT_COMMIT)
  set(LB_GIT_COMMIT "unknown")
endif()
execute_process(COMMAND git status --porcelain --untracked-files=no
  WORKING_DIRECTORY ${SRC} OUTPUT_VARIABLE LB_GIT_DIRTY
  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(LB_GIT_DIRTY)
  set(LB_GIT_COMMIT "${LB_GIT_COMMIT}-dirty")
endif()
configure_file(${SRC}/bench/buildinfo.h.in ${OUT} @ONLY)
