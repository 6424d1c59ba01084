# rmgr_add_fuzzer(<name> HARNESS file.cpp CORPUS dir [SOURCES files...] [LIBS targets...]
#                 [MAX_LEN bytes] [DICT file] [FIXED_CORPUS])
# One libFuzzer harness, built two ways from the same source:
#  - RMGR_FUZZ (clang, the `fuzz` preset): <name>_fuzzer, linked with libFuzzer,
#    and the ctest <name>_fuzz_smoke (label fuzz), which fuzzes for
#    RMGR_FUZZ_SMOKE_SECONDS from the committed CORPUS. New inputs go to a
#    directory in the build tree; the committed corpus is only read.
#  - otherwise, when tests are built: <name>_replay (the harness plus
#    common/testing/fuzz_replay_main.cpp) and the ctest <name>_corpus_replay,
#    which runs every committed input once under the debug build's sanitizers.
# SOURCES are the code under test that no library of the fuzz build holds;
# they are compiled into the harness so libFuzzer sees their coverage
# (rmgr_common, which the fuzz build does hold, is instrumented as a whole).
# bench/fuzz_long.sh runs the same executables for the long runs; with
# --merge it minimises their findings into CORPUS, unless FIXED_CORPUS says
# the corpus is hand-written seeds that a unit test reads.
set(RMGR_FUZZ_SMOKE_SECONDS 15 CACHE STRING "Seconds each libFuzzer smoke test runs")
set(_rmgr_fuzz_replay_main "${CMAKE_CURRENT_LIST_DIR}/../common/testing/fuzz_replay_main.cpp")

function(rmgr_add_fuzzer name)
  cmake_parse_arguments(F "FIXED_CORPUS" "HARNESS;CORPUS;MAX_LEN;DICT" "SOURCES;LIBS" ${ARGN})
  if(NOT F_HARNESS OR NOT F_CORPUS)
    message(FATAL_ERROR "rmgr_add_fuzzer(${name}): HARNESS and CORPUS are required")
  endif()
  if(NOT F_MAX_LEN)
    set(F_MAX_LEN 4096)
  endif()
  if(RMGR_FUZZ)
    add_executable(${name}_fuzzer ${F_HARNESS} ${F_SOURCES})
    target_compile_options(${name}_fuzzer PRIVATE -fsanitize=fuzzer)
    target_link_options(${name}_fuzzer PRIVATE -fsanitize=fuzzer)
    target_link_libraries(${name}_fuzzer PRIVATE ${F_LIBS} rmgr_warnings rmgr_sanitizers)
    set(_found ${CMAKE_CURRENT_BINARY_DIR}/${name}-corpus)
    file(MAKE_DIRECTORY ${_found})
    set(_flags -max_len=${F_MAX_LEN} -rss_limit_mb=2048 -print_final_stats=1)
    if(F_DICT)
      list(APPEND _flags -dict=${F_DICT})
    endif()
    add_test(NAME ${name}_fuzz_smoke
      COMMAND ${name}_fuzzer -max_total_time=${RMGR_FUZZ_SMOKE_SECONDS} ${_flags} ${_found} ${F_CORPUS})
    math(EXPR _timeout "${RMGR_FUZZ_SMOKE_SECONDS} * 4 + 60")
    set_tests_properties(${name}_fuzz_smoke PROPERTIES TIMEOUT ${_timeout} LABELS fuzz)
    # What bench/fuzz_long.sh needs to run the same fuzzer for longer.
    list(JOIN _flags " " _flags)
    set(_mergeable true)
    if(F_FIXED_CORPUS)
      set(_mergeable false)
    endif()
    file(GENERATE OUTPUT ${CMAKE_BINARY_DIR}/fuzzers/${name}.env
      CONTENT "fuzzer='$<TARGET_FILE:${name}_fuzzer>'\nflags='${_flags}'\ncorpus='${F_CORPUS}'\nmergeable=${_mergeable}\n")
    return()
  endif()
  if(NOT RMGR_BUILD_TESTS)
    return()
  endif()
  add_executable(${name}_replay ${F_HARNESS} ${F_SOURCES} ${_rmgr_fuzz_replay_main})
  target_link_libraries(${name}_replay PRIVATE ${F_LIBS} rmgr_warnings rmgr_sanitizers)
  add_test(NAME ${name}_corpus_replay COMMAND ${name}_replay ${F_CORPUS})
endfunction()
