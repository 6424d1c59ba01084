# rmgr_add_test(NAME SOURCES a.cpp b.cpp LIBS lib1 lib2 [LABELS l] [TEST_PREFIX p.])
# One GoogleTest executable, registered with ctest test by test (each name
# after TEST_PREFIX, so `ctest -R p` selects the executable's tests).
enable_testing()
if(RMGR_BUILD_TESTS AND NOT RMGR_FUZZ)
  include(GoogleTest)
endif()

function(rmgr_add_test name)
  if(NOT RMGR_BUILD_TESTS OR RMGR_FUZZ)
    return()
  endif()
  cmake_parse_arguments(T "" "TEST_PREFIX" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest GTest::gmock GTest::gtest_main
    rmgr_warnings rmgr_sanitizers)
  gtest_discover_tests(${name}
    WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}
    TEST_PREFIX "${T_TEST_PREFIX}"
    PROPERTIES LABELS "${T_LABELS}"
    DISCOVERY_TIMEOUT 60
    NO_PRETTY_VALUES NO_PRETTY_TYPES)
endfunction()
