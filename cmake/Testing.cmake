# rmgr_add_test(NAME SOURCES a.cpp b.cpp LIBS lib1 lib2 [LABELS l] [TEST_PREFIX p.] [RESTIC_MATRIX])
# One GoogleTest executable, registered with ctest test by test (each name
# after TEST_PREFIX, so `ctest -R p` selects the executable's tests).
#
# RESTIC_MATRIX: the executable drives a real restic (common/testing/restic.h)
# and is registered a second time, each name prefixed "restic018.", with
# RMGR_TEST_RESTIC naming Debian 13's restic 0.18 — when RMGR_TEST_RESTIC_018
# exists at configure time (`make test` fetches it first with
# scripts/fetch-restic.sh; the first run uses the machine's restic).
enable_testing()
if(RMGR_BUILD_TESTS AND NOT RMGR_FUZZ)
  include(GoogleTest)
endif()

set(RMGR_TEST_RESTIC_018 "${PROJECT_SOURCE_DIR}/build/restic-0.18/root/usr/bin/restic"
    CACHE FILEPATH "restic 0.18 for the second run of the RESTIC_MATRIX suites (scripts/fetch-restic.sh)")
if(RMGR_BUILD_TESTS AND NOT RMGR_FUZZ)
  if(EXISTS "${RMGR_TEST_RESTIC_018}")
    message(STATUS "restic 0.18 for the test matrix: ${RMGR_TEST_RESTIC_018}")
  else()
    message(STATUS "restic 0.18 not found at ${RMGR_TEST_RESTIC_018}: the restic suites run once "
                   "(scripts/fetch-restic.sh build/restic-0.18, then configure again)")
  endif()
endif()

function(rmgr_add_test name)
  if(NOT RMGR_BUILD_TESTS OR RMGR_FUZZ)
    return()
  endif()
  cmake_parse_arguments(T "RESTIC_MATRIX" "TEST_PREFIX" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest GTest::gmock GTest::gtest_main
    rmgr_warnings rmgr_sanitizers)
  # An empty TEST_PREFIX is left out: CMake 3.31 (Debian 13) warns about an empty keyword value.
  set(prefix_args)
  if(T_TEST_PREFIX)
    set(prefix_args TEST_PREFIX "${T_TEST_PREFIX}")
  endif()
  gtest_discover_tests(${name}
    WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}
    ${prefix_args}
    PROPERTIES LABELS "${T_LABELS}"
    DISCOVERY_TIMEOUT 60
    NO_PRETTY_VALUES NO_PRETTY_TYPES)
  if(T_RESTIC_MATRIX AND EXISTS "${RMGR_TEST_RESTIC_018}")
    gtest_discover_tests(${name}
      WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}
      TEST_PREFIX "restic018.${T_TEST_PREFIX}"
      PROPERTIES LABELS "${T_LABELS};restic018" ENVIRONMENT "RMGR_TEST_RESTIC=${RMGR_TEST_RESTIC_018}"
      DISCOVERY_TIMEOUT 60
      NO_PRETTY_VALUES NO_PRETTY_TYPES)
  endif()
endfunction()
